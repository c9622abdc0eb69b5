"""CreateStateMachine refuses invalid definitions with AWS's InvalidDefinition messages.

https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
(InvalidDefinition: "The provided Amazon States Language definition is not valid") and the ASL
spec, https://states-language.net/spec.html#states-fields ("StartAt", "Next", terminal states).
Messages are AWS's, as AWS returns them:
``Invalid State Machine Definition: 'CODE: message at /location, CODE: ...'``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from workflows.local.engine import LocalEngine

PREFIX = "Invalid State Machine Definition: "


def _refusal(engine: LocalEngine, definition: Any) -> str:
    with pytest.raises(ClientError) as info:
        engine.create_state_machine("invalid", definition)
    assert info.value.response["Error"]["Code"] == "InvalidDefinition"
    message = info.value.response["Error"]["Message"]
    assert message.startswith(PREFIX), message
    return message


def _pass(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", **fields}


def test_missing_next_target_and_unreachable_state(local_engine: LocalEngine) -> None:
    """A Next naming no state, and a state nothing transitions to, are refused together (AWS, recorded).
    https://states-language.net/spec.html#transition
    """
    definition = {"StartAt": "pass1", "States": {"pass1": _pass(Next="pass3"), "pass2": _pass(End=True)}}
    assert _refusal(local_engine, definition) == (
        PREFIX + "'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next, "
        "MISSING_TRANSITION_TARGET: State \"pass2\" is not reachable. at /States/pass2'")


def test_unreachable_state(local_engine: LocalEngine) -> None:
    """A state no StartAt, Next, Default or Catch names is refused.
    https://states-language.net/spec.html#transition
    """
    definition = {"StartAt": "A", "States": {"A": _pass(End=True), "B": _pass(End=True)}}
    assert _refusal(local_engine, definition) == (
        PREFIX + "'MISSING_TRANSITION_TARGET: State \"B\" is not reachable. at /States/B'")


def test_start_at_naming_no_state(local_engine: LocalEngine) -> None:
    """A StartAt naming no state is a missing target at /StartAt; a state only an unreachable state
    points to is not reported (AWS, recorded).
    https://states-language.net/spec.html#toplevelfields
    """
    definition = {"StartAt": "Not sure", "States": {"Pass One": _pass(Next="Success"), "Success": {"Type": "Succeed"}}}
    assert _refusal(local_engine, definition) == (
        PREFIX + "'MISSING_TRANSITION_TARGET: Missing 'Next' target: Not sure at /StartAt, "
        "MISSING_TRANSITION_TARGET: State \"Pass One\" is not reachable. at /States/Pass One'")


@pytest.mark.parametrize("state,location", [
    ({"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Nope"}], "Default": "End"},
     "/States/S/Choices[0]/Next"),
    ({"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "End"}], "Default": "Nope"},
     "/States/S/Default"),
    ({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "Next": "End",
      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nope"}]}, "/States/S/Catch[0]/Next"),
], ids=["Choices", "Default", "Catch"])
def test_every_transition_field_is_checked(local_engine: LocalEngine, state: dict[str, Any], location: str) -> None:
    """Choices' Next, Default and Catch's Next must name a state; the message says 'Next' for all.
    https://states-language.net/spec.html#choice-state
    """
    definition = {"StartAt": "S", "States": {"S": state, "End": {"Type": "Succeed"}}}
    assert _refusal(local_engine, definition) == (
        PREFIX + f"'MISSING_TRANSITION_TARGET: Missing 'Next' target: Nope at {location}'")


def test_no_terminal_state(local_engine: LocalEngine) -> None:
    """A machine must have a terminal state (End, Succeed or Fail).
    https://states-language.net/spec.html#statetypes ("terminal state")
    """
    definition = {"StartAt": "A", "States": {"A": _pass(Next="B"), "B": _pass(Next="A")}}
    assert _refusal(local_engine, definition) == PREFIX + "'MISSING_END_STATE: Workflow has no terminal state at null'"


def test_unreachable_state_inside_a_parallel_branch(local_engine: LocalEngine) -> None:
    """Each Parallel branch is its own scope with its own StartAt and transitions.
    https://states-language.net/spec.html#parallel-state
    """
    branch = {"StartAt": "X", "States": {"X": _pass(End=True), "Y": _pass(End=True)}}
    definition = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "Branches": [branch], "End": True}}}
    assert _refusal(local_engine, definition) == (
        PREFIX + "'MISSING_TRANSITION_TARGET: State \"Y\" is not reachable. at /States/P/Branches[0]/States/Y'")


def test_invalid_state_type(local_engine: LocalEngine) -> None:
    """An unknown Type is a schema error naming the allowed values (AWS, recorded).
    https://states-language.net/spec.html#statetypes
    """
    definition = {"StartAt": "ExistingButInvalidState", "States": {"ExistingButInvalidState": {"Type": "Pasx", "End": True}}}
    assert _refusal(local_engine, definition) == (
        PREFIX + "'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: "
        "[Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/ExistingButInvalidState/Type'")


def test_missing_states_field(local_engine: LocalEngine) -> None:
    """A definition without States is a schema error (AWS, recorded).
    https://states-language.net/spec.html#toplevelfields
    """
    assert _refusal(local_engine, {"StartAt": "A"}) == PREFIX + "'SCHEMA_VALIDATION_FAILED: These fields are required: [States] at /'"


def test_other_schema_errors_keep_aws_envelope(local_engine: LocalEngine) -> None:
    """What the engine's parser refuses is reported as SCHEMA_VALIDATION_FAILED, never as a Python
    error (``Error=ValueError Args=[...]``).
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
    """
    iterator = {"StartAt": "X", "States": {"X": _pass(End=True)}}
    definition = {"StartAt": "M", "States": {"M": {"Type": "Map", "Iterator": iterator, "ItemProcessor": iterator, "End": True}}}
    message = _refusal(local_engine, definition)
    assert message.startswith(PREFIX + "'SCHEMA_VALIDATION_FAILED: ")
    assert "Error=" not in message and "Args=" not in message


def test_not_json(local_engine: LocalEngine) -> None:
    """A definition that is not JSON is refused as INVALID_JSON_DESCRIPTION.
    https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html
    """
    assert _refusal(local_engine, "{").startswith(PREFIX + "'INVALID_JSON_DESCRIPTION: ")


def test_valid_machine_with_every_transition_kind_is_accepted(local_engine: LocalEngine) -> None:
    """Transitions through Choices, Default and Catch make their targets reachable."""
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "T"}], "Default": "D"},
        "T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": True,
              "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F"}]},
        "D": {"Type": "Succeed"},
        "F": {"Type": "Fail", "Error": "E"},
    }}
    assert local_engine.create_state_machine("valid", json.dumps(definition)).endswith(":valid")
