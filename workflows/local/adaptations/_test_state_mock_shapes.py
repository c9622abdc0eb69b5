"""TestState's ``mock.fieldValidationMode``: a mocked Task result checked against the service API's output shape.

AWS (https://docs.aws.amazon.com/step-functions/latest/apireference/API_MockInput.html) validates a
mocked ``result`` "against their respective API models": ``STRICT`` (the default) requires every
required field and checks every present one, ``PRESENT`` checks only the fields present, ``NONE``
checks nothing. The API models are botocore's (the same service models AWS's SDKs are generated
from), so the shapes are never written by hand here.

The rules and words are AWS's answers, as recorded against AWS (LocalStack's AWS-validated snapshots
``test_field_validation_mode*.snapshot.json``, 2025-11): fields are named as Step Functions names them
(first letter upper case: ``executionArn`` is ``ExecutionArn``); a field the API does not know is
accepted; a nested field is named alone (``'EventId'``, not a path); timestamps and blobs must be
strings; integers, longs, floats and doubles numbers; an enum one of its values; lengths and values
within the model's ``min``/``max``. The "maximum length" words are ours (no AWS answer recorded).

Only a request-response service integration (``arn:aws:states:::service:action`` and
``arn:aws:states:::aws-sdk:service:action``) has an API model to check against: the result of a
``.sync`` or ``.waitForTaskToken`` Task is not the action's output, and an HTTP Task, an Activity or
a Lambda function ARN has no model, so those mocks are not checked (our choice where AWS is silent).
A mocked result that is not a JSON object is not checked either.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.model import ListShape, MapShape, Shape, StructureShape

MODES = ("STRICT", "PRESENT", "NONE")
PREFIX = "Mock result schema validation error: "
_STATES = "arn:aws:states:::"
_PATTERNS = (".sync", ".waitForTaskToken")
# Step Functions' service names that botocore spells differently (optimized and aws-sdk integrations).
_SERVICE_NAMES = {"states": "stepfunctions", "sfn": "stepfunctions", "elasticmapreduce": "emr",
                  "elasticloadbalancingv2": "elbv2"}


@functools.lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@functools.lru_cache(maxsize=256)
def output_shape(resource: str) -> Shape | None:
    """The botocore output shape of the API action a Task ``resource`` calls, or None when there is none."""
    if not isinstance(resource, str) or not resource.startswith(_STATES):
        return None
    parts = resource[len(_STATES):].split(":")
    if parts and parts[0] == "aws-sdk":
        parts = parts[1:]
    if len(parts) != 2 or any(pattern in parts[1] for pattern in _PATTERNS):
        return None  # a versioned ".sync:2" has three parts
    service, action = parts
    service_name = _SERVICE_NAMES.get(service, service)
    try:
        model = _session().get_service_model(service_name)
    except UnknownServiceError:
        return None
    names = {name.lower(): name for name in model.operation_names}
    operation = names.get(action.lower())
    return model.operation_model(operation).output_shape if operation else None


def sfn_cased(member: str) -> str:
    """A botocore member as Step Functions names it in a result: the first letter upper case."""
    return member[:1].upper() + member[1:]


def _check_bounds(value: Any, shape: Shape, name: str, refuse: Callable[[str], Exception]) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if isinstance(value, str) and shape.type_name in ("string", "blob"):
        if low is not None and len(value) < low:
            raise refuse(f"Field '{name}' is smaller than the minimum length")
        if high is not None and len(value) > high:
            raise refuse(f"Field '{name}' exceeds the maximum length")
    elif isinstance(value, (int, float)) and shape.type_name in ("integer", "long", "float", "double"):
        if low is not None and value < low:
            raise refuse(f"Field '{name}' is less than the minimum value")
        if high is not None and value > high:
            raise refuse(f"Field '{name}' exceeds the maximum value")


def _check(value: Any, shape: Shape, name: str, strict: bool, refuse: Callable[[str], Exception]) -> None:
    kind = shape.type_name
    if kind == "document":
        return
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            raise refuse(f"Field '{name}' must be an object")
        members = {sfn_cased(member): member_shape for member, member_shape in shape.members.items()}
        if strict:
            for required in shape.required_members:
                if sfn_cased(required) not in value:
                    raise refuse(f"Required field '{sfn_cased(required)}' is missing")
        for field, item in value.items():
            if field in members:
                _check(item, members[field], field, strict, refuse)
        return
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            raise refuse(f"Field '{name}' must be an array")
        for item in value:
            _check(item, shape.member, name, strict, refuse)
        return
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            raise refuse(f"Field '{name}' must be an object")
        for item in value.values():
            _check(item, shape.value, name, strict, refuse)
        return
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind in ("string", "timestamp", "blob") and not isinstance(value, str):
        raise refuse(f"Field '{name}' must be a string")
    if kind in ("integer", "long") and not (number and (isinstance(value, int) or value.is_integer())):
        raise refuse(f"Field '{name}' must be a number")
    if kind in ("float", "double") and not number:
        raise refuse(f"Field '{name}' must be a number")
    if kind == "boolean" and not isinstance(value, bool):
        raise refuse(f"Field '{name}' must be a boolean")
    enum = shape.metadata.get("enum")
    if kind == "string" and enum and value not in enum:
        raise refuse(f"Field '{name}' is not an expected value")
    _check_bounds(value, shape, name, refuse)


def validate_mock_result(resource: Any, result: Any, mode: str | None, invalid: type[Exception]) -> None:
    """Refuse (``invalid``, AWS's ValidationException words) a mocked result its API's output shape rejects."""
    mode = mode or "STRICT"
    if mode not in MODES:
        raise invalid(f"1 validation error detected: Value '{mode}' at 'mock.fieldValidationMode' failed to "
                      f"satisfy constraint: Member must satisfy enum value set: [{', '.join(MODES)}]")
    if mode == "NONE" or not isinstance(result, dict):
        return
    shape = output_shape(resource)
    if shape is None:
        return
    _check(result, shape, "", mode == "STRICT", lambda words: invalid(PREFIX + words))
