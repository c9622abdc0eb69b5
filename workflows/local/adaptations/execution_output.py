"""Adaptation: DescribeExecution returns the output as JSON text even when it is a JSON string.

moto's DescribeExecution passes a ``str`` output through unencoded, so a machine whose output is
the string ``ok`` reports ``output: "ok"`` (not JSON) instead of AWS's ``output: "\\"ok\\""``.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "execution_output"
_MODULE = "moto.stepfunctions.responses"


def _encoding_wrapper(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def describe_execution(self: Any) -> Any:
        action_result = original(self)
        body = getattr(action_result, "result", None)
        if isinstance(body, dict) and "output" in body:
            execution = self.stepfunction_backend.describe_execution(self._get_param("executionArn"))
            if isinstance(execution.output, str):
                body["output"] = json.dumps(execution.output)
        return action_result

    return mark(describe_execution, NAME, original)


def install() -> None:
    """JSON-encode string outputs in DescribeExecution (idempotent)."""
    response_cls = require_attr(NAME, import_module(NAME, _MODULE), "StepFunctionResponse")
    method = require_attr(NAME, response_cls, "describe_execution")
    if not is_patched(method, NAME):
        response_cls.describe_execution = _encoding_wrapper(method)
