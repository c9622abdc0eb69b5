"""Map and Parallel states, as the ASL spec and AWS define them.

https://states-language.net/spec.html#map-state, https://states-language.net/spec.html#parallel-state,
https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.conformance._run import execute
from workflows.local.adaptations import map_state
from workflows.local.engine import LocalEngine

THRESHOLD = ("States.ExceedToleratedFailureThreshold", "The specified tolerated failure threshold was exceeded")


@pytest.fixture(autouse=True)
def failure_thresholds() -> Iterator[None]:
    """AWS's Distributed Map failure thresholds (the engine's default; pinned here whatever ran before)."""
    map_state.set_failure_threshold_enforced(True)
    yield


def _distributed(**fields: Any) -> dict[str, Any]:
    """A Distributed Map whose child fails on item 0 and echoes every other item."""
    processor = {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "Zero?",
        "States": {
            "Zero?": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Fail"}], "Default": "Ok"},
            "Fail": {"Type": "Fail", "Error": "Item.Bad", "Cause": "zero"},
            "Ok": {"Type": "Pass", "End": True},
        },
    }
    return {"StartAt": "Map", "States": {"Map": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": processor,
                                                 **fields, "End": True}}}


def test_distributed_map_fails_when_a_child_fails(local_engine: LocalEngine) -> None:
    """Without a tolerated failure threshold, one failed child execution fails the Map Run and the
    Map state with States.ExceedToleratedFailureThreshold.
    https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
    """
    result = execute(local_engine, _distributed(), {"items": [1, 0, 2]})
    assert (result.status, result.error, result.cause) == ("FAILED", *THRESHOLD)
    assert [e["type"] for e in result.history][-3:] == ["MapRunFailed", "MapStateFailed", "ExecutionFailed"]


@pytest.mark.parametrize("fields,items,ok", [
    ({"ToleratedFailureCount": 1}, [1, 0, 2], True),
    ({"ToleratedFailureCount": 1}, [0, 0, 2], False),
    ({"ToleratedFailurePercentage": 50}, [1, 0, 2], True),
    ({"ToleratedFailurePercentage": 10}, [1, 0, 2], False),
    ({"ToleratedFailurePercentage": 40.5}, [0, 0, 2, 3], False),
], ids=["count-1-of-1", "count-2-of-1", "percent-33-of-50", "percent-33-of-10", "percent-50-of-40.5"])
def test_tolerated_failures_are_honoured(local_engine: LocalEngine, fields: dict[str, Any], items: list[int],
                                         ok: bool) -> None:
    """ToleratedFailureCount / ToleratedFailurePercentage (an integer or decimal from 0 to 100) let
    that many child failures pass; beyond them the Map fails.
    https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
    """
    result = execute(local_engine, _distributed(**fields), {"items": items})
    if ok:
        assert result.ok(), result.cause
        assert len(result.output) == len(items)
    else:
        assert (result.status, result.error, result.cause) == ("FAILED", *THRESHOLD)


def test_exceeded_threshold_can_be_caught(local_engine: LocalEngine) -> None:
    """States.ExceedToleratedFailureThreshold is an ordinary state error for Catch.
    https://states-language.net/spec.html#errors
    """
    definition = _distributed()
    map_state = definition["States"]["Map"]
    del map_state["End"]
    map_state.update(Next="Done", Catch=[{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "Handled"}])
    definition["States"].update(Done={"Type": "Succeed"}, Handled={"Type": "Pass", "End": True})
    result = execute(local_engine, definition, {"items": [0]})
    assert result.ok(), result.cause
    assert result.state_names[-1] == "Handled"
    assert result.output["Error"] == THRESHOLD[0]


def test_inline_map_iteration_failure_fails_the_map(local_engine: LocalEngine) -> None:
    """An inline Map iteration's unhandled error fails the Map state with that error.
    https://states-language.net/spec.html#map-state
    """
    definition = {"StartAt": "Map", "States": {"Map": {"Type": "Map", "ItemProcessor": {
        "StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Item.Bad", "Cause": "no"}}}, "End": True}}}
    result = execute(local_engine, definition, [1])
    assert (result.status, result.error, result.cause) == ("FAILED", "Item.Bad", "no")


def test_map_item_selector_reads_index_and_value(local_engine: LocalEngine) -> None:
    """ItemSelector may read ``$$.Map.Item.Index`` and ``$$.Map.Item.Value``; results keep input order.
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemselector.html
    """
    definition = {"StartAt": "Map", "States": {"Map": {
        "Type": "Map", "MaxConcurrency": 2,
        "ItemSelector": {"index.$": "$$.Map.Item.Index", "value.$": "$$.Map.Item.Value"},
        "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, "End": True}}}
    result = execute(local_engine, definition, ["a", "b", "c"])
    assert result.ok(), result.cause
    assert result.output == [{"index": 0, "value": "a"}, {"index": 1, "value": "b"}, {"index": 2, "value": "c"}]


def test_parallel_output_is_branch_outputs_in_order(local_engine: LocalEngine) -> None:
    """A Parallel state's output is the array of its branches' outputs, in branch order.
    https://states-language.net/spec.html#parallel-state
    """
    def branch(value: int) -> dict[str, Any]:
        return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": value, "End": True}}}

    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "Branches": [branch(1), branch(2)], "End": True}}}
    result = execute(local_engine, definition)
    assert result.ok(), result.cause
    assert result.output == [1, 2]


def test_parallel_branch_failure_fails_the_parallel(local_engine: LocalEngine) -> None:
    """If any branch fails, the Parallel state fails with that branch's error.
    https://states-language.net/spec.html#parallel-state
    """
    ok = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    bad = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Branch.Bad", "Cause": "b"}}}
    definition = {"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "Branches": [ok, bad], "End": True}}}
    result = execute(local_engine, definition)
    assert (result.status, result.error, result.cause) == ("FAILED", "Branch.Bad", "b")
