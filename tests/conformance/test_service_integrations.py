"""Service integrations: request and result shapes as AWS documents them.

https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance._run import execute
from workflows.local.engine import LocalEngine
from workflows.local.resources import create_table

CHILD = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "Parameters": {"got.$": "$.n"}, "End": True}}}


def _task(resource: str, parameters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, **fields, "End": True}}}


def test_start_execution_takes_pascal_case_parameters(local_engine: LocalEngine) -> None:
    """``states:startExecution`` takes ``StateMachineArn``/``Input`` and returns ``ExecutionArn`` and
    ``StartDate`` (Step Functions' API members with a capital first letter), plus the SDK metadata
    every optimized integration adds (AWS, recorded).
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
    """
    child_arn = local_engine.create_state_machine("conformance-echo", CHILD)
    result = execute(local_engine, _task("arn:aws:states:::states:startExecution",
                                         {"StateMachineArn": child_arn, "Input": {"n": 1}}))
    assert result.ok(), result.cause
    assert set(result.output) == {"ExecutionArn", "StartDate", "SdkHttpMetadata", "SdkResponseMetadata"}
    assert result.output["ExecutionArn"].startswith(child_arn.replace(":stateMachine:", ":execution:"))


def test_start_execution_sync2_returns_the_child_output_as_json(local_engine: LocalEngine) -> None:
    """``startExecution.sync:2`` waits for the child and returns its DescribeExecution, ``Output``
    parsed as JSON.
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
    """
    child_arn = local_engine.create_state_machine("conformance-echo", CHILD)
    result = execute(local_engine, _task("arn:aws:states:::states:startExecution.sync:2",
                                         {"StateMachineArn": child_arn, "Input": {"n": 2}}))
    assert result.ok(), result.cause
    assert result.output["Status"] == "SUCCEEDED"
    assert result.output["Output"] == {"got": 2}


def test_aws_sdk_call_on_a_camel_case_api(local_engine: LocalEngine) -> None:
    """AWS SDK integrations name parameters and results in PascalCase, whatever the API's own
    casing: ``aws-sdk:sfn:describeStateMachine`` takes ``StateMachineArn`` and returns ``Name``.
    https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
    """
    child_arn = local_engine.create_state_machine("conformance-echo", CHILD)
    result = execute(local_engine, _task("arn:aws:states:::aws-sdk:sfn:describeStateMachine",
                                         {"StateMachineArn": child_arn}))
    assert result.ok(), result.cause
    assert result.output["Name"] == "conformance-echo"
    assert result.output["StateMachineArn"] == child_arn


@pytest.mark.parametrize(
    "body,stored",
    [
        ({"Dict": "Value"}, '{"Dict":"Value"}'),
        (["List", "Data"], '["List","Data"]'),
        (False, "false"),
        (0, "0"),
        ("text data", '"text data"'),
    ],
    ids=["object", "array", "boolean", "number", "string"],
)
def test_s3_put_object_body_is_the_json_text_of_the_value(local_engine: LocalEngine, body: Any, stored: str) -> None:
    """``aws-sdk:s3:putObject`` with a JSON ``Body`` stores its compact JSON text (AWS, recorded:
    ``{"Dict":"Value"}`` has ETag ``49e31cee5aec8faf3345893addb14346``; a string is stored with its
    quotes) and succeeds.
    https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
    """
    local_engine.client("s3").create_bucket(Bucket="conformance-bucket")
    result = execute(local_engine, _task("arn:aws:states:::aws-sdk:s3:putObject",
                                         {"Bucket": "conformance-bucket", "Key": "k", "Body.$": "$.body"}),
                     {"body": body})
    assert result.ok(), result.cause
    obj = local_engine.client("s3").get_object(Bucket="conformance-bucket", Key="k")
    assert obj["Body"].read().decode() == stored
    assert result.output["ETag"] == obj["ETag"]


# -- DynamoDB -------------------------------------------------------------------------------------
OPTIMIZED = "arn:aws:states:::dynamodb:"
SDK = "arn:aws:states:::aws-sdk:dynamodb:"
NULL_ITEM = "1 validation error detected: Value null at 'item' failed to satisfy constraint: Member must not be null"


@pytest.mark.parametrize(
    "resource,error,service_part",
    [
        (OPTIMIZED + "putItem", "DynamoDB.AmazonDynamoDBException",
         "(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; Request ID: "),
        (SDK + "putItem", "DynamoDb.DynamoDbException", "(Service: DynamoDb, Status Code: 400, Request ID: "),
    ],
    ids=["optimized", "aws-sdk"],
)
def test_dynamodb_null_item_is_a_validation_error(local_engine: LocalEngine, resource: str, error: str,
                                                   service_part: str) -> None:
    """``Item: null`` reaches DynamoDB, which answers a ValidationException; Step Functions names it
    after the SDK's exception class (AWS, recorded: optimized ``DynamoDB.AmazonDynamoDBException``,
    aws-sdk ``DynamoDb.DynamoDbException``), so a Catch on those names handles it.
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html
    https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html
    """
    create_table(local_engine, "conformance-table", sk=None)
    result = execute(local_engine, _task(resource, {"TableName": "conformance-table", "Item": None}))
    assert result.status == "FAILED"
    assert result.error == error
    assert result.cause.startswith(f"{NULL_ITEM} {service_part}")


def test_dynamodb_null_optional_member_is_left_out(local_engine: LocalEngine) -> None:
    """A ``null`` optional member is not sent (the SDKs drop nulls): a Query whose
    ``ExclusiveStartKey`` is null reads the first page.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
    """
    create_table(local_engine, "conformance-table", sk=None)
    local_engine.client("dynamodb").put_item(TableName="conformance-table", Item={"pk": {"S": "a"}})
    result = execute(local_engine, _task(SDK + "query", {
        "TableName": "conformance-table", "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "a"}}, "ExclusiveStartKey": None}))
    assert result.ok(), result.cause
    assert result.output["Count"] == 1


@pytest.mark.parametrize("resource", [OPTIMIZED + "updateItem", SDK + "updateItem"], ids=["optimized", "aws-sdk"])
def test_dynamodb_update_item_returns_consumed_capacity_only_on_request(local_engine: LocalEngine,
                                                                         resource: str) -> None:
    """UpdateItem returns ``ConsumedCapacity`` only when ``ReturnConsumedCapacity`` is TOTAL or INDEXES.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    """
    create_table(local_engine, "conformance-table", sk=None)
    update = {"TableName": "conformance-table", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = :v",
              "ExpressionAttributeValues": {":v": {"N": "1"}}}
    plain = execute(local_engine, _task(resource, update))
    counted = execute(local_engine, _task(resource, {**update, "ReturnConsumedCapacity": "TOTAL"}))
    assert plain.ok() and counted.ok(), (plain.cause, counted.cause)
    assert "ConsumedCapacity" not in plain.output
    assert counted.output["ConsumedCapacity"]["TableName"] == "conformance-table"


@pytest.mark.parametrize("action,parameters", [
    ("getItem", {"TableName": "conformance-table", "Key": {"pk": {"S": "a"}}}),
    ("putItem", {"TableName": "conformance-table", "Item": {"pk": {"S": "b"}}}),
    ("updateItem", {"TableName": "conformance-table", "Key": {"pk": {"S": "a"}}, "UpdateExpression": "SET v = :v",
                    "ExpressionAttributeValues": {":v": {"N": "2"}}}),
    ("deleteItem", {"TableName": "conformance-table", "Key": {"pk": {"S": "a"}}}),
], ids=["getItem", "putItem", "updateItem", "deleteItem"])
def test_optimized_dynamodb_results_carry_sdk_metadata(local_engine: LocalEngine, action: str,
                                                      parameters: dict[str, Any]) -> None:
    """The optimized DynamoDB integration returns the response plus ``SdkHttpMetadata``
    (AllHttpHeaders, HttpHeaders, HttpStatusCode) and ``SdkResponseMetadata`` (RequestId), as
    recorded in AWS; the AWS SDK integration returns the response alone.
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html
    """
    create_table(local_engine, "conformance-table", sk=None)
    local_engine.client("dynamodb").put_item(TableName="conformance-table", Item={"pk": {"S": "a"}})
    result = execute(local_engine, _task(OPTIMIZED + action, parameters))
    assert result.ok(), result.cause
    http = result.output["SdkHttpMetadata"]
    assert http["HttpStatusCode"] == 200
    assert set(http) == {"AllHttpHeaders", "HttpHeaders", "HttpStatusCode"}
    assert all(isinstance(values, list) for values in http["AllHttpHeaders"].values())
    assert set(result.output["SdkResponseMetadata"]) == {"RequestId"}
    sdk = execute(local_engine, _task(SDK + action, parameters))
    assert sdk.ok(), sdk.cause
    assert "SdkHttpMetadata" not in sdk.output and "SdkResponseMetadata" not in sdk.output
