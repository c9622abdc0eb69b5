"""Adaptation: DynamoDB task requests are validated, and results trimmed, as DynamoDB does.

moto's interpreter calls DynamoDB through a boto3 client with parameter validation off, so a
``null`` where DynamoDB wants a value reached botocore's serializer and failed in Python words:
``"Item": null`` gave ``States.Runtime: 'NoneType' object has no attribute 'items'``. AWS sends
the request and DynamoDB answers a ``ValidationException``; recorded in AWS:

- ``aws-sdk:dynamodb:putItem``: ``DynamoDb.DynamoDbException``, cause ``1 validation error
  detected: Value null at 'item' failed to satisfy constraint: Member must not be null
  (Service: DynamoDb, Status Code: 400, Request ID: ...)``;
- ``arn:aws:states:::dynamodb:putItem``: ``DynamoDB.AmazonDynamoDBException``, the same message
  with ``(Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ValidationException; ...)``
  (``ValidationException`` is not a modelled DynamoDB error, so the SDK raises its base class).

So, on task clients for DynamoDB (the credentials adaptation's task-client factory calls
``prepare``): a ``null`` optional member is left out (the SDKs do not send nulls); a ``null`` or
missing required member fails with DynamoDB's message; a value botocore cannot serialize (an
object where a map of attributes is expected...) fails with a ``ValidationException`` naming it
(botocore's description) instead of a Python error. The
optimized integration names a ValidationException ``DynamoDB.AmazonDynamoDBException``.

moto's DynamoDB also returns ``ConsumedCapacity`` from every UpdateItem; DynamoDB returns it only
when the request sets ``ReturnConsumedCapacity`` to TOTAL or INDEXES, so it is dropped otherwise.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, Callable

from botocore.client import BaseClient
from botocore.exceptions import ClientError
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.serialize import create_serializer
from botocore.validate import ParamValidator

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "dynamodb_requests"
_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb"
_MARK = "_workflows_dynamodb_requests"
_CAPACITY_KEY = "workflows_return_consumed_capacity"
_OPTIMIZED_ERROR = "DynamoDB.AmazonDynamoDBException"
# DynamoDB error codes the AWS SDKs have no exception class for: the base class names them.
UNMODELLED_CODES = frozenset({"ValidationException"})


def _without_nulls(value: Any, shape: Shape | None) -> Any:
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {k: _without_nulls(v, shape.members.get(k)) for k, v in value.items() if v is not None}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_without_nulls(v, shape.member) for v in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {k: _without_nulls(v, shape.value) for k, v in value.items()}
    return value


def _member_path(name: str) -> str:
    return name[:1].lower() + name[1:]


def validation_message(params: dict[str, Any], shape: StructureShape) -> str | None:
    """DynamoDB's ValidationException message for ``params``, or None if they are well formed."""
    nulls = [name for name in shape.required_members if params.get(name) is None]
    if nulls:
        count = len(nulls)
        details = "; ".join(
            f"Value null at '{_member_path(name)}' failed to satisfy constraint: Member must not be null"
            for name in nulls
        )
        return f"{count} validation error{'s' if count > 1 else ''} detected: {details}"
    return None


def _unserializable(params: dict[str, Any], model: Any) -> str | None:
    """botocore's description of a value its serializer cannot send (a dict where a string map is
    expected...), or None. Values botocore merely would not have validated are left to DynamoDB."""
    try:
        create_serializer(model.metadata["protocol"]).serialize_to_request(params, model)
    except Exception as exc:  # AttributeError, TypeError... from the serializer
        report = ParamValidator().validate(params, model.input_shape)
        return report.generate_report() if report.has_errors() else f"Invalid request parameters: {exc}"
    return None


def _validation_error(message: str, operation: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "ValidationException", "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": 400, "RequestId": str(uuid.uuid4()).upper().replace("-", ""),
                                 "HTTPHeaders": {}},
        },
        operation,
    )


def check_request(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    """botocore ``before-parameter-build`` handler for DynamoDB task clients."""
    shape = model.input_shape
    if shape is None:
        return
    cleaned = _without_nulls(params, shape)
    params.clear()
    params.update(cleaned)
    message = validation_message(params, shape) or _unserializable(params, model)
    if message:
        raise _validation_error(message, model.name)
    context[_CAPACITY_KEY] = params.get("ReturnConsumedCapacity")


def trim_result(parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    """botocore ``after-call`` handler: ConsumedCapacity only when the request asked for it."""
    if context.get(_CAPACITY_KEY) not in ("TOTAL", "INDEXES"):
        parsed.pop("ConsumedCapacity", None)


def prepare(client: BaseClient) -> BaseClient:
    """Register the handlers on a DynamoDB task client (once); other clients are returned as is."""
    if client.meta.service_model.service_name != "dynamodb" or getattr(client, _MARK, False):
        return client
    client.meta.events.register("before-parameter-build.dynamodb.*", check_request)
    client.meta.events.register("after-call.dynamodb.*", trim_result)
    setattr(client, _MARK, True)
    return client


def _error_name_wrapper(original: Callable[[ClientError], tuple[str, str]]) -> Callable[[ClientError], tuple[str, str]]:
    @functools.wraps(original)
    def _error_cause_from_client_error(client_error: ClientError) -> tuple[str, str]:
        error, cause = original(client_error)
        if client_error.response.get("Error", {}).get("Code") in UNMODELLED_CODES:
            error = _OPTIMIZED_ERROR
        return error, cause

    return mark(_error_cause_from_client_error, NAME, original)


def install() -> None:
    """Name unmodelled errors of the optimized integration as AWS does (idempotent)."""
    service_cls = require_attr(NAME, import_module(NAME, _MODULE), "StateTaskServiceDynamoDB")
    naming = require_attr(NAME, service_cls, "_error_cause_from_client_error")
    if not is_patched(naming, NAME):
        service_cls._error_cause_from_client_error = staticmethod(_error_name_wrapper(naming))
