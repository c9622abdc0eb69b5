"""TestState's remaining fields on the local engine: ``mock.fieldValidationMode``, ``revealSecrets``, a
Map's inspection data, the default Context object and integer ``ToleratedFailurePercentage``.

AWS: https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_MockInput.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_InspectionData.html and the developer
guide's "Using TestState API to test a state" (https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html).
The ``fieldValidationMode`` words are AWS's answers as recorded against AWS (LocalStack's AWS-validated
snapshots ``test_field_validation_mode*.snapshot.json``, 2025-11). On the old code: every mocked result
was accepted whatever its mode, an HTTP Task was ``Unknown service 'http'``, a Map showed no
``afterItemSelector``/``afterItemBatcher`` (an ``ItemBatcher`` was a parse error), ``$$.Execution.StartTime``
raised "Object of type datetime is not JSON serializable" and ``"ToleratedFailurePercentage": 10`` was
``InvalidDefinition``.
"""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest

from tests.conformance._run import execute, pass_state
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError
from workflows.local.server import LocalEndpoint

ISO_8601_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
PUT_EVENTS = {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
              "Parameters": {"Entries.$": "$.Entries"}, "End": True}
START_EXECUTION = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
                   "Parameters": {"StateMachineArn.$": "$.stateMachineArn"},
                   "ResultPath": "$.targetExecutionResult", "End": True}
LAMBDA = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": {"FunctionName": "f", "Payload.$": "$"}, "End": True}
PUT_ITEM = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {"TableName": "t", "Item": {"id": {"S": "1"}}}, "End": True}
S3_GET = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
          "Parameters": {"Bucket": "b", "Key": "k"}, "End": True}
KMS_ENCRYPT = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:kms:encrypt",
               "Parameters": {"KeyId": "k", "Plaintext": "p"}, "End": True}
GET_FUNCTION = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:lambda:getFunction",
                "Parameters": {"FunctionName": "f"}, "End": True}
HTTP = {"Type": "Task", "Resource": "arn:aws:states:::http:invoke",
        "Parameters": {"ApiEndpoint": "https://api.example.com/orders", "Method": "GET",
                       "Authentication": {"ConnectionArn": "arn:aws:events:us-east-1:123456789012:connection/api/1"}},
        "ResultSelector": {"orders.$": "$.ResponseBody.orders"}, "Next": "Done"}
PROCESSOR = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "P",
             "States": {"P": {"Type": "Pass", "End": True}}}
ITEMS = {"orders": ["a", "b", "c"], "tenant": "t1", "size": 2}
TASK_INPUT = {"stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:target", "Entries": []}


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    with LocalEngine() as engine:
        yield engine


@pytest.fixture(scope="module")
def endpoint() -> Iterator[LocalEndpoint]:
    with LocalEndpoint() as endpoint:
        yield endpoint


def _test(client: Any, state: dict[str, Any], input: Any = None, **kwargs: Any) -> dict[str, Any]:
    response = client.test_state(definition=json.dumps(state), input=json.dumps(TASK_INPUT if input is None else input), **kwargs)
    response.pop("ResponseMetadata", None)
    return response


def _refused(client: Any, state: dict[str, Any], words: str, **kwargs: Any) -> None:
    with pytest.raises(client.exceptions.ValidationException) as info:
        _test(client, state, **kwargs)
    assert info.value.response["Error"]["Message"] == words


def _mock(result: Any, mode: str | None = None) -> dict[str, Any]:
    return {"result": json.dumps(result), **({"fieldValidationMode": mode} if mode else {})}


# -- mock.fieldValidationMode (API_MockInput: STRICT the default, PRESENT, NONE) --------------------------

STRICT_REFUSALS = [
    (PUT_EVENTS, {"Entries": "should be a list"}, "Field 'Entries' must be an array"),
    (PUT_EVENTS, {"Entries": [{"EventId": ["not a string"]}]}, "Field 'EventId' must be a string"),
    (PUT_EVENTS, {"Entries": [{"EventId": "ok"}, {"EventId": ["second"]}]}, "Field 'EventId' must be a string"),
    (START_EXECUTION, {}, "Required field 'ExecutionArn' is missing"),
    (START_EXECUTION, {"executionArn": "arn", "startDate": "d"}, "Required field 'ExecutionArn' is missing"),
    (START_EXECUTION, {"ExecutionArn": "arn", "StartDate": True}, "Field 'StartDate' must be a string"),
    (START_EXECUTION, {"ExecutionArn": "arn", "StartDate": 1764103483}, "Field 'StartDate' must be a string"),
    (LAMBDA, {"StatusCode": "200"}, "Field 'StatusCode' must be a number"),
    # Lambda's Payload is a blob: a JSON object is refused (noted against AWS beside those snapshots).
    (LAMBDA, {"StatusCode": 200, "Payload": {"ok": True}}, "Field 'Payload' must be a string"),
    (PUT_ITEM, {"ConsumedCapacity": {"CapacityUnits": "123.45"}}, "Field 'CapacityUnits' must be a number"),
    (S3_GET, {"ContentLength": "9000"}, "Field 'ContentLength' must be a number"),
    (S3_GET, {"StorageClass": "Papyrus"}, "Field 'StorageClass' is not an expected value"),
    (KMS_ENCRYPT, {"CiphertextBlob": 123}, "Field 'CiphertextBlob' must be a string"),
    (KMS_ENCRYPT, {"CiphertextBlob": ""}, "Field 'CiphertextBlob' is smaller than the minimum length"),
    (GET_FUNCTION, {"Configuration": {"MemorySize": 127}}, "Field 'MemorySize' is less than the minimum value"),
    # AWS recorded 10241 (max 10240, 2025-11); botocore 1.44.5's model now allows up to 32768.
    (GET_FUNCTION, {"Configuration": {"MemorySize": 32769}}, "Field 'MemorySize' exceeds the maximum value"),
]


@pytest.mark.parametrize("mode", [None, "STRICT", "PRESENT"])
@pytest.mark.parametrize("state,result,words", [case for case in STRICT_REFUSALS if case[0] is not START_EXECUTION
                                                or "must be" in case[2]])
def test_a_mocked_result_the_api_model_rejects_is_refused(engine: LocalEngine, mode: str | None, state: dict[str, Any],
                                                          result: Any, words: str) -> None:
    """STRICT (the default) and PRESENT: "all present fields must conform to the API's schema", checked
    against botocore's output shape of the integration's action (optimized and aws-sdk integrations)."""
    _refused(engine.client("stepfunctions"), state, "Mock result schema validation error: " + words,
             mock=_mock(result, mode))


@pytest.mark.parametrize("result", [{}, {"executionArn": "arn", "startDate": "d"}])
def test_strict_requires_the_required_fields_in_step_functions_case(engine: LocalEngine, result: Any) -> None:
    """STRICT: "All required fields must be present"; a result's fields are named as Step Functions names
    them (``ExecutionArn``, not the API's ``executionArn``)."""
    _refused(engine.client("stepfunctions"), START_EXECUTION,
             "Mock result schema validation error: Required field 'ExecutionArn' is missing", mock=_mock(result))


@pytest.mark.parametrize("result", [{}, {"executionArn": "arn", "startDate": "d"}])
def test_present_checks_only_the_fields_present(engine: LocalEngine, result: Any) -> None:
    response = _test(engine.client("stepfunctions"), START_EXECUTION, {"stateMachineArn": "arn"},
                     mock=_mock(result, "PRESENT"))
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"])["targetExecutionResult"] == result


@pytest.mark.parametrize("state,result,words", STRICT_REFUSALS)
def test_none_checks_nothing(engine: LocalEngine, state: dict[str, Any], result: Any, words: str) -> None:
    response = _test(engine.client("stepfunctions"), state, mock=_mock(result, "NONE"))
    assert response["status"] == "SUCCEEDED"
    output = json.loads(response["output"])
    assert (output["targetExecutionResult"] if state is START_EXECUTION else output) == result


@pytest.mark.parametrize("result", [{"random": "json"}, {}])
def test_fields_the_api_does_not_know_are_accepted(engine: LocalEngine, result: Any) -> None:
    """Recorded on AWS: a putEvents mock ``{"random": "json"}`` or ``{}`` under STRICT succeeds as given."""
    response = _test(engine.client("stepfunctions"), PUT_EVENTS, {"Entries": []}, mock=_mock(result))
    assert (response["status"], json.loads(response["output"])) == ("SUCCEEDED", result)


def test_a_valid_result_passes_strict_through_nested_shapes(engine: LocalEngine) -> None:
    result = {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:m:e", "StartDate": "2025-01-15T10:30:00.000Z"}
    response = _test(engine.client("stepfunctions"), START_EXECUTION, {"stateMachineArn": "arn"}, mock=_mock(result, "STRICT"))
    assert json.loads(response["output"])["targetExecutionResult"] == result
    events = {"FailedEntryCount": 0, "Entries": [{"EventId": "e1"}, {"ErrorCode": "c", "ErrorMessage": "m"}]}
    assert _test(engine.client("stepfunctions"), PUT_EVENTS, mock=_mock(events))["status"] == "SUCCEEDED"


@pytest.mark.parametrize("state", [
    dict(START_EXECUTION, Resource="arn:aws:states:::states:startExecution.sync:2"),
    dict(PUT_EVENTS, Resource="arn:aws:states:::events:putEvents.waitForTaskToken"),
    {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:a", "End": True},
])
def test_results_that_are_not_the_actions_output_are_not_checked(engine: LocalEngine, state: dict[str, Any]) -> None:
    """Our choice where AWS is silent: a .sync / .waitForTaskToken / Activity result is not the API action's output."""
    response = _test(engine.client("stepfunctions"), state, mock=_mock({"StartDate": True, "Entries": "x"}))
    assert response["status"] == "SUCCEEDED"


def test_an_unknown_validation_mode_is_refused(engine: LocalEngine) -> None:
    _refused(engine.client("stepfunctions"), LAMBDA,
             "1 validation error detected: Value 'LOOSE' at 'mock.fieldValidationMode' failed to satisfy "
             "constraint: Member must satisfy enum value set: [STRICT, PRESENT, NONE]", mock=_mock({}, "LOOSE"))


def test_field_validation_through_the_endpoint(endpoint: LocalEndpoint) -> None:
    sfn = endpoint.client("stepfunctions")
    _refused(sfn, S3_GET, "Mock result schema validation error: Field 'ContentLength' must be a number",
             mock=_mock({"ContentLength": "9000"}))
    response = _test(sfn, START_EXECUTION, {"stateMachineArn": "arn"}, mock=_mock({}, "PRESENT"))
    assert response["status"] == "SUCCEEDED"


# -- revealSecrets and HTTP Tasks ---------------------------------------------------------------------------

def test_reveal_secrets_changes_nothing_outside_an_http_task(engine: LocalEngine) -> None:
    """API_TestState: secrets are what an EventBridge connection adds to an HTTP Task's request; "Step
    Functions doesn't omit any information included in the state definition"."""
    sfn = engine.client("stepfunctions")
    state = {"Type": "Pass", "Parameters": {"apiKey.$": "$.key"}, "ResultPath": "$.out", "End": True}
    hidden = _test(sfn, state, {"key": "s3cr3t"}, inspectionLevel="TRACE")
    revealed = _test(sfn, state, {"key": "s3cr3t"}, inspectionLevel="TRACE", revealSecrets=True)
    assert hidden == revealed
    assert json.loads(revealed["inspectionData"]["afterParameters"]) == {"apiKey": "s3cr3t"}


def test_an_http_task_runs_with_a_mocked_result(engine: LocalEngine) -> None:
    """test-state-isolation.html: TestState mocks "services invoked through HTTP Task state"."""
    response = _test(engine.client("stepfunctions"), HTTP, inspectionLevel="DEBUG",
                     mock=_mock({"ResponseBody": {"orders": [1, 2]}, "StatusCode": 200}))
    assert (response["status"], response["nextState"]) == ("SUCCEEDED", "Done")
    assert json.loads(response["output"]) == {"orders": [1, 2]}
    assert json.loads(response["inspectionData"]["result"])["StatusCode"] == 200


def test_an_http_task_with_a_mocked_error_is_caught(engine: LocalEngine) -> None:
    state = dict(HTTP, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "NotFound"}])
    response = _test(engine.client("stepfunctions"), state,
                     mock={"errorOutput": {"error": "States.Http.StatusCode.404", "cause": "Not Found"}})
    assert (response["status"], response["nextState"], response["error"]) == (
        "CAUGHT_ERROR", "NotFound", "States.Http.StatusCode.404")


def test_an_http_task_without_a_mock_is_refused_by_name(engine: LocalEngine) -> None:
    """The engine calls no HTTP endpoint: a named refusal instead of moto's "Unknown service 'http'"."""
    _refused(engine.client("stepfunctions"), HTTP,
             "The local engine calls no HTTP endpoint: test an HTTP Task with a mock (its result or "
             "errorOutput stands for the endpoint's answer)", revealSecrets=True, inspectionLevel="TRACE")


def test_reveal_secrets_with_a_mocked_http_task_is_refused_through_the_endpoint(endpoint: LocalEndpoint) -> None:
    """AWS's words: a mock and revealSecrets do not go together."""
    _refused(endpoint.client("stepfunctions"), HTTP, "TestState does not support RevealSecrets when a mock is specified.",
             mock=_mock({"StatusCode": 200}), revealSecrets=True)


# -- a Map tested alone: its inspection data (API_InspectionData) -------------------------------------------

def test_map_inspection_shows_items_path_item_selector_and_batches(engine: LocalEngine) -> None:
    """afterItemsPath, afterItemSelector ("An array containing the inputs for each Map iteration,
    transformed by the ItemSelector") and afterItemBatcher (the batches, ``{"BatchInput", "Items"}``,
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html)."""
    state = {"Type": "Map", "ItemsPath": "$.orders", "MaxConcurrency": 5, "ToleratedFailurePercentage": 10,
             "ItemSelector": {"order.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "tenant.$": "$.tenant"},
             "ItemBatcher": {"MaxItemsPerBatchPath": "$.size", "BatchInput": {"tenant.$": "$.tenant", "kind": "orders"}},
             "ItemProcessor": PROCESSOR, "End": True}
    response = _test(engine.client("stepfunctions"), state, ITEMS, inspectionLevel="DEBUG", mock=_mock([1, 2]))
    data = response["inspectionData"]
    assert json.loads(data["afterItemsPath"]) == ["a", "b", "c"]
    selected = [{"order": "a", "index": 0, "tenant": "t1"}, {"order": "b", "index": 1, "tenant": "t1"},
                {"order": "c", "index": 2, "tenant": "t1"}]
    assert json.loads(data["afterItemSelector"]) == selected
    batch_input = {"tenant": "t1", "kind": "orders"}
    assert json.loads(data["afterItemBatcher"]) == [{"BatchInput": batch_input, "Items": selected[:2]},
                                                   {"BatchInput": batch_input, "Items": selected[2:]}]
    assert (data["maxConcurrency"], data["toleratedFailurePercentage"]) == (5, 10.0)
    assert json.loads(response["output"]) == [1, 2]


def test_jsonata_map_item_selector_and_byte_limited_batches(engine: LocalEngine) -> None:
    """JSONata: no afterItemsPath ("Not populated when the QueryLanguage is JSONata"); ItemSelector sees
    ``$states.context.Map.Item``; MaxInputBytesPerBatch bounds each batch's JSON."""
    state = {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.orders %}",
             "ItemSelector": {"order": "{% $states.context.Map.Item.Value %}"},
             "ItemBatcher": {"MaxInputBytesPerBatch": 40}, "ItemProcessor": PROCESSOR, "End": True}
    data = _test(engine.client("stepfunctions"), state, ITEMS, inspectionLevel="DEBUG", mock=_mock([]))["inspectionData"]
    assert "afterItemsPath" not in data
    assert json.loads(data["afterItemSelector"]) == [{"order": "a"}, {"order": "b"}, {"order": "c"}]
    batches = json.loads(data["afterItemBatcher"])
    assert [batch["Items"] for batch in batches] == [[{"order": "a"}, {"order": "b"}], [{"order": "c"}]]
    assert all(len(json.dumps(batch, separators=(",", ":"))) <= 40 for batch in batches)


def test_a_map_without_selector_or_batcher_shows_neither(engine: LocalEngine) -> None:
    state = {"Type": "Map", "ItemsPath": "$.orders", "ItemProcessor": PROCESSOR, "End": True}
    data = _test(engine.client("stepfunctions"), state, ITEMS, inspectionLevel="DEBUG", mock=_mock([]))["inspectionData"]
    assert "afterItemSelector" not in data and "afterItemBatcher" not in data


@pytest.mark.parametrize("batcher,error,words", [
    ({"MaxItemsPerBatch": 0}, "InvalidDefinition", "The value for 'MaxItemsPerBatch' must be an integer of at least 1"),
    ({"MaxInputBytesPerBatch": 262145}, "InvalidDefinition",
     "The value for 'MaxInputBytesPerBatch' must be an integer between 1 and 262144"),
    ({"BatchInput": {"n.$": "States.Format('{}', $.tenant)"}}, "ValidationException",
     "The local engine evaluates ItemBatcher.BatchInput paths"),
])
def test_an_item_batcher_the_engine_cannot_apply_is_refused_by_name(engine: LocalEngine, batcher: dict[str, Any],
                                                                    error: str, words: str) -> None:
    state = {"Type": "Map", "ItemsPath": "$.orders", "ItemBatcher": batcher, "ItemProcessor": PROCESSOR, "End": True}
    sfn = engine.client("stepfunctions")
    with pytest.raises(sfn.exceptions.ClientError) as info:
        _test(sfn, state, ITEMS, mock=_mock([]))
    assert info.value.response["Error"]["Code"] == error
    assert words in info.value.response["Error"]["Message"]


@pytest.mark.parametrize("failures,status", [(0, "SUCCEEDED"), (1, "FAILED")])
def test_an_integer_tolerated_failure_percentage_is_accepted(engine: LocalEngine, failures: int, status: str) -> None:
    """ASL: ToleratedFailurePercentage is a number from 0 to 100 (10 as well as 10.0); 1 of 3 items is 33 % > 10 %."""
    state = {"Type": "Map", "ItemsPath": "$.orders", "ToleratedFailurePercentage": 10, "ItemProcessor": PROCESSOR, "End": True}
    response = _test(engine.client("stepfunctions"), state, ITEMS, inspectionLevel="DEBUG", mock=_mock([1, 2, 3]),
                     stateConfiguration={"mapIterationFailureCount": failures})
    assert response["status"] == status
    assert response["inspectionData"]["toleratedFailurePercentage"] == 10.0


def test_map_inspection_through_the_endpoint(endpoint: LocalEndpoint) -> None:
    machine = {"StartAt": "Fan", "States": {"Fan": {
        "Type": "Map", "ItemsPath": "$.orders", "ToleratedFailureCount": 1, "ToleratedFailurePercentage": 50,
        "ItemSelector": {"o.$": "$$.Map.Item.Value"}, "ItemBatcher": {"MaxItemsPerBatch": 3},
        "ItemProcessor": PROCESSOR, "End": True}}}
    response = _test(endpoint.client("stepfunctions"), machine, ITEMS, stateName="Fan", inspectionLevel="DEBUG",
                     mock=_mock([]))
    data = response["inspectionData"]
    assert json.loads(data["afterItemBatcher"]) == [{"Items": [{"o": "a"}, {"o": "b"}, {"o": "c"}]}]
    assert (data["toleratedFailureCount"], data["toleratedFailurePercentage"]) == (1, 50.0)


# -- the default Context object ------------------------------------------------------------------------------

def _context_of_test_state(client: Any) -> dict[str, Any]:
    response = _test(client, {"Type": "Pass", "Parameters": {"context.$": "$$"}, "End": True}, {"message": "hello"})
    assert response["status"] == "SUCCEEDED", response
    return json.loads(response["output"])["context"]


def test_default_context_start_time_is_what_executions_show(engine: LocalEngine) -> None:
    """input-output-contextobject.html: ``Execution.StartTime`` like ``2019-03-26T20:14:13.192Z``; the same
    fields and formats as a regular execution's context object on this engine."""
    context = _context_of_test_state(engine.client("stepfunctions"))
    execution = context["Execution"]
    assert ISO_8601_MS.match(execution["StartTime"]), execution["StartTime"]
    assert ISO_8601_MS.match(context["State"]["EnteredTime"]), context["State"]["EnteredTime"]
    assert execution["RedriveCount"] == 0
    assert execution["Input"] == {"message": "hello"}
    regular = execute(engine, pass_state(Parameters={"context.$": "$$"}), {"message": "hello"})
    assert regular.ok(), regular.cause
    assert set(regular.output["context"]["Execution"]) == set(execution)
    assert ISO_8601_MS.match(regular.output["context"]["Execution"]["StartTime"])


def test_default_context_start_time_through_the_endpoint(endpoint: LocalEndpoint) -> None:
    execution = _context_of_test_state(endpoint.client("stepfunctions"))["Execution"]
    assert ISO_8601_MS.match(execution["StartTime"]), execution["StartTime"]


# -- the README's example and the adaptation's pins ----------------------------------------------------------

def test_the_readme_test_state_example_runs() -> None:
    """The README's TestState example runs as written (its asserts are AWS's documented answers)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- test-state-example -->\n```python\n(.*?)```", readme, re.DOTALL)
    assert block is not None, "README lost its TestState example"
    exec(compile(block.group(1), "README.md", "exec"), {})  # noqa: S102 - our own README


@pytest.mark.parametrize("module_name,attr", [
    ("moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_factory", "state_task_service_for"),
    ("moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_activitiy", "StateTaskActivity"),
    ("moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda", "StateTaskLambda"),
    ("moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils", "eval_mocked_response"),
    ("moto.stepfunctions.parser.asl.utils.json_path", "extract_json"),
])
def test_a_moved_internal_the_adaptation_needs_is_named(monkeypatch: pytest.MonkeyPatch, module_name: str, attr: str) -> None:
    """The moto internals these TestState fields patch are pinned like the others (test_adaptations_install.py)."""
    module = importlib.import_module(module_name)
    monkeypatch.delattr(module, attr)
    with pytest.raises(EngineAdaptationError) as info:
        importlib.import_module("workflows.local.adaptations.test_state").install()
    assert info.value.adaptation == "test_state"
    assert attr in str(info.value)


def test_every_request_field_boto3_sends_is_served() -> None:
    """Each member of TestState's request in the installed botocore reaches the engine (API_TestState,
    API_MockInput, API_TestStateConfiguration)."""
    import botocore.session

    from workflows.local.adaptations import test_state

    request = botocore.session.get_session().get_service_model("stepfunctions").operation_model("TestState").input_shape
    assert set(request.members) == set(test_state.REQUEST_FIELDS)
    assert set(request.members["mock"].members) == set(test_state.MOCK_FIELDS)
    assert set(request.members["stateConfiguration"].members) == set(test_state.CONFIGURATION_FIELDS)
