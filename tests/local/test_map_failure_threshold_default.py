"""The local engine fails a Distributed Map on child failures by default, as AWS does.

AWS: "Setting failure thresholds for Distributed Map states" — with no tolerated failure threshold,
one failed child execution fails the Map Run, and the Map state fails with
States.ExceedToleratedFailureThreshold. moto alone returns ``null`` for the failed item and carries on.
https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
"""

from __future__ import annotations

from typing import Any

from tests.conformance._run import execute
from workflows.local.adaptations import map_state
from workflows.local.engine import LocalEngine

THRESHOLD = ("States.ExceedToleratedFailureThreshold", "The specified tolerated failure threshold was exceeded")


def _machine(**fields: Any) -> dict[str, Any]:
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "Bad?",
                 "States": {"Bad?": {"Type": "Choice", "Choices": [
                     {"Variable": "$", "StringEquals": "bad", "Next": "Fail"}], "Default": "Ok"},
                     "Fail": {"Type": "Fail", "Error": "Item.Bad", "Cause": "bad item"},
                     "Ok": {"Type": "Pass", "End": True}}}
    return {"StartAt": "Map", "States": {"Map": {"Type": "Map", "ItemProcessor": processor, **fields, "End": True}}}


def test_enforced_by_default() -> None:
    """A fresh process enforces thresholds without any test switching them on."""
    assert map_state._enforced is True


def test_one_failed_child_fails_the_map_without_tolerance(local_engine: LocalEngine) -> None:
    """No ToleratedFailureCount/Percentage: one failed child fails the Map (and the execution,
    uncaught) with States.ExceedToleratedFailureThreshold; no result array is produced.
    https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
    """
    result = execute(local_engine, _machine(), ["ok", "bad", "ok"])
    assert (result.status, result.error, result.cause) == ("FAILED", *THRESHOLD)


def test_tolerated_percentage_100_keeps_the_other_results(local_engine: LocalEngine) -> None:
    """ToleratedFailurePercentage 100: the Map Run succeeds whatever fails; the others' results stay.
    https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html
    """
    result = execute(local_engine, _machine(ToleratedFailurePercentage=100), ["ok", "bad", "ok"])
    assert result.ok(), result.cause
    assert result.output[0] == "ok" and result.output[2] == "ok" and len(result.output) == 3


def test_switch_off_restores_moto_null_items(local_engine: LocalEngine) -> None:
    """The escape hatch for a test that must see moto's own behaviour (a null item, the Map succeeds)."""
    map_state.set_failure_threshold_enforced(False)
    try:
        result = execute(local_engine, _machine(), ["ok", "bad"])
    finally:
        map_state.set_failure_threshold_enforced(True)
    assert result.ok() and result.output == ["ok", None]
