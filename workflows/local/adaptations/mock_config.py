"""Adaptation: Step Functions Local's MockConfigFile, selected with ``<machineArn>#<TestCase>``.

moto carries the machinery (MockTestCase, StateMockedResponses, MockedResponseReturn/Throw, and
environments that consult them) but ``load_mock_test_case_for`` never loads a config and moto's
StartExecution cannot take a test case. We keep a process-wide config (given to the engine, or the
file named by ``SFN_MOCK_CONFIG`` as SFN Local reads it), build moto's objects from it, and hand
the selected test case to the execution's worker.

A state's responses are picked by its invocation number in the execution, as Step Functions
Local counts them: every call of the state, retries and re-entries through a loop included, takes
the next number ("0", then "1"...). moto picked by ``$$.State.RetryCount``, so a state re-entered
by a polling loop got response "0" forever. The count lives on the execution's MockTestCase
(frames of Map iterations and Parallel branches share it).

Format (as SFN Local)::

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": ...}, "1-2": {"Throw": {"Error": ..., "Cause": ...}}}}}
"""

from __future__ import annotations

import contextvars
import functools
import threading
import json
import os
from pathlib import Path
from typing import Any, Callable, Mapping

from workflows.local.adaptations._patching import (
    import_module,
    is_patched,
    mark,
    replace_references,
    require_attr,
    require_params,
)
from workflows.local.errors import MockConfigError

NAME = "mock_config"
ENV_VAR = "SFN_MOCK_CONFIG"
_MOCK_MODULE = "moto.stepfunctions.parser.mocking.mock_config"
_MODELS_MODULE = "moto.stepfunctions.parser.models"
_EXECUTION_MODULE = "moto.stepfunctions.parser.backend.execution"
_SERVICE_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service"
_FAILURE_MODULE = "moto.stepfunctions.parser.asl.component.common.error_name.failure_event"
_WORKER_MODULE = "moto.stepfunctions.parser.backend.execution_worker"
_ENV_MODULE = "moto.stepfunctions.parser.asl.eval.environment"

MockConfig = dict[str, Any]
_explicit: MockConfig | None = None
_COUNTS = "_workflows_invocations"
_count_lock = threading.Lock()
_pending_test_case: contextvars.ContextVar[Any] = contextvars.ContextVar("pending_test_case", default=None)


def _parse_range(text: str, response: str) -> tuple[int, int]:
    parts = text.strip().split("-")
    try:
        if len(parts) == 1:
            return int(parts[0]), int(parts[0])
        if len(parts) == 2:
            return int(parts[0]), int(parts[1])
    except ValueError:
        pass
    raise MockConfigError(f"mocked response '{response}': invalid range '{text}' (use '0' or '1-3')")


def validate(config: Any) -> MockConfig:
    """Check a mock config's shape; return it. Errors name the machine/case/response at fault."""
    if not isinstance(config, Mapping):
        raise MockConfigError(f"mock config must be a JSON object, got {type(config).__name__}")
    machines = config.get("StateMachines", {})
    responses = config.get("MockedResponses", {})
    if not isinstance(machines, Mapping) or not isinstance(responses, Mapping):
        raise MockConfigError("mock config 'StateMachines' and 'MockedResponses' must be objects")
    for name, attempts in responses.items():
        if not isinstance(attempts, Mapping) or not attempts:
            raise MockConfigError(f"mocked response '{name}' must map ranges like '0' to Return/Throw")
        for rng, outcome in attempts.items():
            _parse_range(rng, name)
            if not isinstance(outcome, Mapping) or len(set(outcome) & {"Return", "Throw"}) != 1:
                raise MockConfigError(f"mocked response '{name}' range '{rng}' needs exactly one of Return or Throw")
            throw = outcome.get("Throw")
            if throw is not None and (not isinstance(throw, Mapping) or "Error" not in throw):
                raise MockConfigError(f"mocked response '{name}' range '{rng}': Throw needs an 'Error'")
    for machine, body in machines.items():
        cases = body.get("TestCases") if isinstance(body, Mapping) else None
        if not isinstance(cases, Mapping):
            raise MockConfigError(f"state machine '{machine}' needs a 'TestCases' object")
        for case, states in cases.items():
            if not isinstance(states, Mapping):
                raise MockConfigError(f"test case '{machine}#{case}' must map state names to response names")
            for state, response in states.items():
                if response not in responses:
                    raise MockConfigError(
                        f"test case '{machine}#{case}' state '{state}' uses unknown mocked response '{response}'"
                    )
    return dict(config)


def load(source: MockConfig | str | os.PathLike[str]) -> MockConfig:
    """Read a mock config from a dict or a JSON file path, validated."""
    if not isinstance(source, (str, os.PathLike)):
        return validate(source)
    path = Path(source)
    try:
        return validate(json.loads(path.read_text()))
    except FileNotFoundError as exc:
        raise MockConfigError(f"mock config file not found: {path}") from exc
    except json.JSONDecodeError as exc:
        raise MockConfigError(f"mock config file {path} is not valid JSON: {exc}") from exc


def set_mock_config(source: MockConfig | str | os.PathLike[str] | None) -> None:
    """Make ``source`` the active config (None: fall back to the SFN_MOCK_CONFIG file, if set)."""
    global _explicit
    _explicit = None if source is None else load(source)


def active_mock_config() -> MockConfig | None:
    """The explicit config, else the file in SFN_MOCK_CONFIG, else None."""
    if _explicit is not None:
        return _explicit
    path = os.environ.get(ENV_VAR)
    return load(path) if path else None


def test_case_names(machine: str) -> list[str]:
    """The test cases the active config defines for ``machine`` (empty without a config)."""
    config = active_mock_config() or {}
    return sorted(config.get("StateMachines", {}).get(machine, {}).get("TestCases", {}))


def build_test_case(machine: str, case: str) -> Any:
    """Build moto's MockTestCase for ``machine#case`` from the active config."""
    mocking = import_module(NAME, _MOCK_MODULE)
    config = active_mock_config()
    if config is None:
        raise MockConfigError(f"test case '{machine}#{case}' requested but no mock config is loaded")
    cases = config.get("StateMachines", {}).get(machine, {}).get("TestCases", {})
    if case not in cases:
        raise MockConfigError(f"mock config has no test case '{case}' for state machine '{machine}'")
    per_state = []
    for state, response in cases[case].items():
        attempts = []
        for rng, outcome in config["MockedResponses"][response].items():
            start, end = _parse_range(rng, response)
            try:
                if "Return" in outcome:
                    attempts.append(mocking.MockedResponseReturn(start, end, outcome["Return"]))
                else:
                    throw = outcome["Throw"]
                    attempts.append(mocking.MockedResponseThrow(start, end, throw["Error"], throw.get("Cause", "")))
            except ValueError as exc:
                raise MockConfigError(f"mocked response '{response}': {exc}") from exc
        try:
            per_state.append(mocking.StateMockedResponses(state, response, attempts))
        except RuntimeError as exc:
            raise MockConfigError(str(exc)) from exc
    return mocking.MockTestCase(machine, case, per_state)


def _loader(original: Callable[..., Any]) -> Callable[..., Any]:
    def load_mock_test_case_for(state_machine_name: str, test_case_name: str) -> Any:
        if active_mock_config() is None:
            return None
        return build_test_case(state_machine_name, test_case_name)

    return mark(load_mock_test_case_for, NAME, original)


def _start_wrapper(original: Callable[..., Any], invalid_name: type[Exception]) -> Callable[..., Any]:
    @functools.wraps(original)
    def start_execution(self: Any, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
        if "#" not in (state_machine_arn or ""):
            return original(self, state_machine_arn, *args, **kwargs)
        machine_arn, case = state_machine_arn.split("#", 1)
        machine_name = machine_arn.rsplit(":", 1)[-1]
        try:
            test_case = build_test_case(machine_name, case)
        except MockConfigError as exc:
            raise invalid_name(f"Invalid mock test case name '{case}': {exc}") from exc
        token = _pending_test_case.set(test_case)
        try:
            return original(self, machine_arn, *args, **kwargs)
        finally:
            _pending_test_case.reset(token)

    return mark(start_execution, NAME, original)


def _worker_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def _get_start_execution_worker(self: Any) -> Any:
        worker = original(self)
        test_case = _pending_test_case.get()
        if test_case is not None:
            worker._mock_test_case = test_case
        return worker

    return mark(_get_start_execution_worker, NAME, original)


def _throw_passthrough(original: Callable[..., Any], failure_exception: type[Exception]) -> Callable[..., Any]:
    """A mocked Throw is already the task's failure: keep its Error/Cause (SFN Local does)."""

    @functools.wraps(original)
    def _from_error(self: Any, env: Any, ex: Exception) -> Any:
        if isinstance(ex, failure_exception):
            return ex.failure_event
        return original(self, env, ex)

    return mark(_from_error, NAME, original)


def invocation_number(test_case: Any, state_name: str) -> int:
    """The next invocation number of ``state_name`` in the execution that owns ``test_case``."""
    with _count_lock:
        counts = test_case.__dict__.setdefault(_COUNTS, {})
        number = counts.get(state_name, 0)
        counts[state_name] = number + 1
        return number


def _response_picker(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def get_current_mocked_response(self: Any) -> Any:
        if not self.is_mocked_mode():
            return original(self)
        state_name = self.next_state_name
        responses = self.mock_test_case.state_mocked_responses[state_name].mocked_responses
        number = invocation_number(self.mock_test_case, state_name)
        if number >= len(responses):
            raise RuntimeError(
                f"No mocked response for state '{state_name}' invocation {number} "
                f"(the mock config defines invocations 0-{len(responses) - 1})"
            )
        return responses[number]

    return mark(get_current_mocked_response, NAME, original)


def _service_classes(base: type) -> list[type]:
    found, todo = [base], list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def install() -> None:
    """Load mock configs into moto and route ``arn#TestCase`` executions to them (idempotent)."""
    mocking = import_module(NAME, _MOCK_MODULE)
    for cls in ("MockTestCase", "StateMockedResponses", "MockedResponseReturn", "MockedResponseThrow"):
        require_attr(NAME, mocking, cls)
    loader = require_attr(NAME, mocking, "load_mock_test_case_for")
    if not is_patched(loader, NAME):
        replace_references("moto.stepfunctions", loader, _loader(loader))

    service_module = import_module(NAME, _SERVICE_MODULE)
    import_module(NAME, _SERVICE_MODULE + "_factory")  # loads every integration class
    failure_exception = require_attr(NAME, import_module(NAME, _FAILURE_MODULE), "FailureEventException")
    for cls in _service_classes(require_attr(NAME, service_module, "StateTaskService")):
        method = cls.__dict__.get("_from_error")
        if method is not None and not is_patched(method, NAME):
            cls._from_error = _throw_passthrough(method, failure_exception)

    env_cls = require_attr(NAME, import_module(NAME, _ENV_MODULE), "Environment")
    picker = require_attr(NAME, env_cls, "get_current_mocked_response")
    for attr in ("is_mocked_mode", "next_state_name", "mock_test_case"):
        require_attr(NAME, env_cls, attr)
    if not is_patched(picker, NAME):
        env_cls.get_current_mocked_response = _response_picker(picker)

    worker_cls = require_attr(NAME, import_module(NAME, _WORKER_MODULE), "ExecutionWorker")
    require_params(NAME, worker_cls.__init__, ["mock_test_case"])
    execution = import_module(NAME, _EXECUTION_MODULE)
    for cls_name in ("Execution", "SyncExecution"):
        cls = require_attr(NAME, execution, cls_name)
        method = cls.__dict__.get("_get_start_execution_worker")
        if method is None:
            continue
        if not is_patched(method, NAME):
            cls._get_start_execution_worker = _worker_wrapper(method)

    models = import_module(NAME, _MODELS_MODULE)
    backend = require_attr(NAME, models, "StepFunctionsParserBackend")
    invalid_name = require_attr(NAME, import_module(NAME, "moto.stepfunctions.exceptions"), "InvalidName")
    start = require_attr(NAME, backend, "start_execution")
    if not is_patched(start, NAME):
        require_params(NAME, start, ["state_machine_arn"])
        backend.start_execution = _start_wrapper(start, invalid_name)
