"""JSONPath results as AWS gives them: a definite path yields the value, not a one-element list."""

from typing import Any

import pytest

from workflows.local.engine import LocalEngine

DATA = {"Stacks": [{"StackStatus": "CREATE_COMPLETE", "Tags": [{"Key": "t"}]}], "a": [{"b": 1}], "L": [{"S": "x"}, {"S": "y"}]}


def select(engine: LocalEngine, path: str) -> Any:
    machine = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": path}, "End": True}}}
    engine.create_state_machine("sel", machine)
    result = engine.run("sel", DATA)
    assert result.ok(), result.cause
    return result.output["v"]


@pytest.mark.parametrize(
    "path,expected",
    [
        ("$.Stacks[0].StackStatus", "CREATE_COMPLETE"),
        ("$.Stacks[0].Tags[0].Key", "t"),
        ("$.Stacks[0]", DATA["Stacks"][0]),
        ("$.a[*].b", [1]),  # indefinite path over one element: still a list
        ("$.L[*].S", ["x", "y"]),
        ("$.L[0:1]", [{"S": "x"}]),
    ],
)
def test_definite_and_indefinite_paths(local_engine: LocalEngine, path: str, expected: Any) -> None:
    assert select(local_engine, path) == expected


def test_missing_definite_path_is_states_runtime(local_engine: LocalEngine) -> None:
    machine = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$.Stacks[3].StackStatus"}, "End": True}}}
    local_engine.create_state_machine("miss", machine)
    result = local_engine.run("miss", DATA)
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"


def test_a_path_is_parsed_once_for_every_execution(local_engine) -> None:  # type: ignore[no-untyped-def]
    """adaptations/jsonpath.py keeps parsed paths: jsonpath-ng builds a PLY parser per parse."""
    import moto.stepfunctions.parser.asl.utils.json_path as json_path

    local_engine.create_state_machine("paths-once", {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"v.$": "$.only.once[0].here"}, "End": True}}})
    outputs = [local_engine.run("paths-once", {"only": {"once": [{"here": n}]}}).output for n in range(3)]
    assert outputs == [{"v": 0}, {"v": 1}, {"v": 2}]
    misses = json_path.parse.cache_info().misses
    local_engine.run("paths-once", {"only": {"once": [{"here": 3}]}})
    assert json_path.parse.cache_info().misses == misses
