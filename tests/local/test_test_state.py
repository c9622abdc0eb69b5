"""TestState on the local engine, as AWS documents it, through boto3's ``client.test_state``.

AWS: https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html and the
developer guide's "Using TestState API to test a state in Step Functions"
(https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html). moto 5.2.5 had the
machinery but no route: every call here raised NotImplementedError on the old code.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from workflows.local.engine import LocalEngine
from workflows.local.server import LocalEndpoint

GET = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
       "Parameters": {"TableName": "absent", "Key": {"pk": {"S.$": "$.id"}}},
       "ResultSelector": {"name.$": "$.Item.name.S"}, "ResultPath": "$.user", "Next": "Reply"}
NOT_FOUND = {"errorOutput": {"error": "DynamoDB.ResourceNotFoundException", "cause": "Requested resource not found"}}


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    with LocalEngine() as engine:
        yield engine


def _test(engine: LocalEngine, state: dict[str, Any] | str, input: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = engine.client("stepfunctions").test_state(
        definition=state if isinstance(state, str) else json.dumps(state), roleArn=engine.default_role_arn(),
        input=json.dumps({} if input is None else input), **kwargs)
    response.pop("ResponseMetadata", None)
    return response


def test_pass_with_parameters_and_result_path_at_debug(engine: LocalEngine) -> None:
    state = {"Type": "Pass", "Parameters": {"greeting.$": "States.Format('hi {}', $.name)"},
             "ResultPath": "$.out", "Next": "Done"}
    response = _test(engine, state, {"name": "ann"}, inspectionLevel="DEBUG")
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "Done"
    assert json.loads(response["output"]) == {"name": "ann", "out": {"greeting": "hi ann"}}
    data = response["inspectionData"]
    assert json.loads(data["input"]) == {"name": "ann"}
    assert json.loads(data["afterParameters"]) == {"greeting": "hi ann"}
    assert json.loads(data["afterResultPath"]) == {"name": "ann", "out": {"greeting": "hi ann"}}


def test_info_level_has_no_inspection_data(engine: LocalEngine) -> None:
    assert "inspectionData" not in _test(engine, {"Type": "Pass", "End": True})


def test_task_with_mocked_result_goes_through_result_selector(engine: LocalEngine) -> None:
    response = _test(engine, GET, {"id": "u1"}, inspectionLevel="DEBUG",
                     mock={"result": json.dumps({"Item": {"pk": {"S": "u1"}, "name": {"S": "Ann"}}})})
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "Reply"
    assert json.loads(response["output"]) == {"id": "u1", "user": {"name": "Ann"}}
    data = response["inspectionData"]
    assert json.loads(data["afterParameters"]) == {"TableName": "absent", "Key": {"pk": {"S": "u1"}}}
    assert json.loads(data["result"]) == {"Item": {"pk": {"S": "u1"}, "name": {"S": "Ann"}}}
    assert json.loads(data["afterResultSelector"]) == {"name": "Ann"}


def test_choice_reports_the_next_state(engine: LocalEngine) -> None:
    choice = {"Type": "Choice", "Default": "Other",
              "Choices": [{"Variable": "$.plan", "StringEquals": "pro", "Next": "Pro"}]}
    assert _test(engine, choice, {"plan": "pro"})["nextState"] == "Pro"
    assert _test(engine, choice, {"plan": "free"})["nextState"] == "Other"


def test_task_error_caught_is_caught_error_with_the_catchers_next(engine: LocalEngine) -> None:
    state = dict(GET, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "NotFound"}])
    response = _test(engine, state, {"id": "u1"}, mock=NOT_FOUND)
    assert response["status"] == "CAUGHT_ERROR"
    assert response["nextState"] == "NotFound"
    assert response["error"] == "DynamoDB.ResourceNotFoundException"
    assert json.loads(response["output"])["error"] == {"Error": "DynamoDB.ResourceNotFoundException",
                                                      "Cause": "Requested resource not found"}


def test_task_error_uncaught_is_failed(engine: LocalEngine) -> None:
    response = _test(engine, GET, {"id": "u1"}, mock=NOT_FOUND)
    assert (response["status"], response["error"], response["cause"]) == (
        "FAILED", "DynamoDB.ResourceNotFoundException", "Requested resource not found")
    assert "nextState" not in response


def test_state_of_a_whole_machine_by_name(engine: LocalEngine) -> None:
    machine = {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "B"},
        "B": {"Type": "Pass", "Output": "{% {'total': $states.input.n + $bonus} %}", "End": True}}}
    response = _test(engine, machine, {"n": 2}, stateName="B", variables=json.dumps({"bonus": 40}))
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"total": 42}


def test_unknown_state_name_is_refused(engine: LocalEngine) -> None:
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ClientError, match="State 'Nope' was not found"):
        _test(engine, {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}, stateName="Nope")


def test_credentials_role_is_evaluated(engine: LocalEngine) -> None:
    # A role that does not exist cannot be assumed: the task fails as our engine fails it in executions.
    state = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
             "Credentials": {"RoleArn": f"arn:aws:iam::{engine.account_id}:role/tenant-role/missing"},
             "Parameters": {"TableName": "absent", "Key": {"pk": {"S": "x"}}}, "End": True}
    response = _test(engine, state)
    assert response["status"] == "FAILED"
    assert response["error"] == "States.TaskFailed"
    assert "tenant-role/missing" in response["cause"]


@pytest.mark.parametrize("definition,words", [
    ('{"Type": "Pass", "Next": ', "INVALID_JSON_DESCRIPTION"),
    (json.dumps({"Type": "Pass", "Nxt": "x"}), "SCHEMA_VALIDATION_FAILED"),
])
def test_bad_definition_is_refused_in_aws_words(engine: LocalEngine, definition: str, words: str) -> None:
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidDefinition, match=f"Invalid State Machine Definition: '{words}"):
        _test(engine, definition)


def test_through_the_endpoint() -> None:
    with LocalEndpoint() as endpoint:
        response = endpoint.client("stepfunctions").test_state(
            definition=json.dumps({"Type": "Pass", "Result": {"ok": True}, "ResultPath": "$.r", "End": True}),
            roleArn=f"arn:aws:iam::123456789012:role/any", input='{"a": 1}', inspectionLevel="TRACE")
        assert response["status"] == "SUCCEEDED"
        assert json.loads(response["output"]) == {"a": 1, "r": {"ok": True}}
        assert json.loads(response["inspectionData"]["result"]) == {"ok": True}
