"""Task integrations, with arguments checked against botocore's service models.

An ``aws-sdk`` task passes its Parameters straight to the service API; a misspelt argument, or one
of the wrong type, is only rejected when the task runs in AWS. boto3 ships every service's model, so
the builder can refuse ``StackNme`` at build time and suggest ``StackName``, and refuse
``"StackName": 42`` (a string is wanted) or ``"Select": "EVERYTHING"`` (not one of its values).

Service names are Step Functions' own (``aws-sdk:<service>:<action>``): the AWS SDK for Java v2's
client names, which differ from botocore's -- hyphens dropped (``cognitoidentity`` is botocore's
``cognito-identity``) and, for the services in ``SFN_TO_BOTOCORE``, more (``cloudwatchlogs`` is
``logs``). A botocore spelling makes an ARN Step Functions refuses, so it is refused here, naming
the right one.
"""

from __future__ import annotations

import difflib
import json
import re
from functools import lru_cache
from typing import Any, Mapping

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from .errors import BuildError
from .jsonata import is_jsonata
from .states import Task

#: Step Functions' aws-sdk service name -> botocore's, for every service where they differ by more than
#: hyphens. Both derive from the service's ID: Step Functions (like the AWS SDK for Java v2) takes it in
#: lowercase letters and digits without a trailing "service" ("CloudWatch Logs" -> cloudwatchlogs,
#: "Lex Model Building Service" -> lexmodelbuilding). tests/core/test_sdk_services.py re-derives this
#: table from the installed botocore, so an upgrade that adds a service fails there, not in AWS.
SFN_TO_BOTOCORE: Mapping[str, str] = {
    "applicationdiscovery": "discovery",
    "cloudwatchlogs": "logs",
    "cognitoidentityprovider": "cognito-idp",
    "costandusagereport": "cur",
    "costexplorer": "ce",
    "databasemigration": "dms",
    "directory": "ds",
    "directoryservicedata": "ds-data",
    "elasticloadbalancing": "elb",
    "elasticloadbalancingv2": "elbv2",
    "elasticsearch": "es",
    "eventbridge": "events",
    "iotdataplane": "iot-data",
    "iotjobsdataplane": "iot-jobs-data",
    "lexmodelbuilding": "lex-models",
    "lexmodelsv2": "lexv2-models",
    "lexruntimev2": "lexv2-runtime",
    "marketplacemetering": "meteringmarketplace",
    "migrationhub": "mgh",
    "serverlessapplicationrepository": "serverlessrepo",
    "sfn": "stepfunctions",
    "simpledb": "sdb",
}
# botocore names whose Step Functions name is not themselves without hyphens ("sms-voice" is a second
# botocore name of Pinpoint SMS Voice, "pinpoint-sms-voice" the first)
_BOTOCORE_TO_SFN: Mapping[str, str] = {**{b: s for s, b in SFN_TO_BOTOCORE.items()}, "sms-voice": "pinpointsmsvoice"}
_SFN_NAME = re.compile(r"[a-z0-9]+")

DYNAMODB_OPTIMIZED = ("getItem", "putItem", "updateItem", "deleteItem")


@lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def _by_sfn_name() -> dict[str, str]:
    """Every Step Functions service name -> botocore's."""
    names = {n.replace("-", ""): n for n in _session().get_available_services() if n not in _BOTOCORE_TO_SFN}
    return {**names, **SFN_TO_BOTOCORE}


def botocore_service(service: str) -> str:
    """botocore's name of the Step Functions aws-sdk service ``service``; a BuildError naming the right
    spelling for botocore's own names (``logs`` -> ``cloudwatchlogs``) and for near misses."""
    known = _by_sfn_name()
    if _SFN_NAME.fullmatch(service) and service in known:
        return known[service]
    botocore_names = set(_session().get_available_services())
    if service in _BOTOCORE_TO_SFN or service in botocore_names:
        right = _BOTOCORE_TO_SFN.get(service, service.replace("-", ""))
        raise BuildError(f"{service!r} is botocore's name; Step Functions' aws-sdk tasks call the service "
                         f"{right!r}: did you mean {right!r}?", rule="sdk-service")
    if service.lower() in known:
        close = [service.lower()]
    else:
        close = difflib.get_close_matches(service.lower(), list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise BuildError(f"unknown AWS service {service!r}{hint} (aws-sdk tasks name services in lowercase letters "
                     "and digits, e.g. dynamodb, cloudwatchlogs)", rule="sdk-service")


@lru_cache(maxsize=None)
def _service_model(service: str) -> Any:
    return _session().get_service_model(botocore_service(service))


def operation(service: str, action: str, state: str = "") -> OperationModel:
    """The botocore operation for ``aws-sdk:<service>:<action>`` (action in camelCase, as in ASL)."""
    model = _service_model(service)
    if not action or not action[0].islower():
        raise BuildError(f"{state}: aws-sdk actions are camelCase (e.g. getItem), got {action!r}",
                         rule="sdk-action", path=state)
    op_name = action[0].upper() + action[1:]
    if op_name not in model.operation_names:
        close = difflib.get_close_matches(op_name, model.operation_names, n=1)
        hint = f"; did you mean {close[0][0].lower() + close[0][1:]!r}?" if close else ""
        raise BuildError(f"{service} has no action {action!r}{hint}", rule="sdk-action", path=state)
    return model.operation_model(op_name)


def check_arguments(op: OperationModel, arguments: Any, state: str, *, location: str = "") -> None:
    """Refuse argument names the operation does not take, recursing into static structures."""
    _check_shape(op.input_shape, arguments, state, location or op.name)


_KINDS = {"structure": "an object", "map": "an object", "list": "a list", "string": "a string",
          "integer": "an integer", "long": "an integer", "float": "a number", "double": "a number",
          "boolean": "a boolean", "blob": "a string (base64)", "timestamp": "a timestamp (ISO-8601 text or a number)"}


def _accepts(type_name: str, value: Any) -> bool:
    """Whether a literal JSON ``value`` can stand for a botocore shape of ``type_name``."""
    if type_name in ("structure", "map"):
        return isinstance(value, Mapping)
    if type_name == "list":
        return isinstance(value, list)
    if type_name in ("string", "blob"):
        return isinstance(value, str)
    if type_name in ("integer", "long"):
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name in ("float", "double"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "timestamp":
        return isinstance(value, (str, int, float)) and not isinstance(value, bool)
    return True


def _describe(value: Any) -> str:
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{json.dumps(value)} (a boolean)"
    if isinstance(value, (int, float)):
        return f"{json.dumps(value)} (a number)"
    return f"{value!r} (a string)"


def _check_value(shape: Shape, value: Any, state: str, where: str) -> None:
    """The type (and, for strings, the enum) of a literal value."""
    if not _accepts(shape.type_name, value):
        raise BuildError(f"{where} is {_KINDS.get(shape.type_name, shape.type_name)}, not {_describe(value)}",
                         rule="sdk-argument-type", path=state)
    enum = list(getattr(shape, "enum", None) or [])
    if shape.type_name == "string" and enum and value not in enum and "${" not in value:
        close = difflib.get_close_matches(value, enum, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        listed = ", ".join(enum[:12]) + (", ..." if len(enum) > 12 else "")
        raise BuildError(f"{where} is one of {listed}, not {value!r}{hint}", rule="sdk-argument-type", path=state)


def _pascal(member: str) -> str:
    return member[:1].upper() + member[1:]


def _check_shape(shape: Shape | None, value: Any, state: str, where: str) -> None:
    """Names, types and required members of a literal value, recursing into objects and lists; values
    known only at run time (``.$`` keys, ``{% %}``) and nulls are not judged."""
    if shape is None or value is None or is_jsonata(value):
        return
    _check_value(shape, value, state, where)
    if isinstance(shape, MapShape):
        for key, sub in value.items():
            if isinstance(key, str) and not key.endswith(".$"):
                _check_shape(shape.value, sub, state, f"{where}.{key}")
        return
    if isinstance(shape, ListShape):
        for i, sub in enumerate(value):
            _check_shape(shape.member, sub, state, f"{where}[{i}]")
        return
    if not isinstance(shape, StructureShape):
        return
    # Step Functions writes every member name in PascalCase, whatever the service's own casing
    # (sfn's stateMachineArn is StateMachineArn in a task), as the AWS SDK for Java does
    members = {_pascal(m): member for m, member in shape.members.items()}
    for key, sub in value.items():
        if not isinstance(key, str):
            continue
        name = key[:-2] if key.endswith(".$") else key
        if name not in members:
            close = difflib.get_close_matches(name, list(members), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise BuildError(f"{where} has no argument {name}{hint}", rule="sdk-argument", path=state)
        if not key.endswith(".$"):
            _check_shape(members[name], sub, state, f"{where}.{name}")
    required = [_pascal(m) for m in shape.required_members]
    missing = [m for m in required if m not in value and f"{m}.$" not in value]
    if missing:
        raise BuildError(f"{where} needs {', '.join(missing)}", rule="sdk-argument", path=state)


def _arguments(fields: Mapping[str, Any]) -> Any:
    return fields.get("parameters") if fields.get("parameters") is not None else fields.get("arguments")


def sdk_task(service: str, action: str, name: str, **fields: Any) -> Task:
    """``arn:aws:states:::aws-sdk:<service>:<action>`` with Parameters/Arguments checked."""
    op = operation(service, action, name)
    args = _arguments(fields)
    if isinstance(args, Mapping):
        check_arguments(op, args, name)
    return Task(name, resource=f"arn:aws:states:::aws-sdk:{service}:{action}", **fields)


def dynamodb_task(action: str, name: str, **fields: Any) -> Task:
    """The optimized DynamoDB integration: its errors are named ``DynamoDB.<Exception>``."""
    if action not in DYNAMODB_OPTIMIZED:
        close = difflib.get_close_matches(action, DYNAMODB_OPTIMIZED, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise BuildError(f"the optimized DynamoDB integration has no action {action!r}{hint} "
                         "(use Task.sdk('dynamodb', ...) for others)", rule="sdk-action", path=name)
    op = operation("dynamodb", action, name)
    args = _arguments(fields)
    if isinstance(args, Mapping):
        check_arguments(op, args, name)
    return Task(name, resource=f"arn:aws:states:::dynamodb:{action}", **fields)
