"""Adaptation: service task parameters and results use AWS's member casing (PascalCase).

Step Functions writes every service's request members with a capital first letter
(``"StateMachineArn"`` for Step Functions' own ``stateMachineArn``, ``"Cluster"`` for ECS's
``cluster``) and returns results the same way (``"ExecutionArn"``, ``"StartDate"``). moto 5.2.5 has
the code for it (``StateTaskService._to_boto_request``/``_from_boto_response``) but left the two
hooks that call it, ``_normalise_parameters`` and ``_normalise_response``, empty, so botocore gets
``StateMachineArn`` and fails with ``KeyError`` (States.Runtime): every integration with a
camelCase API (``states:startExecution[.sync]``, ``aws-sdk:sfn:*``, ECS, Batch) was unusable.

We fill the two base hooks from botocore's operation model: request keys are matched to the
model's members case-insensitively (recursively through structures, lists and maps) and results
get their members' first letter capitalized (``RoleARN`` stays ``RoleARN``, as in the AWS SDK for
Java v2 that Step Functions uses), and made JSON (a ``.sync`` task's result comes from a
DescribeExecution that ``sdk_results`` does not see). Request values are left alone (blobs:
``blob_parameters``).
"""

from __future__ import annotations

import functools
from typing import Any, Callable

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr, require_params
from workflows.local.json_values import to_json_safe

NAME = "service_parameters"
_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service"


@functools.lru_cache(maxsize=None)
def _service_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@functools.lru_cache(maxsize=None)
def operation_model(service: str, action: str) -> OperationModel | None:
    """botocore's model of ``service``'s ``action`` (snake_case or camelCase), or None."""
    try:
        model = _service_model(service)
    except Exception:  # unknown service: left to fail where moto makes the call
        return None
    wanted = action.replace("_", "").lower()
    for name in model.operation_names:
        if name.lower() == wanted:
            return model.operation_model(name)
    return None


def to_request(value: Any, shape: Shape | None) -> Any:
    """``value`` with structure keys renamed to ``shape``'s member names (case-insensitively)."""
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        members = {name.lower(): name for name in shape.members}
        renamed = {}
        for key, item in value.items():
            member = key if key in shape.members else members.get(str(key).lower())
            renamed[member or key] = to_request(item, shape.members.get(member)) if member else item
        return renamed
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_request(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_request(item, shape.value) for key, item in value.items()}
    return value


def _capitalized(key: str) -> str:
    return key[:1].upper() + key[1:]


def to_result(value: Any, shape: Shape | None) -> Any:
    """``value`` with structure members' first letter capitalized (AWS's result casing)."""
    if shape is None:
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {
            (_capitalized(key) if key in shape.members else key): to_result(item, shape.members.get(key))
            for key, item in value.items()
        }
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [to_result(item, shape.member) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: to_result(item, shape.value) for key, item in value.items()}
    return value


def _replace_in_place(target: dict[str, Any], value: dict[str, Any]) -> None:
    target.clear()
    target.update(value)


def _parameters_hook(original: Callable[..., None]) -> Callable[..., None]:
    def _normalise_parameters(self: Any, parameters: dict, boto_service_name: str | None = None,
                              service_action_name: str | None = None) -> None:
        model = operation_model(self._get_boto_service_name(boto_service_name),
                                self._get_boto_service_action(service_action_name))
        if model is not None and isinstance(parameters, dict):
            _replace_in_place(parameters, to_request(parameters, model.input_shape))

    return mark(_normalise_parameters, NAME, original)


def _response_hook(original: Callable[..., None]) -> Callable[..., None]:
    def _normalise_response(self: Any, response: Any, boto_service_name: str | None = None,
                            service_action_name: str | None = None) -> None:
        model = operation_model(self._get_boto_service_name(boto_service_name),
                                self._get_boto_service_action(service_action_name))
        if model is not None and isinstance(response, dict):
            # JSON too: results read by .sync resolvers skip the sdk_results conversion.
            _replace_in_place(response, to_json_safe(to_result(response, model.output_shape)))

    return mark(_normalise_response, NAME, original)


def install() -> None:
    """Fill moto's empty normalisation hooks in the service-task base class (idempotent)."""
    base = require_attr(NAME, import_module(NAME, _MODULE), "StateTaskService")
    for helper in ("_get_boto_service_name", "_get_boto_service_action"):
        require_attr(NAME, base, helper)
    parameters = require_attr(NAME, base, "_normalise_parameters")
    response = require_attr(NAME, base, "_normalise_response")
    require_params(NAME, parameters, ["parameters", "boto_service_name", "service_action_name"])
    require_params(NAME, response, ["response", "boto_service_name", "service_action_name"])
    if not is_patched(parameters, NAME):
        base._normalise_parameters = _parameters_hook(parameters)
    if not is_patched(response, NAME):
        base._normalise_response = _response_hook(response)
