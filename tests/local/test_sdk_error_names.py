"""aws-sdk errors are named with AWS's service prefix (adaptation sdk_error_names)."""

from __future__ import annotations

import importlib
import json

import pytest

from workflows.local.adaptations import sdk_error_names
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError

CREATE = {"StartAt": "Create", "States": {"Create": {
    "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudformation:createStack",
    "Parameters": {"StackName": "s", "TemplateBody.$": "$.body"}, "End": True,
    "Catch": [{"ErrorEquals": ["CloudFormation.AlreadyExistsException"], "Next": "Exists"}]},
    "Exists": {"Type": "Pass", "Result": "caught by AWS's name", "End": True}}}
BODY = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def test_cloudformation_error_is_caught_by_its_aws_name() -> None:
    with LocalEngine() as engine:
        engine.create_state_machine("create", json.dumps(CREATE))
        first = engine.run("create", {"body": BODY})
        again = engine.run("create", {"body": BODY})
        assert first.ok() and first.state_names == ("Create",)
        assert again.ok() and again.output == "caught by AWS's name"


def test_s3_error_name() -> None:
    get = {"StartAt": "Get", "States": {"Get": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                                                "Parameters": {"Bucket": "nope", "Key": "k"}, "End": True}}}
    with LocalEngine() as engine:
        engine.create_state_machine("get", json.dumps(get))
        result = engine.run("get", {})
        assert result.error.startswith("S3."), result.error


def test_install_fails_loudly_when_moto_changes_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module(sdk_error_names._MODULE)
    monkeypatch.setattr(module, "_SERVICE_ERROR_NAMES", ("not", "a", "dict"))
    with pytest.raises(EngineAdaptationError, match="sdk_error_names"):
        sdk_error_names.install()
