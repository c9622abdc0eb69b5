"""Adaptation: the context object is JSON, as AWS documents it.

moto 5.2.5 puts the execution's start as a Python ``datetime`` in ``$$.Execution.StartTime``, so any
state reading ``$$`` (InputPath, Parameters, OutputPath, ``$states.context``) fails the execution
with "Object of type datetime is not JSON serializable". It also writes ``$$.State.EnteredTime``
with ``isoformat()`` (``...123456+00:00``) and leaves out ``Execution.RedriveCount``. AWS gives
``2019-03-26T20:14:13.192Z`` strings and ``RedriveCount: 0`` for an execution never redriven
(https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html).
EnteredTime is read from the execution's virtual clock (``virtual_clock``), so it moves with
the waits that instant mode skips.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Callable

from workflows.local.adaptations import virtual_clock
from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.json_values import format_timestamp

NAME = "context_object"
_WORKER_MODULE = "moto.stepfunctions.parser.backend.execution_worker"
_STATE_MODULE = "moto.stepfunctions.parser.asl.component.state.state"


def _context(env: Any) -> dict[str, Any]:
    return env.states.context_object.context_object_data


def _environment_wrapper(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def _get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        execution = _context(env)["Execution"]
        start = execution.get("StartTime")
        if isinstance(start, (dt.datetime, dt.date)):
            execution["StartTime"] = format_timestamp(start)
        execution.setdefault("RedriveCount", 0)
        return env

    return mark(_get_evaluation_environment, NAME, original)


def _entered_time_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    # moto sets State (Name, EnteredTime) right before it evaluates the state's input.
    @functools.wraps(original)
    def _eval_state_input(self: Any, env: Any) -> None:
        state = _context(env).get("State")
        if isinstance(state, dict) and "EnteredTime" in state:
            state["EnteredTime"] = format_timestamp(virtual_clock.now(env))
        original(self, env)

    return mark(_eval_state_input, NAME, original)


def install() -> None:
    """Make StartTime/EnteredTime AWS's strings and add RedriveCount (idempotent)."""
    worker = require_attr(NAME, import_module(NAME, _WORKER_MODULE), "ExecutionWorker")
    make_env = require_attr(NAME, worker, "_get_evaluation_environment")
    state_cls = require_attr(NAME, import_module(NAME, _STATE_MODULE), "CommonStateField")
    state_input = require_attr(NAME, state_cls, "_eval_state_input")
    if not is_patched(make_env, NAME):
        worker._get_evaluation_environment = _environment_wrapper(make_env)
    if not is_patched(state_input, NAME):
        state_cls._eval_state_input = _entered_time_wrapper(state_input)
