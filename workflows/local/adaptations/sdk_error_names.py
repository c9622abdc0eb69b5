"""aws-sdk task errors carry AWS's service prefix (``CloudFormation.AlreadyExistsException``).

moto 5.2.5 binds the prefix only for dynamodb (``DynamoDb``) and sfn (``Sfn``); every other service
fell back to its lower-case SDK name (``cloudformation.AlreadyExistsException``), so a Catch or Retry
written against AWS's names never matched locally. The bindings below are the service names AWS uses
in aws-sdk error names (the AWS SDK for Java v2 client names).
"""

from __future__ import annotations

from workflows.local.adaptations import _patching
from workflows.local.errors import EngineAdaptationError

ADAPTATION = "sdk_error_names"
_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk"

BINDINGS = {
    "cloudformation": "CloudFormation",
    "s3": "S3",
    "iam": "Iam",
    "sts": "Sts",
    "eventbridge": "EventBridge",
    "ssm": "Ssm",
    "sqs": "Sqs",
    "sns": "Sns",
    "lambda": "Lambda",
    "secretsmanager": "SecretsManager",
}


def install() -> None:
    module = _patching.import_module(ADAPTATION, _MODULE)
    names = _patching.require_attr(ADAPTATION, module, "_SERVICE_ERROR_NAMES")
    if not isinstance(names, dict) or names.get("dynamodb") != "DynamoDb":
        raise EngineAdaptationError(ADAPTATION, f"_SERVICE_ERROR_NAMES changed shape: {names!r}")
    for service, name in BINDINGS.items():
        names.setdefault(service, name)
