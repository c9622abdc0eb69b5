"""Adaptation: Wait states and Retry intervals take no real time, but are still recorded.

moto really sleeps: ``WaitFunction._wait_interval`` blocks on an Event for the wait's seconds and
``RetrierDecl`` calls ``time.sleep(interval)``. A polling loop with ``Wait 30`` would make a test
take minutes. When enabled (the LocalEngine default), waits return at once and advance the
execution's virtual clock instead (``virtual_clock``: timeouts, Timestamp waits and EnteredTime
follow it); each requested wait is recorded against its execution ARN so tests can still assert
what would have been waited.
"""

from __future__ import annotations

import functools
import threading
import time as _time
from collections import defaultdict
from types import SimpleNamespace
from typing import Any, Callable

from workflows.local.adaptations import virtual_clock
from workflows.local.adaptations._patching import (
    import_module,
    is_patched,
    mark,
    require_attr,
    require_params,
)
from workflows.local.errors import EngineAdaptationError

NAME = "instant_waits"
_WAIT_MODULE = "moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function"
_RETRY_MODULE = "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl"

_enabled = False
_lock = threading.Lock()
_recorded: dict[str, list[tuple[str, float]]] = defaultdict(list)
_current_execution = threading.local()


def set_enabled(enabled: bool) -> None:
    """Turn instant waits on (tests) or off (real sleeping, as moto does)."""
    global _enabled
    _enabled = enabled
    virtual_clock.set_active(enabled)


def enabled() -> bool:
    return _enabled


def recorded_waits(execution_arn: str) -> list[tuple[str, float]]:
    """``("Wait"|"Retry", seconds)`` for each wait requested by that execution, in order."""
    with _lock:
        return list(_recorded.get(execution_arn, []))


def clear() -> None:
    with _lock:
        _recorded.clear()
    virtual_clock.clear()


def _execution_arn(env: Any) -> str:
    try:
        return str(env.states.context_object.context_object_data["Execution"]["Id"])
    except (AttributeError, KeyError, TypeError):
        return "unknown"


def _record(execution_arn: str, kind: str, seconds: float) -> None:
    with _lock:
        _recorded[execution_arn].append((kind, float(seconds)))


def _wait_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _wait_interval(self: Any, env: Any, wait_seconds: float) -> None:
        _record(_execution_arn(env), "Wait", max(wait_seconds, 0))
        if _enabled:
            virtual_clock.advance(env, wait_seconds)
        else:
            original(self, env, wait_seconds)

    return mark(_wait_interval, NAME, original)


def _retry_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _eval_body(self: Any, env: Any) -> None:
        _current_execution.arn = _execution_arn(env)
        _current_execution.env = env
        try:
            original(self, env)
        finally:
            _current_execution.arn = None
            _current_execution.env = None

    return mark(_eval_body, NAME, original)


def _sleep(seconds: float) -> None:
    _record(getattr(_current_execution, "arn", None) or "unknown", "Retry", seconds)
    if _enabled:
        virtual_clock.advance(getattr(_current_execution, "env", None), seconds)
    else:
        _time.sleep(seconds)


def install() -> None:
    """Route moto's waits through the switchable, recording versions (idempotent)."""
    wait_cls = require_attr(NAME, import_module(NAME, _WAIT_MODULE), "WaitFunction")
    wait = require_attr(NAME, wait_cls, "_wait_interval")
    require_params(NAME, wait, ["env", "wait_seconds"])
    retry_module = import_module(NAME, _RETRY_MODULE)
    retrier = require_attr(NAME, retry_module, "RetrierDecl")
    body = require_attr(NAME, retrier, "_eval_body")
    clock = require_attr(NAME, retry_module, "time")
    if clock is not _time and not is_patched(getattr(clock, "sleep", None), NAME):
        raise EngineAdaptationError(NAME, "retrier_decl no longer sleeps through the 'time' module")

    if not is_patched(wait, NAME):
        wait_cls._wait_interval = _wait_wrapper(wait)
    if not is_patched(body, NAME):
        retrier._eval_body = _retry_wrapper(body)
    if clock is _time:
        retry_module.time = SimpleNamespace(sleep=mark(_sleep, NAME, _time.sleep))
