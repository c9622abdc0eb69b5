"""Adaptation: each execution keeps a virtual clock, so skipped waits still take (virtual) time.

Instant waits (``instant_waits``) return at once; without a clock, a machine with
``"TimeoutSeconds": 60`` and a ``Wait`` of an hour would succeed, ``$$.State.EnteredTime`` would not
move, and a ``Timestamp`` wait would be measured from the wall clock. Here every moto
``Environment`` (an execution, or a frame of a Map iteration, Parallel branch or task attempt)
carries an offset: the seconds its timeline is ahead of the wall clock. Its time is
``wall clock + offset``.

- A skipped Wait or Retry interval advances the offset of the environment that waited
  (``advance``). A frame starts at its parent's time; when it is closed, the parent moves to
  the later of the two (Parallel branches that wait 10 s and 20 s cost 20 s, not 30 s).
- The machine's ``TimeoutSeconds`` becomes a virtual deadline on the execution: a wait that would
  cross it moves the clock to the deadline and times the execution out (``TIMED_OUT``, history
  ``ExecutionTimedOut``), as AWS would after the real delay.
- A Task's ``TimeoutSeconds`` is checked against the virtual time its attempt took (a
  ``startExecution.sync`` child machine's waits count): longer fails the attempt with
  ``States.Timeout``, which Retry and Catch see as usual.
- ``Timestamp``/``TimestampPath`` waits are measured from the virtual time, and
  ``$$.State.EnteredTime`` reads it (``context_object``).

With instant waits off (real sleeping) every offset stays 0 and moto's own real-time timeouts
apply. History event timestamps stay on the wall clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr, require_params

NAME = "virtual_clock"
_ENV_MODULE = "moto.stepfunctions.parser.asl.eval.environment"
_PROGRAM_MODULE = "moto.stepfunctions.parser.asl.component.program.program"
_EXEC_STATE_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.execute_state"
_TIMEOUT_MODULE = "moto.stepfunctions.parser.asl.component.common.timeouts.timeout"
_TIMESTAMP_MODULE = "moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp"
_SFN_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn"
_EXECUTION_MODULE = "moto.stepfunctions.parser.backend.execution"
_WORKER_MODULE = "moto.stepfunctions.parser.backend.execution_worker"

_OFFSET = "_workflows_clock_offset"
_ROOT = "_workflows_clock_root"
_DEADLINE = "_workflows_clock_deadline"
_INHERITED = "_workflows_clock_inherited"

_active = False
_lock = threading.Lock()
# Execution ARN -> the virtual time at which it ended (read by a parent's .sync task).
_ended_at: dict[str, dt.datetime] = {}
# Set while a task starts a child execution in this thread: the parent's offset, which the
# child's clock starts from.
_starting = threading.local()


def set_active(active: bool) -> None:
    """Switched on with instant waits: offsets move and virtual deadlines apply."""
    global _active
    _active = active


def active() -> bool:
    return _active


def clear() -> None:
    with _lock:
        _ended_at.clear()


def offset(env: Any) -> float:
    """Seconds ``env``'s timeline is ahead of the wall clock."""
    return float(getattr(env, _OFFSET, 0.0))


def _set_offset(env: Any, seconds: float) -> None:
    setattr(env, _OFFSET, seconds)


def now(env: Any) -> dt.datetime:
    """The virtual time of ``env`` (UTC)."""
    return dt.datetime.now(tz=dt.timezone.utc) + dt.timedelta(seconds=offset(env))


def _root(env: Any) -> Any:
    return getattr(env, _ROOT, env)


def advance(env: Any, seconds: float) -> bool:
    """Let ``seconds`` pass on ``env``'s clock (a skipped wait). False if the execution timed out.

    A wait that reaches the execution's deadline stops there and times the execution out.
    """
    if env is None or not _active:
        return True
    seconds = max(float(seconds), 0.0)
    root = _root(env)
    deadline = getattr(root, _DEADLINE, None)
    if deadline is not None:
        remaining = (deadline - now(env)).total_seconds()
        if seconds >= remaining:
            _set_offset(env, offset(env) + max(remaining, 0.0))
            root.set_timed_out()
            return False
    _set_offset(env, offset(env) + seconds)
    return True


# -- frames ---------------------------------------------------------------------------------
def _frame_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def as_inner_frame_of(cls: Any, env: Any, *args: Any, **kwargs: Any) -> Any:
        frame = original(cls, env, *args, **kwargs)
        _set_offset(frame, offset(env))
        setattr(frame, _ROOT, _root(env))
        return frame

    return mark(as_inner_frame_of, NAME, original)


def _merge_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def merge(self: Any, frame: Any) -> None:
        if offset(frame) > offset(self):
            _set_offset(self, offset(frame))
        original(self, frame)

    return mark(merge, NAME, original)


# -- the machine's TimeoutSeconds -------------------------------------------------------------
def _program_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def eval(self: Any, env: Any) -> None:  # noqa: A001 - moto's method name
        timeout = getattr(self, "timeout_seconds", None)
        if _active and timeout is not None and not env.is_frame():
            setattr(env, _DEADLINE, now(env) + dt.timedelta(seconds=timeout.timeout_seconds))
        original(self, env)
        arn = env.states.context_object.context_object_data.get("Execution", {}).get("Id")
        if arn and not env.is_frame():
            with _lock:
                _ended_at[str(arn)] = now(env)

    return mark(eval, NAME, original)


# -- a state's TimeoutSeconds -----------------------------------------------------------------
def _attempt_wrapper(original: Callable[..., None], timeout_error: type[Exception]) -> Callable[..., None]:
    @functools.wraps(original)
    def _evaluate_with_timeout(self: Any, env: Any) -> None:
        if not _active:
            return original(self, env)
        self.timeout.eval(env=env)
        limit = env.stack.pop()
        started = now(env)
        state_input = env.states.get_input()
        original(self, env)
        if (now(env) - started).total_seconds() >= limit:
            env.states.reset(input_value=state_input)  # the attempt's output is discarded
            raise timeout_error()

    return mark(_evaluate_with_timeout, NAME, original)


# -- Timestamp waits ----------------------------------------------------------------------------
def _timestamp_wrapper(original: Callable[..., int]) -> Callable[..., int]:
    @functools.wraps(original)
    def _get_wait_seconds(self: Any, env: Any) -> int:
        return int(original(self, env) - offset(env))

    return mark(_get_wait_seconds, NAME, original)


# -- child executions (states:startExecution.sync) ----------------------------------------------
def _start_child_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    """The child execution started by this call starts at the parent's virtual time."""

    @functools.wraps(original)
    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        _starting.offset = offset(env)
        try:
            original(self, env, *args, **kwargs)
        finally:
            _starting.offset = None

    return mark(_eval_service_task, NAME, original)


def _await_child_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    """Waiting for a child execution (.sync) lasts until the child's virtual end."""

    @functools.wraps(original)
    def _eval_integration_pattern(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        started = env.stack[-1] if env.stack else None
        arn = started.get("ExecutionArn") if isinstance(started, dict) else None
        try:
            original(self, env, *args, **kwargs)
        finally:
            with _lock:
                ended = _ended_at.get(str(arn)) if arn else None
            if ended is not None:
                behind = (ended - now(env)).total_seconds()
                if behind > 0:
                    _set_offset(env, offset(env) + behind)

    return mark(_eval_integration_pattern, NAME, original)


def _start_worker_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def _get_start_execution_worker(self: Any) -> Any:
        worker = original(self)
        inherited = getattr(_starting, "offset", None)
        if inherited:
            setattr(worker, _INHERITED, inherited)
        return worker

    return mark(_get_start_execution_worker, NAME, original)


def _environment_wrapper(original: Callable[[Any], Any]) -> Callable[[Any], Any]:
    @functools.wraps(original)
    def _get_evaluation_environment(self: Any) -> Any:
        env = original(self)
        if _active and getattr(self, _INHERITED, None):
            _set_offset(env, getattr(self, _INHERITED))
        return env

    return mark(_get_evaluation_environment, NAME, original)


def install() -> None:
    """Give environments a virtual clock and enforce timeouts on it (idempotent)."""
    env_cls = require_attr(NAME, import_module(NAME, _ENV_MODULE), "Environment")
    frame_factory = require_attr(NAME, env_cls, "as_inner_frame_of")
    closers = [require_attr(NAME, env_cls, name) for name in ("close_frame", "delete_frame")]
    program_cls = require_attr(NAME, import_module(NAME, _PROGRAM_MODULE), "Program")
    program_eval = require_attr(NAME, program_cls, "eval")
    exec_state = require_attr(NAME, import_module(NAME, _EXEC_STATE_MODULE), "ExecutionState")
    attempt = require_attr(NAME, exec_state, "_evaluate_with_timeout")
    timeout_error = require_attr(NAME, import_module(NAME, _TIMEOUT_MODULE), "EvalTimeoutError")
    timestamp_cls = require_attr(NAME, import_module(NAME, _TIMESTAMP_MODULE), "Timestamp")
    wait_seconds = require_attr(NAME, timestamp_cls, "_get_wait_seconds")
    sfn_cls = require_attr(NAME, import_module(NAME, _SFN_MODULE), "StateTaskServiceSfn")
    sfn_task = require_attr(NAME, sfn_cls, "_eval_service_task")
    sfn_pattern = require_attr(NAME, sfn_cls, "_eval_integration_pattern")
    execution_cls = require_attr(NAME, import_module(NAME, _EXECUTION_MODULE), "Execution")
    start_worker = require_attr(NAME, execution_cls, "_get_start_execution_worker")
    worker_cls = require_attr(NAME, import_module(NAME, _WORKER_MODULE), "ExecutionWorker")
    make_env = require_attr(NAME, worker_cls, "_get_evaluation_environment")
    require_params(NAME, frame_factory, ["env"])

    if not is_patched(frame_factory, NAME):
        env_cls.as_inner_frame_of = classmethod(_frame_wrapper(env_cls.__dict__["as_inner_frame_of"].__func__))
    for closer in closers:
        if not is_patched(closer, NAME):
            setattr(env_cls, closer.__name__, _merge_wrapper(closer))
    if not is_patched(program_eval, NAME):
        program_cls.eval = _program_wrapper(program_eval)
    if not is_patched(attempt, NAME):
        exec_state._evaluate_with_timeout = _attempt_wrapper(attempt, timeout_error)
    if not is_patched(wait_seconds, NAME):
        timestamp_cls._get_wait_seconds = _timestamp_wrapper(wait_seconds)
    if not is_patched(sfn_task, NAME):
        sfn_cls._eval_service_task = _start_child_wrapper(sfn_task)
    if not is_patched(sfn_pattern, NAME):
        sfn_cls._eval_integration_pattern = _await_child_wrapper(sfn_pattern)
    if not is_patched(start_worker, NAME):
        execution_cls._get_start_execution_worker = _start_worker_wrapper(start_worker)
    if not is_patched(make_env, NAME):
        worker_cls._get_evaluation_environment = _environment_wrapper(make_env)
