"""Adaptation: StartExecution without a name gets a unique UUID name, as AWS does.

moto's executing backend names such executions ``None``; the second one then collides with
ExecutionAlreadyExists.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any, Callable

from workflows.local.adaptations._patching import (
    import_module,
    is_patched,
    mark,
    require_attr,
    require_params,
)

NAME = "execution_names"
_MODULE = "moto.stepfunctions.parser.models"


def _naming_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def start_execution(self: Any, state_machine_arn: str, name: str | None = None, *args: Any, **kwargs: Any) -> Any:
        return original(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)

    return mark(start_execution, NAME, original)


def install() -> None:
    """Give unnamed executions a UUID name (idempotent)."""
    backend = require_attr(NAME, import_module(NAME, _MODULE), "StepFunctionsParserBackend")
    method = require_attr(NAME, backend, "start_execution")
    if is_patched(method, NAME):
        return
    require_params(NAME, method, ["state_machine_arn", "name"])
    backend.start_execution = _naming_wrapper(method)
