"""Step Functions Local's mocked service integrations (MockConfigFile), as AWS documents them.

https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html: each
``MockedResponses`` entry maps invocation numbers ("0", "1-3") to a Return or a Throw; the numbers
count the consecutive invocations of the state in the execution, retries included.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conformance._run import execute
from workflows.local.engine import LocalEngine
from workflows.local.errors import MockConfigError
from workflows.local.runner import run_definition

POLL = {
    "TimeoutSeconds": 300,
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:cloudformation:describeStacks",
            "Parameters": {"StackName": "tenant"},
            "ResultSelector": {"status.$": "$.Stacks[0].StackStatus"},
            "Retry": [{"ErrorEquals": ["CloudFormation.CloudFormationException"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Next": "Done?",
        },
        "Done?": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.status", "StringEquals": "CREATE_COMPLETE", "Next": "Done"}],
            "Default": "Wait",
        },
        "Wait": {"Type": "Wait", "Seconds": 30, "Next": "Check"},
        "Done": {"Type": "Succeed"},
    },
}


def _stack(status: str) -> dict[str, Any]:
    return {"Return": {"Stacks": [{"StackName": "tenant", "StackStatus": status}]}}


def _config(responses: dict[str, Any]) -> dict[str, Any]:
    return {"StateMachines": {"poll": {"TestCases": {"Case": {"Check": "Stack"}}}},
            "MockedResponses": {"Stack": responses}}


def _run(config: dict[str, Any]) -> Any:
    with LocalEngine(mock_config=config) as engine:
        engine.create_state_machine("poll", POLL)
        return engine.run("poll", {}, test_case="Case")


def test_a_state_reentered_by_a_loop_gets_the_next_response() -> None:
    """Invocation numbers count every entry of the state in the execution: a polling loop sees
    "0" then "1" then "2" (not "0" again on each entry).
    https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html
    """
    result = _run(_config({"0-1": _stack("CREATE_IN_PROGRESS"), "2": _stack("CREATE_COMPLETE")}))
    assert result.ok(), (result.status, result.cause)
    assert result.state_names.count("Check") == 3
    assert result.waits == (("Wait", 30.0), ("Wait", 30.0))


def test_retries_consume_invocation_numbers() -> None:
    """Retries are invocations too: "0" throws, its retry gets "1" (still in progress), the next
    entry after the Wait gets "2".
    https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html
    """
    throw = {"Throw": {"Error": "CloudFormation.CloudFormationException", "Cause": "throttled"}}
    result = _run(_config({"0": throw, "1": _stack("CREATE_IN_PROGRESS"), "2": _stack("CREATE_COMPLETE")}))
    assert result.ok(), (result.status, result.cause)
    assert result.state_names == ("Check", "Done?", "Wait", "Check", "Done?", "Done")
    assert result.waits == (("Retry", 1.0), ("Wait", 30.0))


def test_unknown_test_case_is_a_named_error() -> None:
    """A test case the config does not define is refused before the execution starts."""
    with LocalEngine(mock_config=_config({"0": _stack("CREATE_COMPLETE")})) as engine:
        engine.create_state_machine("poll", POLL)
        with pytest.raises(MockConfigError, match="no test case 'Nope' for state machine 'poll'"):
            engine.run("poll", {}, test_case="Nope")


def test_test_case_without_mock_config_is_a_named_error(local_engine: LocalEngine) -> None:
    """Naming a test case with no mock config loaded is refused the same way."""
    local_engine.create_state_machine("poll", POLL)
    with pytest.raises(MockConfigError, match="no mock config is loaded"):
        local_engine.run("poll", {}, test_case="Case")


def test_mock_config_without_test_case_is_a_named_error() -> None:
    """Running a definition with a mock config but no test case would call the real services; the
    runner (behind ``workflows run``) refuses it, naming the test cases it could use."""
    config = _config({"0": _stack("CREATE_COMPLETE")})
    with pytest.raises(MockConfigError, match="no test case named.*Case"):
        run_definition(POLL, {}, mock_config=config, name="poll")


def test_malformed_mock_file_is_a_named_error(tmp_path: Path) -> None:
    """A mock config file that is not JSON is a MockConfigError naming the file."""
    path = tmp_path / "mocks.json"
    path.write_text("{not json")
    with pytest.raises(MockConfigError, match="mocks.json is not valid JSON"):
        run_definition(POLL, {}, mock_config=path, test_case="Case", name="poll")


def test_mock_errors_are_one_line() -> None:
    """Each MockConfigError message is one line, ready for a CLI's ``Error: ...``."""
    config = {"StateMachines": {"poll": {"TestCases": {"Case": {"Check": "Missing"}}}}, "MockedResponses": {}}
    with pytest.raises(MockConfigError) as info:
        run_definition(POLL, {}, mock_config=config, test_case="Case", name="poll")
    assert "\n" not in str(info.value)
