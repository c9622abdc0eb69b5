"""Service integrations: request and result shapes as AWS documents them.

https://docs.aws.amazon.com/step-functions/latest/dg/integrate-services.html
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance._run import execute
from workflows.local.engine import LocalEngine

CHILD = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "Parameters": {"got.$": "$.n"}, "End": True}}}


def _task(resource: str, parameters: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "Parameters": parameters, **fields, "End": True}}}


def test_start_execution_takes_pascal_case_parameters(local_engine: LocalEngine) -> None:
    """``states:startExecution`` takes ``StateMachineArn``/``Input`` and returns ``ExecutionArn`` and
    ``StartDate`` (Step Functions' API members with a capital first letter).
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
    """
    child_arn = local_engine.create_state_machine("conformance-echo", CHILD)
    result = execute(local_engine, _task("arn:aws:states:::states:startExecution",
                                         {"StateMachineArn": child_arn, "Input": {"n": 1}}))
    assert result.ok(), result.cause
    assert set(result.output) == {"ExecutionArn", "StartDate"}
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
