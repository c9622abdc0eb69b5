"""Step Functions Local MockConfigFile: Return, Throw caught by Catch, Throw retried then Return."""

import json
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from workflows.local.engine import LocalEngine
from workflows.local.errors import MockConfigError

MACHINE = {
    "StartAt": "GetTenant",
    "States": {
        "GetTenant": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "Tenants", "Key": {"pk": {"S.$": "$.id"}}},
            "ResultSelector": {"name.$": "$.Item.name.S"},
            "Retry": [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException"], "IntervalSeconds": 5, "MaxAttempts": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Missing"}],
            "End": True,
        },
        "Missing": {"Type": "Pass", "End": True},
    },
}
CONFIG = {
    "StateMachines": {
        "tenants": {
            "TestCases": {
                "Found": {"GetTenant": "ItemFound"},
                "Broken": {"GetTenant": "AccessDenied"},
                "Throttled": {"GetTenant": "ThrottledTwice"},
            }
        }
    },
    "MockedResponses": {
        "ItemFound": {"0": {"Return": {"Item": {"pk": {"S": "t1"}, "name": {"S": "Acme"}}}}},
        "AccessDenied": {"0": {"Throw": {"Error": "DynamoDB.AccessDeniedException", "Cause": "denied"}}},
        "ThrottledTwice": {
            "0-1": {"Throw": {"Error": "DynamoDB.ProvisionedThroughputExceededException", "Cause": "slow down"}},
            "2": {"Return": {"Item": {"name": {"S": "Late"}}}},
        },
    },
}


@pytest.fixture
def engine() -> LocalEngine:
    with LocalEngine(mock_config=CONFIG) as engine:
        engine.create_state_machine("tenants", MACHINE)
        yield engine


def test_return(engine: LocalEngine) -> None:
    result = engine.run("tenants", {"id": "t1"}, test_case="Found")
    assert result.ok(), result.cause
    assert result.output == {"name": "Acme"}


def test_throw_caught_by_catch(engine: LocalEngine) -> None:
    result = engine.run("tenants", {"id": "t1"}, test_case="Broken")
    assert result.ok()
    assert result.state_names == ("GetTenant", "Missing")
    assert result.output["error"] == {"Error": "DynamoDB.AccessDeniedException", "Cause": "denied"}


def test_throw_retried_twice_then_return(engine: LocalEngine) -> None:
    result = engine.run("tenants", {"id": "t1"}, test_case="Throttled")
    assert result.ok(), result.cause
    assert result.output == {"name": "Late"}
    assert result.waits == (("Retry", 5.0), ("Retry", 10.0))  # 5 s then 5*2.0 (default BackoffRate)


def test_without_test_case_the_real_service_is_called(engine: LocalEngine) -> None:
    result = engine.run("tenants", {"id": "t1"})  # no table exists: the real call fails
    assert result.state_names == ("GetTenant", "Missing")
    assert "ResourceNotFound" in result.output["error"]["Error"]


def test_unknown_test_case_is_rejected(engine: LocalEngine) -> None:
    with pytest.raises(MockConfigError, match="no test case 'Nope'"):
        engine.run("tenants", {}, test_case="Nope")


def test_unknown_test_case_through_the_api_is_invalid_name(engine: LocalEngine) -> None:
    arn = engine.create_state_machine("tenants", MACHINE)
    with pytest.raises(ClientError, match="no test case 'Nope'") as info:
        engine.client("stepfunctions").start_execution(stateMachineArn=f"{arn}#Nope", input="{}")
    assert info.value.response["Error"]["Code"] == "InvalidName"


def test_config_from_file_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "mock.json"
    path.write_text(json.dumps(CONFIG))
    monkeypatch.setenv("SFN_MOCK_CONFIG", str(path))
    with LocalEngine() as engine:
        engine.create_state_machine("tenants", MACHINE)
        assert engine.run("tenants", {"id": "t1"}, test_case="Found").output == {"name": "Acme"}


@pytest.mark.parametrize(
    "config,message",
    [
        ({"StateMachines": {"m": {"TestCases": {"c": {"S": "Nope"}}}}, "MockedResponses": {}}, "unknown mocked response 'Nope'"),
        ({"MockedResponses": {"R": {"zero": {"Return": 1}}}}, "invalid range 'zero'"),
        ({"MockedResponses": {"R": {"0": {"Return": 1, "Throw": {"Error": "E"}}}}}, "exactly one of Return or Throw"),
        ({"MockedResponses": {"R": {"0": {"Throw": {"Cause": "c"}}}}}, "Throw needs an 'Error'"),
        ([], "must be a JSON object"),
    ],
)
def test_malformed_config_is_named(config: object, message: str) -> None:
    with pytest.raises(MockConfigError, match=message):
        LocalEngine(mock_config=config).__enter__()


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MockConfigError, match="not found"):
        LocalEngine(mock_config=tmp_path / "absent.json").__enter__()
