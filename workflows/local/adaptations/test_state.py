"""Adaptation: the TestState action (AWS's recommended way to test one state), routed to moto.

moto 5.2.5 ships TestState's machinery (``TestStateStaticAnalyser``, ``TestStateMachine``,
``TestStateExecution``: the state parsed alone, inspection data collected as it runs), but the only
caller is ``StepFunctionsProvider.test_state``, which imports localstack and is never routed; boto3's
``client.test_state(...)`` raised NotImplementedError. We add ``test_state`` to the executing backend
(the provider's 30 lines, without localstack) and to moto's JSON responses (so the endpoint serves
it), and adapt what moto lacks of the API (botocore 1.44.5's model, see
https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html):

* ``stateName``: the definition is a whole machine and the named state is tested (its machine's
  ``QueryLanguage`` inherited);
* ``mock``: ``{"result": "<json>"}`` or ``{"errorOutput": {"error", "cause"}}`` replaces the Task's
  service call (through moto's own mock-test-case machinery, so Retry/Catch/ResultSelector apply);
* ``variables``: JSON object of variables visible to the state (``$name`` / ``$varname``);
* statuses as AWS reports them: a state with ``Next`` ends ``SUCCEEDED`` with ``nextState``; an error
  caught by a Catcher ``CAUGHT_ERROR`` (with ``error``/``cause`` and the Catcher's ``nextState``); an
  uncaught one ``FAILED``; ``inspectionData`` only at DEBUG/TRACE, ``variables`` included.

Accepted but not modelled (yet): ``context`` (the Context object override), ``revealSecrets``,
``stateConfiguration`` (retry counts, Map data), ``mock.fieldValidationMode``; Map and Parallel
states are refused as moto's analyser refuses them. ``roleArn`` is the execution role that Task
``Credentials`` are assumed from (the credentials adaptation enforces them, as in executions).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import uuid
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.errors import EngineAdaptationError

NAME = "test_state"
_MODELS = "moto.stepfunctions.parser.models"
_RESPONSES = "moto.stepfunctions.responses"
_ANALYSER = "moto.stepfunctions.parser.asl.static_analyser.test_state.test_state_analyser"
_EXECUTION = "moto.stepfunctions.parser.backend.test_state.execution"
_WORKER = "moto.stepfunctions.parser.backend.test_state.execution_worker"
_STATE_MACHINE = "moto.stepfunctions.parser.backend.state_machine"
_MOCKS = "moto.stepfunctions.parser.mocking.mock_config"
_PROGRAM_STATE = "moto.stepfunctions.parser.asl.eval.program_state"
_CHOICE_SELECTED = "moto.stepfunctions.parser.asl.eval.test_state.program_state"
_EXECUTE_STATE = "moto.stepfunctions.parser.asl.component.state.exec.execute_state"
_CATCH_OUTCOME = "moto.stepfunctions.parser.asl.component.common.catch.catch_outcome"
_FAILURE_EVENT = "moto.stepfunctions.parser.asl.component.common.error_name.failure_event"
_TESTED_STATE = "TestState"  # moto's TestStatePreprocessor renames the tested state to this
INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")

_setup: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("test_state_setup", default=None)


def _json(value: Any, field: str, invalid: type[Exception]) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise invalid(f"Invalid JSON in '{field}': {exc}") from exc


def select_state(definition: str, state_name: str | None, invalid: type[Exception]) -> str:
    """The single-state definition to test: ``definition`` itself, or its state ``state_name``."""
    if not state_name:
        return definition
    machine = _json(definition, "definition", invalid)
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict) or state_name not in states:
        raise invalid(f"State '{state_name}' was not found in the state machine definition")
    state = dict(states[state_name])
    if "QueryLanguage" in machine and "QueryLanguage" not in state:
        state["QueryLanguage"] = machine["QueryLanguage"]
    return json.dumps(state)


def _mock_test_case(mocks: Any, mock: dict[str, Any], invalid: type[Exception]) -> Any:
    if "result" in mock and "errorOutput" in mock or not ("result" in mock or "errorOutput" in mock):
        raise invalid("mock must have exactly one of 'result' or 'errorOutput'")
    if "result" in mock:
        response = mocks.MockedResponseReturn(0, 0, _json(mock["result"], "mock.result", invalid))
    else:
        error = mock["errorOutput"]
        response = mocks.MockedResponseThrow(0, 0, error.get("error", ""), error.get("cause", ""))
    state = mocks.StateMockedResponses(_TESTED_STATE, "TestStateMock", [response])
    return mocks.MockTestCase("TestState", "TestState", [state])


def _environment(original: Callable[..., Any]) -> Callable[..., Any]:
    def environment(self: Any) -> Any:
        env = original(self)
        setup = _setup.get()
        if setup is not None:
            if setup.get("mock") is not None:
                env.mock_test_case = setup["mock"]
            for name, value in (setup.get("variables") or {}).items():
                env.variable_store.set(name, value)
        return env

    return mark(environment, NAME, original)


def _terminated(original: Callable[..., Any], running: type, succeeded: Any) -> Callable[..., Any]:
    """A tested state with ``Next`` leaves the program RUNNING; moto then raised RuntimeWarning."""

    def terminated(self: Any) -> None:
        env = self.execution.exec_worker.env
        if isinstance(env.program_state(), running):
            self.execution.exec_status = succeeded
            self.execution.output = env.states.get_input()
            self.execution.next_state = env.next_state_name
            return
        original(self)

    return mark(terminated, NAME, original)


def _catch_recorder(original: Callable[..., Any], failure_exception: type, caught: Any) -> Callable[..., Any]:
    """Remember, on a TestState environment, the error a Catcher caught (status CAUGHT_ERROR)."""

    def handle_catch(self: Any, env: Any, failure_event: Any) -> None:
        original(self, env, failure_event)
        if hasattr(env, "inspection_data") and env.stack and env.stack[-1] == caught:
            details = failure_exception(failure_event=failure_event).get_execution_failed_event_details()
            env._workflows_caught = (details.get("error"), details.get("cause"))

    return mark(handle_catch, NAME, original)


def _output(execution: Any, level: str, program_state: Any, choice_selected: type) -> dict[str, Any]:
    env = execution.exec_worker.env
    inspection = dict(env.inspection_data)
    state = env.program_state()
    out: dict[str, Any] = {}
    if isinstance(state, program_state.ProgramError):
        out.update(status="FAILED", error=state.error.get("error"), cause=state.error.get("cause"))
    elif isinstance(state, choice_selected):
        out.update(status="SUCCEEDED", nextState=state.next_state_name, output=json.dumps(execution.output))
    else:
        output = env.states.get_input()
        out["output"] = json.dumps(output)
        caught = getattr(env, "_workflows_caught", None)
        if caught is not None:
            out.update(status="CAUGHT_ERROR", error=caught[0], cause=caught[1])
        else:
            out["status"] = "SUCCEEDED"
        if not isinstance(state, program_state.ProgramEnded) and env.next_state_name not in (None, _TESTED_STATE):
            out["nextState"] = env.next_state_name
    if level in ("DEBUG", "TRACE"):
        try:
            assigned = env.variable_store.get_assigned_variables()
            inspection["variables"] = json.dumps({k: json.loads(v) for k, v in assigned.items()})
        except Exception:  # moto's store API differs: leave variables out rather than fail the test
            pass
        out["inspectionData"] = inspection
    return out


def _make_backend_method(invalid: type[Exception]) -> Callable[..., dict[str, Any]]:
    analyser_mod = import_module(NAME, _ANALYSER)
    analyser = require_attr(NAME, analyser_mod, "TestStateStaticAnalyser")
    execution_cls = require_attr(NAME, import_module(NAME, _EXECUTION), "TestStateExecution")
    machine_cls = require_attr(NAME, import_module(NAME, _STATE_MACHINE), "TestStateMachine")
    mocks = import_module(NAME, _MOCKS)
    program_state = import_module(NAME, _PROGRAM_STATE)
    choice_selected = require_attr(NAME, import_module(NAME, _CHOICE_SELECTED), "ProgramChoiceSelected")

    def test_state(self: Any, definition: str, role_arn: str | None = None, input: str | None = None,
                   inspection_level: str | None = None, reveal_secrets: bool | None = None,
                   variables: str | None = None, state_name: str | None = None,
                   mock: dict[str, Any] | None = None, context: str | None = None,
                   state_configuration: dict[str, Any] | None = None) -> dict[str, Any]:
        level = inspection_level or "INFO"
        if level not in INSPECTION_LEVELS:
            raise invalid(f"inspectionLevel must be one of {list(INSPECTION_LEVELS)}, got {level!r}")
        state_definition = select_state(definition, state_name, invalid)
        self._validate_definition_for_test_state(state_definition, analyser)
        name = f"TestState-{uuid.uuid4().hex[:12]}"
        arn = f"arn:aws:states:{self.region_name}:{self.account_id}:stateMachine:{name}"
        machine = machine_cls(name=name, arn=arn, role_arn=role_arn, definition=state_definition)
        execution = execution_cls(
            name=name, role_arn=role_arn, exec_arn=f"arn:aws:states:{self.region_name}:{self.account_id}:execution:{name}:{name}",
            account_id=self.account_id, region_name=self.region_name, state_machine=machine,
            start_date=dt.datetime.now(tz=dt.timezone.utc), input_data=json.dumps(_json(input or "{}", "input", invalid)),
            activity_store={},
        )
        setup = {
            "mock": _mock_test_case(mocks, mock, invalid) if mock else None,
            "variables": _json(variables, "variables", invalid) if variables else None,
        }
        token = _setup.set(setup)
        try:
            execution.start()
        finally:
            _setup.reset(token)
        return _output(execution, level, program_state, choice_selected)

    return mark(test_state, NAME, None)


def _make_validator(invalid_definition: Callable[[str], Exception]) -> Callable[..., None]:
    def validate(self: Any, definition: str, analyser: type) -> None:
        try:
            json.loads(definition)
        except ValueError as exc:
            raise invalid_definition(
                f"Invalid State Machine Definition: 'INVALID_JSON_DESCRIPTION: {exc}'") from exc
        try:
            analyser().analyse(definition)
        except Exception as exc:  # moto's parser raises ValueError/ASLParserException: AWS's code + words
            raise invalid_definition(
                f"Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: {exc}'") from exc

    return mark(validate, NAME, None)


def _make_response_method(action_result: type) -> Callable[..., Any]:
    def test_state(self: Any) -> Any:
        return action_result(self.stepfunction_backend.test_state(
            definition=self._get_param("definition"), role_arn=self._get_param("roleArn"),
            input=self._get_param("input"), inspection_level=self._get_param("inspectionLevel"),
            reveal_secrets=self._get_param("revealSecrets"), variables=self._get_param("variables"),
            state_name=self._get_param("stateName"), mock=self._get_param("mock"),
            context=self._get_param("context"), state_configuration=self._get_param("stateConfiguration"),
        ))

    return mark(test_state, NAME, None)


def install() -> None:
    """Add TestState to moto's executing backend and JSON responses (idempotent)."""
    backend = require_attr(NAME, import_module(NAME, _MODELS), "StepFunctionsParserBackend")
    responses = import_module(NAME, _RESPONSES)
    response_cls = require_attr(NAME, responses, "StepFunctionResponse")
    action_result = require_attr(NAME, responses, "ActionResult")
    validation = require_attr(NAME, responses, "ValidationException")
    invalid_definition = require_attr(NAME, import_module(NAME, _MODELS), "InvalidDefinition")
    worker = require_attr(NAME, import_module(NAME, _WORKER), "TestStateExecutionWorker")
    existing = getattr(response_cls, "test_state", None)
    if existing is not None and not is_patched(existing, NAME):
        raise EngineAdaptationError(NAME, "moto now routes test_state itself; drop this adaptation")
    environment = require_attr(NAME, worker, "_get_evaluation_environment")
    if not is_patched(environment, NAME):
        worker._get_evaluation_environment = _environment(environment)
    backend._validate_definition_for_test_state = _make_validator(invalid_definition)
    backend.test_state = _make_backend_method(validation)
    response_cls.test_state = _make_response_method(action_result)
    running = require_attr(NAME, import_module(NAME, _PROGRAM_STATE), "ProgramRunning")
    status = require_attr(NAME, import_module(NAME, "moto.stepfunctions.parser.api"), "ExecutionStatus")
    execution_cls = require_attr(NAME, import_module(NAME, _EXECUTION), "TestStateExecution")
    comm = require_attr(NAME, execution_cls, "TestCaseExecutionWorkerCommunication")
    if not is_patched(comm.terminated, NAME):
        comm.terminated = _terminated(comm.terminated, running, status.SUCCEEDED)
    state_mod = import_module(NAME, _EXECUTE_STATE)
    execute_state = require_attr(NAME, state_mod, "ExecutionState")
    catch_mod = import_module(NAME, _CATCH_OUTCOME)
    failure_mod = import_module(NAME, _FAILURE_EVENT)
    handle_catch = require_attr(NAME, execute_state, "_handle_catch")
    if not is_patched(handle_catch, NAME):
        execute_state._handle_catch = _catch_recorder(
            handle_catch, require_attr(NAME, failure_mod, "FailureEventException"),
            require_attr(NAME, catch_mod, "CatchOutcome").Caught)
