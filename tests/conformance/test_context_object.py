"""The context object ($$ in JSONPath, $states.context in JSONata), as AWS documents it.

https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conformance._run import execute, pass_state
from workflows.local.engine import LocalEngine

ISO_8601_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
INPUT = {"message": "hello"}


def _check_context(context: Any, state_name: str) -> None:
    assert set(context) == {"Execution", "State", "StateMachine"}
    execution = context["Execution"]
    assert set(execution) == {"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount"}
    assert execution["Input"] == INPUT
    assert execution["Id"].endswith(":" + execution["Name"])
    assert execution["RedriveCount"] == 0
    assert ISO_8601_MS.match(execution["StartTime"]), execution["StartTime"]
    assert context["State"]["Name"] == state_name
    assert ISO_8601_MS.match(context["State"]["EnteredTime"]), context["State"]["EnteredTime"]
    assert set(context["StateMachine"]) == {"Id", "Name"}


@pytest.mark.parametrize(
    "fields,select",
    [
        ({"InputPath": "$$"}, lambda out: out),
        ({"Parameters": {"context.$": "$$"}}, lambda out: out["context"]),
        ({"OutputPath": "$$"}, lambda out: out),
    ],
    ids=["InputPath", "Parameters", "OutputPath"],
)
def test_whole_context_object_is_json(local_engine: LocalEngine, fields: dict[str, Any], select: Any) -> None:
    """``$$`` yields the whole context object as JSON: Execution (Id, Input, Name, RoleArn,
    StartTime, RedriveCount), State (Name, EnteredTime) and StateMachine (Id, Name), times in
    ISO 8601 (``2019-03-26T20:14:13.192Z``).
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    """
    result = execute(local_engine, pass_state(**fields), INPUT)
    assert result.ok(), result.cause
    _check_context(select(result.output), "P")


def test_pass_state_context_has_no_retry_count(local_engine: LocalEngine) -> None:
    """``State.RetryCount`` belongs to states that can retry (Task, Parallel, Map); a Pass state's
    State object carries only Name and EnteredTime (as AWS returns it).
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    """
    result = execute(local_engine, pass_state(Parameters={"state.$": "$$.State"}), INPUT)
    assert result.ok(), result.cause
    assert set(result.output["state"]) == {"Name", "EnteredTime"}


def test_start_time_and_jsonata_context(local_engine: LocalEngine) -> None:
    """``$states.context`` in JSONata is the same object; StartTime is an ISO 8601 string.
    https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
    """
    definition = {"QueryLanguage": "JSONata", **pass_state(Output="{% $states.context %}")}
    result = execute(local_engine, definition, INPUT)
    assert result.ok(), result.cause
    _check_context(result.output, "P")


def test_execution_start_time_path(local_engine: LocalEngine) -> None:
    """``$$.Execution.StartTime`` is a string, usable by intrinsics such as States.Format.
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    """
    definition = pass_state(Parameters={"started.$": "States.Format('at {}', $$.Execution.StartTime)"})
    result = execute(local_engine, definition, INPUT)
    assert result.ok(), result.cause
    assert ISO_8601_MS.match(result.output["started"][3:])
