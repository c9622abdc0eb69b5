"""Adaptation: SDK results become JSON values before a state sees them.

moto pushes boto3's parsed response onto the state's data as is, so datetimes, bytes and Decimals
flow into the execution: ``States.JsonToString``, DescribeExecution and GetExecutionHistory then
fail with "Object of type datetime is not JSON serializable". AWS hands states JSON only
(timestamps as ISO-8601 strings, blobs as base64). We convert the result right after each service
task's call, in every service integration class.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.errors import EngineAdaptationError
from workflows.local.json_values import to_json_safe

NAME = "sdk_results"
_BASE_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service"
_FACTORY_MODULE = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_factory"
)


def _all_subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def _json_safe_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        original(self, env, *args, **kwargs)
        if env.stack:
            env.stack[-1] = to_json_safe(env.stack[-1])

    return mark(_eval_service_task, NAME, original)


def patched_classes() -> list[type]:
    """The service-task classes whose own ``_eval_service_task`` is wrapped (for tests)."""
    base = require_attr(NAME, import_module(NAME, _BASE_MODULE), "StateTaskService")
    return [c for c in [base, *_all_subclasses(base)] if is_patched(c.__dict__.get("_eval_service_task"), NAME)]


def install() -> None:
    """Wrap ``_eval_service_task`` in StateTaskService and every subclass that defines it."""
    base = require_attr(NAME, import_module(NAME, _BASE_MODULE), "StateTaskService")
    import_module(NAME, _FACTORY_MODULE)  # loads every integration class
    classes = [c for c in [base, *_all_subclasses(base)] if "_eval_service_task" in c.__dict__]
    if len(classes) < 2:
        raise EngineAdaptationError(NAME, "no service integration defines _eval_service_task")
    for cls in classes:
        method = cls.__dict__["_eval_service_task"]
        if not is_patched(method, NAME):
            cls._eval_service_task = _json_safe_wrapper(method)
