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

The November 2025 additions (https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestStateConfiguration.html):

* ``context``: the Context object the state sees, as given (``$$`` / ``$states.context`` show exactly
  it; moto's own bookkeeping of ``State``/``Task`` stays hidden behind it). Only with a ``mock``;
  validated as AWS validates it (``Execution``/``State``/``StateMachine``/``Task`` only, no ``Map``,
  ``Task`` only on ``.sync``/``.waitForTaskToken`` Tasks, typed fields).
* ``stateConfiguration.retrierRetryCount``: the attempt the test stands at. A matching Retrier with
  attempts left gives ``RETRIABLE`` (no output) and ``errorDetails`` ``retryIndex`` and
  ``retryBackoffIntervalSeconds`` (IntervalSeconds x BackoffRate^count, capped by MaxDelaySeconds);
  an exhausted one falls through to Catch / ``FAILED`` with ``retryIndex``. A Catcher that catches
  reports ``catchIndex``. The engine never sleeps or re-runs the state.
* Map and Parallel states, with a ``mock`` only (without one AWS's ``InvalidDefinition``): the mock
  is the whole state's result (Map: an array, or an object with ``ResultWriter``; Parallel: one item
  per branch) and no iteration or branch runs. A Map still evaluates its items (``ItemsPath`` /
  ``Items``, or ``stateConfiguration.mapItemReaderData`` for an ``ItemReader``), ``MaxConcurrency``
  and its tolerance, and ``mapIterationFailureCount`` beyond ``ToleratedFailureCount`` /
  ``ToleratedFailurePercentage`` fails it ``States.ExceedToleratedFailureThreshold`` (as recorded on
  AWS, a Map with neither field ignores the count). ``errorCausedByState`` must name a state inside.
* a ``mock`` on Pass/Fail/Succeed, both mock fields, ``revealSecrets`` with a mock: AWS's
  ``ValidationException`` words. ``.sync``/``.waitForTaskToken`` and Activity Tasks run when mocked.

Also (tests/local/test_test_state_fields.py):

* ``mock.fieldValidationMode``: a mocked Task result checked against botocore's output shape of the
  integration's action (``_test_state_mock_shapes``), in AWS's words; a mocked result is the state's
  result as given (moto renamed its keys like a real response's).
* a mocked Map shows ``afterItemSelector`` (ItemSelector/Parameters per item, ``$$.Map.Item`` set) and
  ``afterItemBatcher`` (moto's grammar has no ``ItemBatcher``: it is set aside before parsing and applied
  here); an integer ``ToleratedFailurePercentage`` parses (the TestState parser is its own class).
* the default Context object is the executions' (``Execution.StartTime`` AWS's string, ``RedriveCount``).
* HTTP Tasks run with a mock (moto knows no ``http`` service); without one they are refused by name,
  since the engine calls no HTTP endpoint. So ``revealSecrets`` (what an EventBridge connection adds to
  an HTTP request) never has anything to reveal; AWS refuses it with a mock. Mocked Activity Tasks
  answer with their mock; a mocked ``States.Http.StatusCode.404`` keeps its name.

Not modelled: ``afterItemsPointer`` (no ``ItemsPointer`` in moto's grammar), the caller's
``states:RevealSecrets`` permission (the engine checks no caller IAM).
``roleArn`` is the execution role that Task ``Credentials`` are assumed from (the credentials
adaptation enforces them, as in executions).
"""

from __future__ import annotations

import contextvars
import copy
import datetime as dt
import json
import uuid
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.adaptations._test_state_checks import (
    MAP_OR_PARALLEL,
    ContextOverride,
    check_request,
    json_field,
    state_json,
)
from workflows.local.errors import EngineAdaptationError
from workflows.local.json_values import format_timestamp

NAME = "test_state"
_MODELS = "moto.stepfunctions.parser.models"
_RESPONSES = "moto.stepfunctions.responses"
_ANALYSER = "moto.stepfunctions.parser.asl.static_analyser.test_state.test_state_analyser"
_EXECUTION = "moto.stepfunctions.parser.backend.test_state.execution"
_WORKER = "moto.stepfunctions.parser.backend.test_state.execution_worker"
_STATE_MACHINE = "moto.stepfunctions.parser.backend.state_machine"
_MOCKS = "moto.stepfunctions.parser.mocking.mock_config"
_CUSTOM_ERROR = "moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name"
_ERROR_NAME = "moto.stepfunctions.parser.asl.component.common.error_name.error_name"
_STATES_ERROR = "moto.stepfunctions.parser.asl.component.common.error_name.states_error_name"
_STATES_ERROR_TYPE = "moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type"
_EVENT_DETAIL = "moto.stepfunctions.parser.asl.eval.event.event_detail"
_PROGRAM_STATE = "moto.stepfunctions.parser.asl.eval.program_state"
_CHOICE_SELECTED = "moto.stepfunctions.parser.asl.eval.test_state.program_state"
_EXECUTE_STATE = "moto.stepfunctions.parser.asl.component.state.exec.execute_state"
_STATE_MAP = "moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map"
_STATE_PARALLEL = "moto.stepfunctions.parser.asl.component.state.exec.state_parallel.state_parallel"
_STATE_TYPE = "moto.stepfunctions.parser.asl.component.state.state_type"
_CATCH_OUTCOME = "moto.stepfunctions.parser.asl.component.common.catch.catch_outcome"
_RETRY_OUTCOME = "moto.stepfunctions.parser.asl.component.common.retry.retry_outcome"
_FAILURE_EVENT = "moto.stepfunctions.parser.asl.component.common.error_name.failure_event"
_ENCODING = "moto.stepfunctions.parser.asl.utils.encoding"
_TEST_PREPROCESSOR = "moto.stepfunctions.parser.asl.parse.test_state.preprocessor"
_PREPROCESSOR = "moto.stepfunctions.parser.asl.parse.preprocessor"
_JSON_PATH = "moto.stepfunctions.parser.asl.utils.json_path"
_TASK_SERVICE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service"
_ACTIVITY = "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_activitiy"
_LAMBDA_TASK = "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda"
_MOCK_EVAL = "moto.stepfunctions.parser.asl.component.state.exec.state_task.mock_eval_utils"
_TASK_FACTORY = "moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_factory"
_UNSUPPORTED_TASK = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_unsupported"
_TESTED_STATE = "TestState"  # moto's TestStatePreprocessor renames the tested state to this
_SESSION = "_workflows_test_state"  # private key of inspection_data (shared by every frame); removed from the answer
INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
MAX_BATCH_BYTES = 256 * 1024  # ItemBatcher's MaxInputBytesPerBatch cannot exceed 256 KiB
THRESHOLD_ERROR = "States.ExceedToleratedFailureThreshold"
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"
_setup: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("test_state_setup", default=None)
_testing: contextvars.ContextVar[bool] = contextvars.ContextVar("test_state_testing", default=False)
# Set while a mocked Task of a TestState run evaluates (in moto's worker thread, where _setup is not seen).
_mocked_task: contextvars.ContextVar[bool] = contextvars.ContextVar("test_state_mocked_task", default=False)


def select_state(definition: str, state_name: str | None, invalid: type[Exception]) -> str:
    """The single-state definition to test: ``definition`` itself, or its state ``state_name``."""
    if not state_name:
        return definition
    machine = json_field(definition, "definition", invalid)
    states = machine.get("States") if isinstance(machine, dict) else None
    if not isinstance(states, dict) or state_name not in states:
        raise invalid(f"State '{state_name}' was not found in the state machine definition")
    state = dict(states[state_name])
    if "QueryLanguage" in machine and "QueryLanguage" not in state:
        state["QueryLanguage"] = machine["QueryLanguage"]
    return json.dumps(state)


def _session(env: Any) -> dict[str, Any] | None:
    data = getattr(env, "inspection_data", None)
    return data.get(_SESSION) if isinstance(data, dict) else None


def _mock_test_case(mocks: Any, mock: dict[str, Any], invalid: type[Exception]) -> Any:
    if "result" in mock:
        response = mocks.MockedResponseReturn(0, 0, json_field(mock["result"], "mock.result", invalid))
    else:
        error = mock["errorOutput"]
        response = mocks.MockedResponseThrow(0, 0, error.get("error", ""), error.get("cause", ""))
    state = mocks.StateMockedResponses(_TESTED_STATE, "TestStateMock", [response])
    return mocks.MockTestCase("TestState", "TestState", [state])


def _environment(original: Callable[..., Any]) -> Callable[..., Any]:
    def environment(self: Any) -> Any:
        env = original(self)
        _context_as_executions(env.states.context_object.context_object_data)
        setup = _setup.get()
        if setup is not None:
            if setup.get("mock") is not None:
                env.mock_test_case = setup["mock"]
            for name, value in (setup.get("variables") or {}).items():
                env.variable_store.set(name, value)
            env.inspection_data[_SESSION] = setup
            if setup.get("context") is not None:
                override = ContextOverride(setup["context"], env.states.context_object.context_object_data)
                env.states.context_object.context_object_data = override
                env.states._states_data["context"] = override
        return env

    return mark(environment, NAME, original)


def _context_as_executions(context: dict[str, Any]) -> None:
    """The default Context object as executions show it (the ``context_object`` adaptation, which the
    TestState worker bypasses): ``Execution.StartTime`` an ISO 8601 string with milliseconds and ``Z``
    (moto left a ``datetime``, so ``$$.Execution.StartTime`` failed "not JSON serializable") and
    ``RedriveCount`` 0 (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html)."""
    execution = context.get("Execution")
    if isinstance(execution, dict):
        if isinstance(execution.get("StartTime"), (dt.datetime, dt.date)):
            execution["StartTime"] = format_timestamp(execution["StartTime"])
        execution.setdefault("RedriveCount", 0)


def parseable_definition(state_definition: str) -> tuple[str, Any]:
    """The definition moto's TestState parser accepts, and the tested Map's ``ItemBatcher`` (or None).

    moto 5.2.5's grammar knows no ``ItemBatcher`` and takes ``ToleratedFailurePercentage`` only as a
    decimal (``10.0``; executions get the ``map_state`` adaptation's fix, the TestState parser is its
    own class). So each Map's ``ItemBatcher`` is set aside (the tested Map's is applied by the mocked
    Map; inner Maps never run under TestState) and an integer percentage becomes a decimal.
    """
    try:
        state = json.loads(state_definition)
    except ValueError:
        return state_definition, None  # the validator names the JSON error in AWS's words
    if not isinstance(state, dict):
        return state_definition, None
    batcher = state.get("ItemBatcher") if state.get("Type") == "Map" else None
    return (json.dumps(state) if _adapt_state(state) else state_definition), batcher


def _adapt_state(state: Any) -> bool:
    if not isinstance(state, dict):
        return False
    changed = False
    if state.get("Type") == "Map" and "ItemBatcher" in state:
        del state["ItemBatcher"]
        changed = True
    percentage = state.get("ToleratedFailurePercentage")
    if isinstance(percentage, int) and not isinstance(percentage, bool):
        state["ToleratedFailurePercentage"] = float(percentage)
        changed = True
    machines = list(state.get("Branches") or []) if isinstance(state.get("Branches"), list) else []
    machines += [state[key] for key in ("ItemProcessor", "Iterator") if isinstance(state.get(key), dict)]
    for machine in machines:
        inner = machine.get("States") if isinstance(machine, dict) else None
        for child in (inner.values() if isinstance(inner, dict) else ()):
            changed |= _adapt_state(child)
    return changed


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


def _matching_index(env: Any, handlers: list[Any], error_name: Any) -> int | None:
    for index, handler in enumerate(handlers):
        env.stack.append(error_name)
        handler.error_equals.eval(env)
        if env.stack.pop():
            return index
    return None


def _retry_at_configured_count(original: Callable[..., Any], outcome: Any) -> Callable[..., Any]:
    """In a TestState run the Retry is decided, not performed: ``retrierRetryCount`` says which attempt."""

    def handle_retry(self: Any, env: Any, failure_event: Any) -> Any:
        session = _session(env)
        if session is None:
            return original(self, env=env, failure_event=failure_event)
        index = _matching_index(env, self.retry.retriers, failure_event.error_name)
        if index is None:
            return outcome.NoRetrier
        retrier = self.retry.retriers[index]
        count = session["configuration"].get("retrierRetryCount") or 0
        details = session.setdefault("errorDetails", {})
        details["retryIndex"] = index
        if count < retrier.max_attempts.attempts:
            interval = retrier.interval_seconds.seconds * retrier.backoff_rate.rate ** count
            details["retryBackoffIntervalSeconds"] = int(min(interval, retrier.max_delay_seconds.max_delays_seconds))
            session["retriable"] = True
        return outcome.CannotRetry

    return mark(handle_retry, NAME, original)


def _catch_recorder(original: Callable[..., Any], failure_exception: type, catch_outcome: Any) -> Callable[..., Any]:
    """Remember, on a TestState environment, the error a Catcher caught (status CAUGHT_ERROR) and its index."""

    def handle_catch(self: Any, env: Any, failure_event: Any) -> None:
        session = _session(env)
        if session is not None and session.get("retriable"):
            env.stack.append(catch_outcome.NotCaught)  # a retriable error is retried, not caught
            return
        original(self, env, failure_event)
        if session is not None and env.stack and env.stack[-1] == catch_outcome.Caught:
            details = failure_exception(failure_event=failure_event).get_execution_failed_event_details()
            session["caught"] = (details.get("error"), details.get("cause"))
            index = _matching_index(env, self.catch.catchers, failure_event.error_name)
            if index is not None:
                session.setdefault("errorDetails", {})["catchIndex"] = index

    return mark(handle_catch, NAME, original)


def _tested(self: Any, env: Any) -> dict[str, Any] | None:
    session = _session(env)
    if session is None or session.get("mock_input") is None or self.name != _TESTED_STATE or session.get("ran"):
        return None
    session["ran"] = True  # the state under test only: nested states never run in a mocked Map/Parallel
    return session


def _selected_items(env: Any, state: Any, items: list[Any], map_input: Any) -> list[Any]:
    """Each item as its iteration would get it: the Map's ``ItemSelector`` (or legacy ``Parameters``)
    evaluated with ``$$.Map.Item.Index``/``Value`` (``$states.context.Map.Item`` in JSONata) set."""
    selector = state.item_selector or state.parameters
    selected = []
    for index, item in enumerate(items):
        frame = env.open_frame()
        try:
            frame.inspection_data = {}  # moto's TestState Parameters record afterParameters: not the Map's
            frame.states.context_object.context_object_data["Map"] = {"Item": {"Index": index, "Value": item}}
            frame.states.reset(input_value=map_input)
            frame.stack.append(map_input)
            selector.eval(frame)
            selected.append(frame.stack.pop())
        finally:
            env.delete_frame(frame)
    return selected


def _batch_limit(batcher: dict[str, Any], field: str, map_input: Any, extract: Callable[[str, Any], Any]) -> int | None:
    if batcher.get(field) is not None:
        return int(batcher[field])
    if batcher.get(field + "Path") is not None:
        return int(extract(batcher[field + "Path"], map_input))
    return None


def batch_input(template: Any, map_input: Any, context: Any, extract: Callable[[str, Any], Any]) -> Any:
    """ItemBatcher's ``BatchInput``: a JSONPath payload template (``"key.$"`` paths on ``$`` or ``$$``)."""
    if isinstance(template, list):
        return [batch_input(item, map_input, context, extract) for item in template]
    if not isinstance(template, dict):
        return template
    out = {}
    for key, value in template.items():
        if key.endswith(".$") and isinstance(value, str):
            out[key[:-2]] = extract(value[1:], context) if value.startswith("$$") else extract(value, map_input)
        else:
            out[key] = batch_input(value, map_input, context, extract)
    return out


def batches(items: list[Any], batcher: dict[str, Any], map_input: Any, context: Any,
            extract: Callable[[str, Any], Any]) -> list[dict[str, Any]]:
    """The child inputs an ``ItemBatcher`` makes (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html):
    ``{"BatchInput": ..., "Items": [...]}``, at most ``MaxItemsPerBatch`` items and ``MaxInputBytesPerBatch``
    bytes (256 KiB at most) each."""
    max_items = _batch_limit(batcher, "MaxItemsPerBatch", map_input, extract)
    max_bytes = min(_batch_limit(batcher, "MaxInputBytesPerBatch", map_input, extract) or MAX_BATCH_BYTES, MAX_BATCH_BYTES)
    common = {"BatchInput": batch_input(batcher["BatchInput"], map_input, context, extract)} if "BatchInput" in batcher else {}

    def size(batch: list[Any]) -> int:
        return len(json.dumps(dict(common, Items=batch), separators=(",", ":")).encode())

    out: list[list[Any]] = []
    for item in items:
        if out and (max_items is None or len(out[-1]) < max_items) and size(out[-1] + [item]) <= max_bytes:
            out[-1].append(item)
        else:
            out.append([item])
    return [dict(common, Items=batch) for batch in out]


def _map_execution(original: Callable[..., Any], throw: Callable[[Any, str, str], None],
                   to_json: Callable[[Any], str], extract: Callable[[str, Any], Any]) -> Callable[..., Any]:
    """A mocked Map in TestState: items, ItemSelector, ItemBatcher, concurrency and tolerance evaluated
    (each shown in the inspection data, as API_InspectionData documents), the mock is the result."""

    def eval_execution(self: Any, env: Any) -> None:
        session = _tested(self, env)
        if session is None:
            return original(self, env)
        data = env.inspection_data
        self.max_concurrency_decl.eval(env=env)
        data["maxConcurrency"] = env.stack.pop()
        configuration = session["configuration"]
        if self.item_reader is not None:
            reader_data = configuration.get("mapItemReaderData")
            items = json.loads(reader_data) if reader_data is not None else None
        else:
            if self.items_path is not None:
                self.items_path.eval(env=env)
            if self.items is not None:
                self.items.eval(env=env)
            items = env.stack.pop()
            if self.items_path is not None:
                data["afterItemsPath"] = to_json(items)
            if not isinstance(items, list):
                throw(env, "States.QueryEvaluationError",
                      f"Map state input must be an array but was: {json.dumps(items, separators=(',', ':'))}")
        map_input = env.stack[-1] if env.stack else env.states.get_input()
        if isinstance(items, list) and (self.item_selector is not None or self.parameters is not None):
            items = _selected_items(env, self, items, map_input)
            data["afterItemSelector"] = to_json(items)
        if isinstance(items, list) and isinstance(session.get("item_batcher"), dict):
            context = env.states.context_object.context_object_data
            data["afterItemBatcher"] = to_json(batches(items, session["item_batcher"], map_input, context, extract))
        self.tolerated_failure_count_decl.eval(env=env)
        tolerated_count = env.stack.pop()
        self.tolerated_failure_percentage_decl.eval(env=env)
        tolerated_percentage = env.stack.pop()
        if tolerated_count:
            data["toleratedFailureCount"] = tolerated_count
        if tolerated_percentage:
            data["toleratedFailurePercentage"] = float(tolerated_percentage)
        mock = session["mock_input"]
        if "errorOutput" in mock:
            throw(env, mock["errorOutput"].get("error", ""), mock["errorOutput"].get("cause", ""))
        result = copy.deepcopy(session["mock_result"])
        failures = configuration.get("mapIterationFailureCount") or 0
        total = len(items) if isinstance(items, list) else len(result) if isinstance(result, list) else 0
        if (tolerated_count and failures > tolerated_count) or (
                tolerated_percentage and total and failures * 100.0 / total > tolerated_percentage):
            throw(env, THRESHOLD_ERROR, THRESHOLD_CAUSE)
        env.stack.append(result)

    return mark(eval_execution, NAME, original)


def _parallel_execution(original: Callable[..., Any], throw: Callable[[Any, str, str], None]) -> Callable[..., Any]:
    """A mocked Parallel in TestState: the mock is the branches' result (or their error)."""

    def eval_execution(self: Any, env: Any) -> None:
        session = _tested(self, env)
        if session is None:
            return original(self, env)
        env.stack.pop()  # the branches' input
        mock = session["mock_input"]
        if "errorOutput" in mock:
            throw(env, mock["errorOutput"].get("error", ""), mock["errorOutput"].get("cause", ""))
        env.stack.append(copy.deepcopy(session["mock_result"]))

    return mark(eval_execution, NAME, original)


def _output(execution: Any, level: str, program_state: Any, choice_selected: type) -> dict[str, Any]:
    env = execution.exec_worker.env
    inspection = dict(env.inspection_data)
    session = inspection.pop(_SESSION, None) or {}
    state = env.program_state()
    out: dict[str, Any] = {}
    if isinstance(state, program_state.ProgramError) and session.get("retriable"):
        out.update(status="RETRIABLE", error=state.error.get("error"), cause=state.error.get("cause"))
    elif isinstance(state, program_state.ProgramError):
        out.update(status="FAILED", error=state.error.get("error"), cause=state.error.get("cause"))
    elif isinstance(state, choice_selected):
        out.update(status="SUCCEEDED", nextState=state.next_state_name, output=json.dumps(execution.output))
    else:
        output = env.states.get_input()
        out["output"] = json.dumps(output)
        caught = session.get("caught")
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
        if session.get("errorDetails"):
            inspection["errorDetails"] = dict(session["errorDetails"])
        if session.get("state_type") == "Map":
            inspection.pop("result", None)  # AWS shows a Map's result only after ResultSelector/ResultPath
        out["inspectionData"] = inspection
    return out


def _make_backend_method(invalid: type[Exception], invalid_definition: Callable[[str], Exception],
                         mocked_analyser: type) -> Callable[..., dict[str, Any]]:
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
        testing = _testing.set(True)
        try:
            return run(self, definition, role_arn, input, inspection_level, reveal_secrets, variables,
                       state_name, mock, context, state_configuration)
        finally:
            _testing.reset(testing)

    def run(self: Any, definition: str, role_arn: str | None, input: str | None, inspection_level: str | None,
            reveal_secrets: bool | None, variables: str | None, state_name: str | None,
            mock: dict[str, Any] | None, context: str | None,
            state_configuration: dict[str, Any] | None) -> dict[str, Any]:
        level = inspection_level or "INFO"
        if level not in INSPECTION_LEVELS:
            raise invalid(f"inspectionLevel must be one of {list(INSPECTION_LEVELS)}, got {level!r}")
        state_definition = select_state(definition, state_name, invalid)
        configuration = dict(state_configuration or {})
        state = state_json(state_definition)
        mock_result, context_override = check_request(
            state, mock, context, reveal_secrets, configuration, invalid, invalid_definition)
        state_definition, item_batcher = parseable_definition(state_definition)
        self._validate_definition_for_test_state(state_definition, mocked_analyser if mock else analyser)
        name = f"TestState-{uuid.uuid4().hex[:12]}"
        arn = f"arn:aws:states:{self.region_name}:{self.account_id}:stateMachine:{name}"
        machine = machine_cls(name=name, arn=arn, role_arn=role_arn, definition=state_definition)
        execution = execution_cls(
            name=name, role_arn=role_arn, exec_arn=f"arn:aws:states:{self.region_name}:{self.account_id}:execution:{name}:{name}",
            account_id=self.account_id, region_name=self.region_name, state_machine=machine,
            start_date=dt.datetime.now(tz=dt.timezone.utc), input_data=json.dumps(json_field(input or "{}", "input", invalid)),
            activity_store={},
        )
        setup = {
            "mock": _mock_test_case(mocks, mock, invalid) if mock and state.get("Type") not in MAP_OR_PARALLEL else None,
            "mock_input": mock, "mock_result": mock_result, "configuration": configuration,
            "context": context_override, "state_type": state.get("Type"), "item_batcher": item_batcher,
            "variables": json_field(variables, "variables", invalid) if variables else None,
        }
        token = _setup.set(setup)
        try:
            execution.start()
        finally:
            _setup.reset(token)
        return _output(execution, level, program_state, choice_selected)

    return mark(test_state, NAME, None)


def _mocked(env: Any) -> bool:
    session = _session(env)
    return session is not None and session.get("mock") is not None and env.is_mocked_mode()


def _mock_as_given(original: Callable[..., None]) -> Callable[..., None]:
    """A mocked result is the state's result as given: AWS keeps a mock's ``{"executionArn": ...}``
    (recorded under fieldValidationMode PRESENT), where moto renamed its keys as it does a real
    response's (``ExecutionArn``, through the ``service_parameters`` hook)."""

    def _normalise_response(self: Any, response: Any, boto_service_name: str | None = None,
                            service_action_name: str | None = None) -> None:
        if _mocked_task.get():
            return None
        return original(self, response, boto_service_name, service_action_name)

    return mark(_normalise_response, NAME, original)


def _mocked_task_scope(original: Callable[..., None]) -> Callable[..., None]:
    """Mark the evaluation of a mocked Task under TestState (for ``_mock_as_given`` and mocked error names)."""

    def _eval_execution(self: Any, env: Any) -> None:
        if not _mocked(env):
            return original(self, env)
        token = _mocked_task.set(True)
        try:
            return original(self, env)
        finally:
            _mocked_task.reset(token)

    return mark(_eval_execution, NAME, original)


def _activity_execution(original: Callable[..., None], eval_mocked: Callable[..., None]) -> Callable[..., None]:
    """A mocked Activity Task answers with its mock (API_TestState: "TestState only supports the following
    when a mock is specified: Activity tasks, ..."); moto looked the activity up and failed States.Runtime."""

    def _eval_execution(self: Any, env: Any) -> None:
        if not _mocked(env):
            return original(self, env)
        self._eval_parameters(env=env)
        token = _mocked_task.set(True)
        try:
            eval_mocked(env=env, mocked_response=env.get_current_mocked_response())
        finally:
            _mocked_task.reset(token)

    return mark(_eval_execution, NAME, original)


def _http_task_factory(original: Callable[..., Any], unsupported: type) -> Callable[..., Any]:
    """Under TestState an HTTP Task (``arn:aws:states:::http:invoke``) parses, so that a mock can answer it
    (test-state-isolation.html: "Mock AWS service integrations or services invoked through HTTP Task");
    moto 5.2.5 knows no ``http`` service. The request checks refuse an HTTP Task without a mock: the
    engine calls no HTTP endpoint. Executions keep moto's factory unchanged."""

    class MockedHttpTask(unsupported):  # type: ignore[misc,valid-type]
        def _validate_service_integration_is_supported(self) -> None:
            return None  # moto logged "Unsupported Optimised service integration" here

        def _eval_service_task(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("The local engine calls no HTTP endpoint: an HTTP Task runs only with a mock")

    def state_task_service_for(service_name: str) -> Any:
        if service_name == "http" and _testing.get():
            return MockedHttpTask()
        return original(service_name=service_name)

    return mark(state_task_service_for, NAME, original)


def _outermost_only(tested: Callable[..., Any], plain: Callable[..., Any]) -> Callable[..., Any]:
    """moto's TestState parser turned every state body into a tested program, so the states inside a
    Map's ItemProcessor or a Parallel's Branches broke the parse; only the outermost body is tested."""

    def visit_state_decl_body(self: Any, ctx: Any) -> Any:
        depth = getattr(self, "_workflows_depth", 0)
        self._workflows_depth = depth + 1
        try:
            return (tested if depth == 0 else plain)(self, ctx)
        finally:
            self._workflows_depth = depth

    return mark(visit_state_decl_body, NAME, tested)


def _make_mocked_analyser(analyser: type, state_type: Any) -> type:
    """moto's analyser, widened to what AWS accepts with a mock: Map, Parallel, Activity, .sync, .waitForTaskToken."""
    supported = set(analyser._SUPPORTED_STATE_TYPES) | {state_type.Map, state_type.Parallel}

    class MockedTestStateAnalyser(analyser):  # type: ignore[misc,valid-type]
        _SUPPORTED_STATE_TYPES = supported

        def visitResource_decl(self, ctx: Any) -> None:  # any resource runs: the mock answers it
            return None

    return MockedTestStateAnalyser


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


# TestState's request members (botocore 1.44.5's model) → the backend method's parameters. A test
# compares them with the installed botocore so a field boto3 gains cannot go unserved unnoticed.
REQUEST_FIELDS = {"definition": "definition", "roleArn": "role_arn", "input": "input",
                  "inspectionLevel": "inspection_level", "revealSecrets": "reveal_secrets",
                  "variables": "variables", "stateName": "state_name", "mock": "mock", "context": "context",
                  "stateConfiguration": "state_configuration"}
MOCK_FIELDS = ("result", "errorOutput", "fieldValidationMode")
CONFIGURATION_FIELDS = ("retrierRetryCount", "errorCausedByState", "mapIterationFailureCount", "mapItemReaderData")


def _make_response_method(action_result: type) -> Callable[..., Any]:
    def test_state(self: Any) -> Any:
        return action_result(self.stepfunction_backend.test_state(
            **{parameter: self._get_param(field) for field, parameter in REQUEST_FIELDS.items()}))

    return mark(test_state, NAME, None)


def _error_namer(names: Any) -> Callable[[str], Any]:
    """An error name for a mocked ``error``: a ``States.*`` name moto knows as its own, any other name
    as given. moto's ``CustomErrorName`` refuses every other ``States.`` name, so a mocked HTTP Task's
    ``States.Http.StatusCode.404`` (call-https-apis.html) failed ``States.Runtime`` instead."""
    custom = require_attr(NAME, import_module(NAME, _CUSTOM_ERROR), "CustomErrorName")
    states_name = require_attr(NAME, import_module(NAME, _STATES_ERROR), "StatesErrorName")
    by_name = {member.to_name(): member for member in names}

    base = require_attr(NAME, import_module(NAME, _ERROR_NAME), "ErrorName")

    class ReportedErrorName(base):  # type: ignore[misc,valid-type]
        pass

    def name(error: str) -> Any:
        if error in by_name:
            return states_name(typ=by_name[error])
        return ReportedErrorName(error_name=error) if error.startswith("States.") else custom(error)

    return name


def _mock_error_names(namer: Callable[[str], Any], custom: type) -> Callable[[str | None], Any]:
    """``CustomErrorName`` as moto's mock evaluation uses it: under TestState, any mocked error name."""

    def custom_error_name(error_name: str | None) -> Any:
        if _mocked_task.get() and error_name:
            return namer(error_name)
        return custom(error_name)

    return mark(custom_error_name, NAME, custom)


def _thrower(failure_mod: Any, namer: Callable[[str], Any], api: Any, event_details: type) -> Callable[[Any, str, str], None]:
    """Fail the state with ``error``/``cause`` (a ``States.*`` name as moto's own, others as given)."""

    def throw(env: Any, error: str, cause: str) -> None:
        error_name = namer(error)
        raise failure_mod.FailureEventException(failure_event=failure_mod.FailureEvent(
            env=env, error_name=error_name, event_type=api.HistoryEventType.TaskFailed,
            event_details=event_details(taskFailedEventDetails=api.TaskFailedEventDetails(error=error, cause=cause))))

    return throw


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
    analyser = require_attr(NAME, import_module(NAME, _ANALYSER), "TestStateStaticAnalyser")
    require_attr(NAME, analyser, "_SUPPORTED_STATE_TYPES")
    state_type = require_attr(NAME, import_module(NAME, _STATE_TYPE), "StateType")
    backend._validate_definition_for_test_state = _make_validator(invalid_definition)
    backend.test_state = _make_backend_method(validation, invalid_definition, _make_mocked_analyser(analyser, state_type))
    response_cls.test_state = _make_response_method(action_result)
    running = require_attr(NAME, import_module(NAME, _PROGRAM_STATE), "ProgramRunning")
    status = require_attr(NAME, import_module(NAME, "moto.stepfunctions.parser.api"), "ExecutionStatus")
    execution_cls = require_attr(NAME, import_module(NAME, _EXECUTION), "TestStateExecution")
    comm = require_attr(NAME, execution_cls, "TestCaseExecutionWorkerCommunication")
    if not is_patched(comm.terminated, NAME):
        comm.terminated = _terminated(comm.terminated, running, status.SUCCEEDED)
    execute_state = require_attr(NAME, import_module(NAME, _EXECUTE_STATE), "ExecutionState")
    catch_outcome = require_attr(NAME, import_module(NAME, _CATCH_OUTCOME), "CatchOutcome")
    retry_outcome = require_attr(NAME, import_module(NAME, _RETRY_OUTCOME), "RetryOutcome")
    failure_mod = import_module(NAME, _FAILURE_EVENT)
    handle_catch = require_attr(NAME, execute_state, "_handle_catch")
    if not is_patched(handle_catch, NAME):
        execute_state._handle_catch = _catch_recorder(
            handle_catch, require_attr(NAME, failure_mod, "FailureEventException"), catch_outcome)
    handle_retry = require_attr(NAME, execute_state, "_handle_retry")
    if not is_patched(handle_retry, NAME):
        execute_state._handle_retry = _retry_at_configured_count(handle_retry, retry_outcome)
    namer = _error_namer(require_attr(NAME, import_module(NAME, _STATES_ERROR_TYPE), "StatesErrorNameType"))
    mock_eval = import_module(NAME, _MOCK_EVAL)
    mock_custom = require_attr(NAME, mock_eval, "CustomErrorName")
    if not is_patched(mock_custom, NAME):
        mock_eval.CustomErrorName = _mock_error_names(namer, mock_custom)
    throw = _thrower(failure_mod, namer,
                     import_module(NAME, "moto.stepfunctions.parser.api"),
                     require_attr(NAME, import_module(NAME, _EVENT_DETAIL), "EventDetails"))
    to_json = require_attr(NAME, import_module(NAME, _ENCODING), "to_json_str")
    state_map = require_attr(NAME, import_module(NAME, _STATE_MAP), "StateMap")
    map_execution = require_attr(NAME, state_map, "_eval_execution")
    extract = require_attr(NAME, import_module(NAME, _JSON_PATH), "extract_json")
    if not is_patched(map_execution, NAME):
        state_map._eval_execution = _map_execution(map_execution, throw, to_json, extract)
    state_parallel = require_attr(NAME, import_module(NAME, _STATE_PARALLEL), "StateParallel")
    parallel_execution = require_attr(NAME, state_parallel, "_eval_execution")
    if not is_patched(parallel_execution, NAME):
        state_parallel._eval_execution = _parallel_execution(parallel_execution, throw)
    task_service = require_attr(NAME, import_module(NAME, _TASK_SERVICE), "StateTaskService")
    normalise = require_attr(NAME, task_service, "_normalise_response")
    if not is_patched(normalise, NAME):
        task_service._normalise_response = _mock_as_given(normalise)
    for task_class in (task_service, require_attr(NAME, import_module(NAME, _LAMBDA_TASK), "StateTaskLambda")):
        task_execution = require_attr(NAME, task_class, "_eval_execution")
        if not is_patched(task_execution, NAME):
            task_class._eval_execution = _mocked_task_scope(task_execution)
    activity = require_attr(NAME, import_module(NAME, _ACTIVITY), "StateTaskActivity")
    activity_execution = require_attr(NAME, activity, "_eval_execution")
    eval_mocked = require_attr(NAME, import_module(NAME, _MOCK_EVAL), "eval_mocked_response")
    if not is_patched(activity_execution, NAME):
        activity._eval_execution = _activity_execution(activity_execution, eval_mocked)
    factory = import_module(NAME, _TASK_FACTORY)
    service_for = require_attr(NAME, factory, "state_task_service_for")
    if not is_patched(service_for, NAME):
        unsupported = require_attr(NAME, import_module(NAME, _UNSUPPORTED_TASK), "StateTaskServiceUnsupported")
        factory.state_task_service_for = _http_task_factory(service_for, unsupported)
    test_preprocessor = require_attr(NAME, import_module(NAME, _TEST_PREPROCESSOR), "TestStatePreprocessor")
    preprocessor = require_attr(NAME, import_module(NAME, _PREPROCESSOR), "Preprocessor")
    tested_body = require_attr(NAME, test_preprocessor, "visitState_decl_body")
    if not is_patched(tested_body, NAME):
        test_preprocessor.visitState_decl_body = _outermost_only(
            tested_body, require_attr(NAME, preprocessor, "visitState_decl_body"))
