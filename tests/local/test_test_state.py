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


# --- November 2025 additions: context, stateConfiguration, Map and Parallel --------------------------
# AWS: "Testing state machines with TestState API" (mocking, Map/Parallel, retry and Map configuration)
# https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html and
# https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestStateConfiguration.html.
# The statuses, errorDetails and error words below are AWS's answers as recorded against AWS (LocalStack's
# AWS-validated snapshots of TestState, 2025-11/12). On the old code every one of these failed: Map and
# Parallel were refused, retries were performed (or the mock ran out), and context was ignored.

VALUES = {"Values": ["first", "second", "third"]}
MAP = {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.Values %}",
       "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                         "StartAt": "HandleItem",
                         "States": {"HandleItem": {"Type": "Task", "QueryLanguage": "JSONata",
                                                   "Resource": "arn:aws:states:::lambda:invoke",
                                                   "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
                                                   "End": True}}},
       "End": True}
MAP_CATCH = MAP | {
    "ToleratedFailureCount": 1,
    "Catch": [{"ErrorEquals": ["MockException"], "Next": "HandleMockError"},
              {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "HandleThreshold"}]}
MAP_RETRY = MAP | {"ToleratedFailureCount": 1,
                   "Retry": [{"ErrorEquals": ["MockException"]},
                             {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "IntervalSeconds": 1}]}
RETRY_TASK = {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
              "Arguments": {"FunctionName": "foo", "Payload": "bar"},
              "Retry": [{"ErrorEquals": ["MockException"], "IntervalSeconds": 1, "MaxAttempts": 5, "BackoffRate": 2.0}],
              "End": True}
MOCK_ERROR = {"errorOutput": {"error": "MockException", "cause": "Mock the cause of the error."}}
PARALLEL = {"Type": "Parallel", "ResultPath": "$.branches", "Next": "After", "Branches": [
    {"StartAt": "B1", "States": {"B1": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                        "Parameters": {"FunctionName": "f"}, "End": True}}},
    {"StartAt": "B2", "States": {"B2": {"Type": "Pass", "End": True}}}]}
CONTEXT = {
    "Execution": {"Id": "arn:aws:states:us-east-1:123456789012:execution:MyStateMachine:execution-name-12345",
                  "Input": {"message": "test data", "values": ["a", "b"]}, "Name": "execution-name-12345",
                  "RoleArn": "arn:aws:iam::123456789012:role/StepFunctionsRole", "StartTime": "2025-01-15T10:30:00.000Z"},
    "State": {"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
    "StateMachine": {"Id": "arn:aws:states:us-east-1:123456789012:stateMachine:MyStateMachine", "Name": "MyStateMachine"},
}
CONTEXT_TASK = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName.$": "$.FunctionName", "Payload": {"Input.$": "$"}},
                "ResultSelector": {"ContextObjectValue.$": "$$", "LambdaOutput.$": "$"}, "End": True}


def test_retry_count_below_max_attempts_is_retriable_with_the_backoff(engine: LocalEngine) -> None:
    """retrierRetryCount 4 of MaxAttempts 5: RETRIABLE, no output, backoff 1 x 2.0^4 = 16 s."""
    response = _test(engine, RETRY_TASK, VALUES, inspectionLevel="DEBUG", mock=MOCK_ERROR,
                     stateConfiguration={"retrierRetryCount": 4})
    assert (response["status"], response["error"], response["cause"]) == (
        "RETRIABLE", "MockException", "Mock the cause of the error.")
    assert "output" not in response and "nextState" not in response
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0, "retryBackoffIntervalSeconds": 16}


def test_retry_count_at_max_attempts_fails_with_the_retry_index(engine: LocalEngine) -> None:
    response = _test(engine, RETRY_TASK, VALUES, inspectionLevel="TRACE", mock=MOCK_ERROR,
                     stateConfiguration={"retrierRetryCount": 5})
    assert (response["status"], response["error"]) == ("FAILED", "MockException")
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0}


def test_default_retry_count_is_the_first_attempt_and_max_delay_caps_the_backoff(engine: LocalEngine) -> None:
    first = _test(engine, RETRY_TASK, VALUES, inspectionLevel="DEBUG", mock=MOCK_ERROR)
    assert first["status"] == "RETRIABLE"
    assert first["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 1
    capped = dict(RETRY_TASK, Retry=[dict(RETRY_TASK["Retry"][0], MaxDelaySeconds=10)])
    late = _test(engine, capped, VALUES, inspectionLevel="DEBUG", mock=MOCK_ERROR, stateConfiguration={"retrierRetryCount": 4})
    assert late["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"] == 10


def test_exhausted_retry_falls_through_to_the_catcher(engine: LocalEngine) -> None:
    state = dict(RETRY_TASK, Catch=[{"ErrorEquals": ["Other"], "Next": "No"}, {"ErrorEquals": ["States.ALL"], "Next": "Handle"}])
    state.pop("End")
    response = _test(engine, state, VALUES, inspectionLevel="DEBUG", mock=MOCK_ERROR,
                     stateConfiguration={"retrierRetryCount": 5})
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "Handle")
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 0, "catchIndex": 1}


def test_map_with_mocked_result_is_the_maps_result(engine: LocalEngine) -> None:
    response = _test(engine, MAP | {"Output": "{% {'n': $count($states.input.Values), 'r': $states.result} %}"},
                     VALUES, inspectionLevel="DEBUG", mock={"result": json.dumps([1, 1, 1])},
                     stateConfiguration={"mapIterationFailureCount": 2})
    # A Map without ToleratedFailure* ignores the failure count (recorded: SUCCEEDED).
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"n": 3, "r": [1, 1, 1]}
    assert response["inspectionData"]["maxConcurrency"] == 0
    assert "result" not in response["inspectionData"]


def test_map_failures_within_tolerance_succeed_beyond_it_the_catcher_handles_the_threshold(engine: LocalEngine) -> None:
    below = _test(engine, MAP_CATCH, VALUES, inspectionLevel="DEBUG", mock={"result": "[1, 1, 1]"},
                  stateConfiguration={"mapIterationFailureCount": 0})
    assert (below["status"], json.loads(below["output"])) == ("SUCCEEDED", [1, 1, 1])
    assert below["inspectionData"]["toleratedFailureCount"] == 1
    beyond = _test(engine, MAP_CATCH, VALUES, inspectionLevel="DEBUG", mock={"result": "[0, 0, 1]"},
                   stateConfiguration={"mapIterationFailureCount": 2})
    assert (beyond["status"], beyond["error"], beyond["cause"], beyond["nextState"]) == (
        "CAUGHT_ERROR", "States.ExceedToleratedFailureThreshold",
        "The specified tolerated failure threshold was exceeded", "HandleThreshold")
    assert beyond["inspectionData"]["errorDetails"] == {"catchIndex": 1}


def test_map_threshold_error_with_a_retrier_is_retriable(engine: LocalEngine) -> None:
    response = _test(engine, MAP_RETRY, VALUES, inspectionLevel="DEBUG", mock={"result": "[0, 0, 1]"},
                     stateConfiguration={"mapIterationFailureCount": 2})
    assert (response["status"], response["error"]) == ("RETRIABLE", "States.ExceedToleratedFailureThreshold")
    assert response["inspectionData"]["errorDetails"] == {"retryIndex": 1, "retryBackoffIntervalSeconds": 1}


def test_map_tolerated_percentage_counts_against_the_items(engine: LocalEngine) -> None:
    state = MAP | {"ToleratedFailurePercentage": 50.0}
    ok = _test(engine, state, VALUES, mock={"result": "[1, 1, 1]"}, stateConfiguration={"mapIterationFailureCount": 1})
    failed = _test(engine, state, VALUES, mock={"result": "[1, 1, 1]"}, stateConfiguration={"mapIterationFailureCount": 2})
    assert ok["status"] == "SUCCEEDED"
    assert (failed["status"], failed["error"]) == ("FAILED", "States.ExceedToleratedFailureThreshold")


def test_map_mocked_error_caused_by_an_inner_state_fails_the_map(engine: LocalEngine) -> None:
    response = _test(engine, MAP, VALUES, inspectionLevel="DEBUG", mock=MOCK_ERROR,
                     stateConfiguration={"errorCausedByState": "HandleItem", "mapIterationFailureCount": 2})
    assert (response["status"], response["error"], response["cause"]) == (
        "FAILED", "MockException", "Mock the cause of the error.")
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ValidationException, match="errorCausedByState 'Nope'"):
        _test(engine, MAP, VALUES, mock=MOCK_ERROR, stateConfiguration={"errorCausedByState": "Nope"})


def test_map_in_a_machine_with_jsonpath_items_path_and_item_reader_data(engine: LocalEngine) -> None:
    machine = {"StartAt": "State0", "States": {
        "State0": {"Type": "Map", "ItemsPath": "$.Values", "MaxConcurrency": 1, "ResultPath": "$.out",
                   "ItemProcessor": MAP["ItemProcessor"], "Next": "Done"},
        "Done": {"Type": "Succeed"}}}
    response = _test(engine, json.dumps(machine), VALUES, stateName="State0", inspectionLevel="DEBUG",
                     mock={"result": "[1, 4, 9]"})
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "Done")
    assert json.loads(response["output"]) == VALUES | {"out": [1, 4, 9]}
    assert json.loads(response["inspectionData"]["afterItemsPath"]) == VALUES["Values"]
    assert response["inspectionData"]["maxConcurrency"] == 1
    reader = {"Type": "Map", "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                                            "ReaderConfig": {"InputType": "JSON"},
                                            "Parameters": {"Bucket.$": "$.Bucket", "Key.$": "$.Key"}},
              "ItemProcessor": MAP["ItemProcessor"], "End": True}
    response = _test(engine, reader, {"Bucket": "b", "Key": "k"}, mock={"result": "[1, 4, 9]"},
                     stateConfiguration={"mapItemReaderData": json.dumps([1, 2, 3])})
    assert (response["status"], json.loads(response["output"])) == ("SUCCEEDED", [1, 4, 9])


def test_parallel_with_mocked_result_and_error(engine: LocalEngine) -> None:
    response = _test(engine, PARALLEL, {"a": 1}, inspectionLevel="DEBUG", mock={"result": '[{"x": 1}, {"y": 2}]'})
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "After")
    assert json.loads(response["output"]) == {"a": 1, "branches": [{"x": 1}, {"y": 2}]}
    caught = dict(PARALLEL, Catch=[{"ErrorEquals": ["MockException"], "ResultPath": "$.err", "Next": "Handle"}])
    response = _test(engine, caught, {"a": 1}, mock=MOCK_ERROR, stateConfiguration={"errorCausedByState": "B1"})
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "Handle")
    assert json.loads(response["output"])["err"]["Error"] == "MockException"


@pytest.mark.parametrize("state,mock,words", [
    (MAP, None, "TestState API does not support Map or Parallel states. Supported state types include: "
                "[Task, Wait, Pass, Succeed, Fail, Choice]"),
    (PARALLEL, None, "TestState API does not support Map or Parallel states"),
])
def test_map_and_parallel_without_a_mock_are_refused(engine: LocalEngine, state: dict[str, Any], mock: Any,
                                                      words: str) -> None:
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidDefinition, match=words.replace("[", r"\[").replace("]", r"\]")):
        _test(engine, state, VALUES)


@pytest.mark.parametrize("state,kwargs,words", [
    ({"Type": "Pass", "End": True}, {"mock": {"result": "{}"}}, "State type 'Pass' is not supported when a mock is specified"),
    ({"Type": "Succeed"}, {"mock": MOCK_ERROR}, "State type 'Succeed' is not supported when a mock is specified"),
    (GET, {"mock": {"result": "{}", **MOCK_ERROR}},
     r"A test mock should have only one of the following fields: \[result, errorOutput\]."),
    (GET, {"mock": {"result": "{}"}, "revealSecrets": True}, "TestState does not support RevealSecrets when a mock is specified."),
    (MAP, {"mock": {"result": "{}"}}, "Mocked result must be an array."),
    (MAP | {"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}}},
     {"mock": {"result": "[]"}}, "Mocked result must be a JSON object."),
    (PARALLEL, {"mock": {"result": "{}"}}, "Mocked result must be an array."),
    (PARALLEL, {"mock": {"result": "[1]"}},
     "Mocked result must contain the same number of items as number of Parallel branches."),
])
def test_mock_requests_aws_refuses(engine: LocalEngine, state: dict[str, Any], kwargs: dict[str, Any], words: str) -> None:
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ValidationException, match=words):
        _test(engine, state, VALUES, **kwargs)


@pytest.mark.parametrize("path,expected", [
    ("$$", CONTEXT),
    ("$$.Execution.Input", CONTEXT["Execution"]["Input"]),
    ("$$.Execution.Input.values", ["a", "b"]),
])
def test_context_is_the_context_object_the_state_sees(engine: LocalEngine, path: str, expected: Any) -> None:
    state = dict(CONTEXT_TASK, ResultSelector={"ContextObjectValue.$": path, "LambdaOutput.$": "$"})
    response = _test(engine, state, {"FunctionName": "fn", "Payload": {"v": 0}}, inspectionLevel="TRACE",
                     context=json.dumps(CONTEXT), mock={"result": '{"pokemon": ["pikachu"]}'})
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"ContextObjectValue": expected, "LambdaOutput": {"pokemon": ["pikachu"]}}
    assert json.loads(response["inspectionData"]["afterParameters"]) == {
        "FunctionName": "fn", "Payload": {"Input": {"FunctionName": "fn", "Payload": {"v": 0}}}}


@pytest.mark.parametrize("context", [{}, {"Execution": {}, "State": {}, "StateMachine": {}}])
def test_context_shows_exactly_what_was_given(engine: LocalEngine, context: dict[str, Any]) -> None:
    response = _test(engine, CONTEXT_TASK, {"FunctionName": "fn"}, context=json.dumps(context),
                     mock={"result": '{"pokemon": "pikachu"}'})
    assert json.loads(response["output"])["ContextObjectValue"] == context


def test_context_in_jsonata_states_context(engine: LocalEngine) -> None:
    state = {"QueryLanguage": "JSONata", "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
             "Arguments": {"FunctionName": "f"}, "Output": "{% $states.context.Execution.Name %}", "End": True}
    response = _test(engine, state, context=json.dumps(CONTEXT), mock={"result": "{}"})
    assert json.loads(response["output"]) == "execution-name-12345"


def test_context_task_token_on_a_wait_for_task_token_task(engine: LocalEngine) -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
             "Parameters": {"QueueUrl": "https://sqs.us-east-2.amazonaws.com/123456789012/myQueue",
                            "MessageBody": {"TaskToken.$": "$$.Task.Token"}},
             "ResultPath": "$.SQS", "Next": "NEXT_STATE"}
    response = _test(engine, state, inspectionLevel="TRACE", context=json.dumps(CONTEXT | {"Task": {"Token": "abcd123"}}),
                     mock={"result": '{"pokemon": ["pikachu"]}'})
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "NEXT_STATE")
    assert json.loads(response["inspectionData"]["afterParameters"])["MessageBody"] == {"TaskToken": "abcd123"}
    assert json.loads(response["output"]) == {"SQS": {"pokemon": ["pikachu"]}}


@pytest.mark.parametrize("context,words", [
    ({"Execution": {"Id": 1}}, "Invalid Context object provided: Execution.Id must be a string"),
    ({"Map": {}}, "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"),
    ({"Execution": {"pokemon": "squirtle"}}, "Invalid Context object provided: Field 'pokemon' is not allowed"),
    ({"Pokedex": {}}, "Invalid Context object provided: Field 'Pokedex' is not allowed"),
    ({"Task": {"Token": "t"}}, "Invalid Context object provided: Context object contains 'Task' when state is not a "
                               "Task state with a '.sync' or '.waitForTaskToken' service integration pattern"),
])
def test_context_aws_refuses(engine: LocalEngine, context: dict[str, Any], words: str) -> None:
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ValidationException, match=words.replace(".", r"\.")):
        _test(engine, CONTEXT_TASK, {"FunctionName": "fn"}, context=json.dumps(context), mock={"result": "{}"})


def test_context_needs_a_mock(engine: LocalEngine) -> None:
    """API_TestState: context "may only be specified if a mock is specified in the same request"."""
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ValidationException, match="only be specified if a mock is specified"):
        _test(engine, CONTEXT_TASK, {"FunctionName": "fn"}, context=json.dumps(CONTEXT))


def test_map_through_the_endpoint_with_configuration() -> None:
    with LocalEndpoint() as endpoint:
        response = endpoint.client("stepfunctions").test_state(
            definition=json.dumps(MAP_CATCH), input=json.dumps(VALUES), inspectionLevel="DEBUG",
            mock={"result": "[0, 0, 1]"}, stateConfiguration={"mapIterationFailureCount": 2},
            context=json.dumps(CONTEXT))
        assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "HandleThreshold")
        assert response["inspectionData"]["errorDetails"] == {"catchIndex": 1}
