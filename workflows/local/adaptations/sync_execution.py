"""Adaptation: StartSyncExecution for EXPRESS machines (moto 5.2.5 has none).

The execution goes through moto's own StartExecution (so names, input validation, mock test cases
and every other adaptation apply), with the worker told to run inline in the calling thread (as
moto's unused SyncExecutionWorker would); the response has AWS's StartSyncExecution shape.

Every EXPRESS execution (sync, or async through StartExecution) gets AWS's express ARN
(``arn:aws:states:<region>:<account>:express:<machine>:<name>:<uuid>``) before its worker is built,
so ``$$.Execution.Id`` and the responses agree with AWS; STANDARD ones keep ``:execution:``. moto
only accepts ``:execution:`` ARNs in DescribeExecution/GetExecutionHistory; we widen that check to
``:express:`` so the engine can still read the history (AWS itself cannot describe EXPRESS runs).
"""

from __future__ import annotations

import contextvars
import functools
import json
import math
import re
import uuid
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.errors import EngineAdaptationError

NAME = "sync_execution"
_MODELS_MODULE = "moto.stepfunctions.parser.models"
_WORKER_MODULE = "moto.stepfunctions.parser.backend.execution_worker"
_EXECUTION_MODULE = "moto.stepfunctions.parser.backend.execution"
_ARN_CHECK_MODULE = "moto.stepfunctions.models"
_STANDARD_ARN = re.compile(r"^(arn:[^:]+:states:[^:]+:[0-9]{12}):execution:([^:]+):([^:]+)$")
_RESPONSES_MODULE = "moto.stepfunctions.responses"

_run_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("run_inline", default=False)

_SYNC_STATUS = {"SUCCEEDED": "SUCCEEDED", "TIMED_OUT": "TIMED_OUT"}  # anything else: FAILED
EXPRESS_MEMORY_MB = 64  # AWS bills EXPRESS executions in 64 MB units


def _inline_start(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def start(self: Any) -> None:
        if _run_inline.get():
            self._execution_logic()
            return
        original(self)

    return mark(start, NAME, original)


def express_arn(execution_arn: str) -> str:
    """``...:execution:<machine>:<name>`` -> AWS's ``...:express:<machine>:<name>:<uuid>``."""
    match = _STANDARD_ARN.match(execution_arn)
    if match is None:
        raise EngineAdaptationError(NAME, f"moto made an execution ARN of an unknown form: {execution_arn!r}")
    prefix, machine, name = match.groups()
    return f"{prefix}:express:{machine}:{name}:{uuid.uuid4()}"


def _express_arn_start(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def start(self: Any) -> None:
        # moto's Execution.sm_type is always "STANDARD"; the machine's own ``type`` is the real one.
        if getattr(getattr(self, "state_machine", None), "type", None) == "EXPRESS" and ":execution:" in self.exec_arn:
            self.exec_arn = self.execution_arn = express_arn(self.exec_arn)
        original(self)

    return mark(start, NAME, original)


def _accepting_express(pattern: re.Pattern[str]) -> re.Pattern[str]:
    if ":execution:" not in pattern.pattern:
        raise EngineAdaptationError(NAME, f"moto's execution ARN check changed: {pattern.pattern!r}")
    return re.compile(pattern.pattern.replace(":execution:", ":(?:execution|express):"), pattern.flags)


def _billing(start: Any, stop: Any) -> dict[str, int]:
    elapsed_ms = max(0.0, (stop - start).total_seconds() * 1000) if start and stop else 0.0
    return {
        "billedMemoryUsedInMB": EXPRESS_MEMORY_MB,
        "billedDurationInMilliseconds": max(100, int(math.ceil(elapsed_ms / 100.0)) * 100),
    }


def _make_backend_method(not_supported: type[Exception]) -> Callable[..., dict[str, Any]]:
    def start_sync_execution(
        self: Any,
        state_machine_arn: str,
        name: str | None = None,
        execution_input: str | None = None,
        trace_header: str | None = None,
    ) -> dict[str, Any]:
        machine = self.describe_state_machine(state_machine_arn.split("#", 1)[0])
        if (getattr(machine, "type", None) or "STANDARD") != "EXPRESS":
            raise not_supported("This operation is not supported by this type of state machine")
        token = _run_inline.set(True)
        try:
            execution = self.start_execution(state_machine_arn, name, execution_input, trace_header)
        finally:
            _run_inline.reset(token)
        status = _SYNC_STATUS.get(getattr(execution.exec_status, "value", execution.exec_status), "FAILED")
        result: dict[str, Any] = {
            "executionArn": execution.exec_arn,
            "stateMachineArn": machine.arn,
            "name": execution.name,
            "startDate": execution.start_date,
            "stopDate": execution.stop_date,
            "status": status,
            "input": json.dumps(execution.input_data, separators=(",", ":")),
            "inputDetails": {"included": True},
            "billingDetails": _billing(execution.start_date, execution.stop_date),
        }
        if status == "SUCCEEDED":
            result["output"] = json.dumps(execution.output, separators=(",", ":"))
            result["outputDetails"] = {"included": True}
        if execution.error is not None:
            result["error"] = execution.error
        if execution.cause is not None:
            result["cause"] = execution.cause
        if trace_header:
            result["traceHeader"] = trace_header
        return result

    return mark(start_sync_execution, NAME, None)


def _make_response_method(action_result: type, validation: type[Exception]) -> Callable[..., Any]:
    def start_sync_execution(self: Any) -> Any:
        backend = self.stepfunction_backend
        if not hasattr(backend, "start_sync_execution"):
            raise validation("StartSyncExecution needs the executing backend (execute_state_machine=True)")
        return action_result(
            backend.start_sync_execution(
                self._get_param("stateMachineArn"),
                self._get_param("name"),
                self._get_param("input", if_none="{}"),
                self._get_param("traceHeader"),
            )
        )

    return mark(start_sync_execution, NAME, None)


def install() -> None:
    """Add StartSyncExecution to moto's executing backend and its JSON responses (idempotent)."""
    backend = require_attr(NAME, import_module(NAME, _MODELS_MODULE), "StepFunctionsParserBackend")
    require_attr(NAME, backend, "start_execution")
    worker = require_attr(NAME, import_module(NAME, _WORKER_MODULE), "ExecutionWorker")
    require_attr(NAME, worker, "_execution_logic")
    responses = import_module(NAME, _RESPONSES_MODULE)
    response_cls = require_attr(NAME, responses, "StepFunctionResponse")
    action_result = require_attr(NAME, responses, "ActionResult")
    validation = require_attr(NAME, responses, "ValidationException")
    aws_error = require_attr(NAME, import_module(NAME, "moto.core.exceptions"), "AWSError")
    # moto's parser.api error classes set ``code``, which moto's AWSError ignores (empty Code).
    not_supported = type("StateMachineTypeNotSupported", (aws_error,), {"TYPE": "StateMachineTypeNotSupported", "STATUS": 400})

    existing = getattr(response_cls, "start_sync_execution", None)
    if existing is not None and not is_patched(existing, NAME):
        raise EngineAdaptationError(NAME, "moto now implements start_sync_execution itself; drop this adaptation")
    if not is_patched(worker.start, NAME):
        worker.start = _inline_start(worker.start)
    execution_cls = require_attr(NAME, import_module(NAME, _EXECUTION_MODULE), "Execution")
    if not is_patched(require_attr(NAME, execution_cls, "start"), NAME):
        execution_cls.start = _express_arn_start(execution_cls.start)
    arn_checker = require_attr(NAME, import_module(NAME, _ARN_CHECK_MODULE), "StepFunctionBackend")
    check = require_attr(NAME, arn_checker, "accepted_exec_arn_format")
    if "express" not in check.pattern:
        arn_checker.accepted_exec_arn_format = _accepting_express(check)
    backend.start_sync_execution = _make_backend_method(not_supported)
    response_cls.start_sync_execution = _make_response_method(action_result, validation)
