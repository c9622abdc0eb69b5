"""SDK results become JSON before states see them (timestamps as ISO-8601 strings)."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from workflows.local.adaptations import sdk_results
from workflows.local.engine import LocalEngine
from workflows.local.json_values import to_json_safe

TEMPLATE = json.dumps({"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "stack-bucket"}}}})
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_describe_stacks_timestamps_are_strings(local_engine: LocalEngine) -> None:
    local_engine.client("cloudformation").create_stack(StackName="tenant-a", TemplateBody=TEMPLATE)
    machine = {
        "StartAt": "Describe",
        "States": {
            "Describe": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:cloudformation:describeStacks",
                "Parameters": {"StackName.$": "$.name"},
                "ResultSelector": {
                    "status.$": "$.Stacks[0].StackStatus",
                    "created.$": "$.Stacks[0].CreationTime",
                    "text.$": "States.JsonToString($.Stacks[0])",
                },
                "End": True,
            }
        },
    }
    local_engine.create_state_machine("describe", machine)
    result = local_engine.run("describe", {"name": "tenant-a"})
    assert result.ok(), result.cause
    assert result.output["status"] == "CREATE_COMPLETE"
    assert ISO.match(result.output["created"]), result.output["created"]
    assert json.loads(result.output["text"])["StackName"] == "tenant-a"
    # describe_execution and history (boto3-parsed) serialize too
    assert any(e["type"] == "TaskSucceeded" for e in result.history)


def test_every_service_integration_is_wrapped() -> None:
    sdk_results.install()
    names = {c.__name__ for c in sdk_results.patched_classes()}
    assert {"StateTaskServiceAwsSdk", "StateTaskServiceDynamoDB"} <= names


def test_json_safe_conversions() -> None:
    when = dt.datetime(2024, 5, 1, 12, 30, 5, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    value = {"t": when, "b": b"\x00hi", "d": Decimal("2"), "f": Decimal("1.5"), "s": {1}, "n": [None, True]}
    assert to_json_safe(value) == {"t": "2024-05-01T10:30:05.123Z", "b": "AGhp", "d": 2, "f": 1.5, "s": [1], "n": [None, True]}


def test_json_safe_rejects_unknown_objects() -> None:
    with pytest.raises(TypeError, match="value of type object has no JSON form"):
        to_json_safe(object())
