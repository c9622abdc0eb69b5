"""Task integrations, with arguments checked against botocore's service models.

An ``aws-sdk`` task passes its Parameters straight to the service API; a misspelt argument is only
rejected when the task runs in AWS. boto3 ships every service's model, so the builder can refuse
``StackNme`` at build time and suggest ``StackName``.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from typing import Any, Mapping

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from .errors import BuildError
from .jsonata import is_jsonata
from .states import Task

# Step Functions' service names in aws-sdk ARNs that differ from botocore's.
_SDK_TO_BOTOCORE = {"sfn": "stepfunctions", "eventbridge": "events"}

DYNAMODB_OPTIMIZED = ("getItem", "putItem", "updateItem", "deleteItem")


@lru_cache(maxsize=None)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@lru_cache(maxsize=None)
def _service_model(service: str) -> Any:
    name = _SDK_TO_BOTOCORE.get(service, service)
    try:
        return _session().get_service_model(name)
    except Exception:
        known = _session().get_available_services()
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise BuildError(f"unknown AWS service {service!r}{hint}", rule="sdk-service") from None


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


def _check_shape(shape: Shape | None, value: Any, state: str, where: str) -> None:
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        for key, sub in value.items():
            if isinstance(key, str) and not key.endswith(".$") and not is_jsonata(sub):
                _check_shape(shape.value, sub, state, f"{where}.{key}")
        return
    if isinstance(shape, ListShape) and isinstance(value, list):
        for i, sub in enumerate(value):
            _check_shape(shape.member, sub, state, f"{where}[{i}]")
        return
    if shape is None or not isinstance(value, Mapping) or not isinstance(shape, StructureShape):
        return
    members = shape.members
    for key, sub in value.items():
        if not isinstance(key, str):
            continue
        name = key[:-2] if key.endswith(".$") else key
        if name not in members:
            close = difflib.get_close_matches(name, list(members), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            raise BuildError(f"{where} has no argument {name}{hint}", rule="sdk-argument", path=state)
        if not key.endswith(".$") and not is_jsonata(sub):
            _check_shape(members[name], sub, state, f"{where}.{name}")
    missing = [m for m in shape.required_members if m not in value and f"{m}.$" not in value]
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
