"""Adaptation: evaluate JSONata with jlens (jsonata-python deciding failures) instead of moto's missing JVM bridge.

moto 5.2.5 leaves ``jsonata._eval_jsonata`` as None (LocalStack fills it with a JVM), so every
JSONata machine and every ``$var`` read in JSONPath mode fails with "NoneType is not callable".
We fill the hook with jlens (a Rust JSONata engine passing the JSONata 2.2.2 suite, 80-120x
faster than jsonata-python on our unmarshaller; see ``make_evaluator`` for when jsonata-python
decides instead), convert jsonata-python's own types (JList, lambdas) into JSON values, report
evaluation errors as ``States.QueryEvaluationError`` as AWS does, and quote string variables as
JSON (moto writes them between bare double quotes, so a value containing ``"`` broke the query).
Each expression gets AWS's added functions bound (see ``jsonata_functions``), and whole numbers
beyond 2**53 come back as floats, the doubles they were in AWS's JavaScript JSONata.

Causes use AWS's words, which name the field holding the expression (recorded in AWS)::

    The JSONata expression '$x' specified for the field 'Output/result' returned nothing (undefined).
    The JSONata expression '$f()' specified for the field 'Arguments' threw an error during
    evaluation. T1006: Attempted to invoke a non-function

The field is read from the parse tree when the definition is parsed (the keys from the state down
to the expression, joined with ``/``). A JSONata ``Timestamp`` that is not an ISO-8601 time is a
``States.QueryEvaluationError`` as in AWS (moto said ``States.Runtime``).
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any, Callable

import jlens
import jsonata as jsonata_python

from workflows.local.adaptations import jsonata_functions
from workflows.local.adaptations._patching import (
    import_module,
    is_patched,
    mark,
    replace_references,
    require_attr,
)
from workflows.local.errors import EngineAdaptationError

NAME = "jsonata"
_JSONATA_MODULE = "moto.stepfunctions.parser.asl.jsonata.jsonata"
_STRING_EXPR_MODULE = "moto.stepfunctions.parser.asl.component.common.string.string_expression"
_PREPROCESSOR_MODULE = "moto.stepfunctions.parser.asl.parse.preprocessor"
_PARSER_MODULE = "moto.stepfunctions.parser.asl.antlr.runtime.ASLParser"
_TIMESTAMP_MODULE = "moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp"


class _Unsupported(Exception):
    """Raised while converting a JSONata result that has no JSON form (a function)."""


# Past 2**53 not every integer is a double. JavaScript (AWS's JSONata) keeps such numbers as doubles
# and prints 1.5e+125; jsonata-python hands back whole doubles as Python ints (126 digits here).
MAX_SAFE_INTEGER = 2**53


def _to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        if abs(value) <= MAX_SAFE_INTEGER:
            return value
        try:
            return float(value)  # it was a double in JSONata; the float prints as AWS prints it
        except OverflowError as exc:
            raise _Unsupported("a whole number beyond the range of a double") from exc
    if isinstance(value, float):
        # JSONata numbers are doubles: 3.0 prints as 3 in AWS's output.
        return int(value) if value.is_integer() and abs(value) <= MAX_SAFE_INTEGER else value
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, list):  # includes jsonata's JList
        return [_to_json(v) for v in value]
    raise _Unsupported(type(value).__name__)


def _evaluate_python(expression: str) -> Any:
    return jsonata_functions.bind(jsonata_python.Jsonata(expression)).evaluate(None)


@functools.lru_cache(maxsize=64)
def _compile(expression: str) -> jlens.Expression:
    return jlens.Expression(expression)


def _json_type(value: Any) -> str:
    """JSONata's ``$type`` of a JSON value (never a function: those never reach the cache)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Last(threading.local):
    """The last expression jlens evaluated in this thread and its JSON result.

    moto checks a string result by evaluating ``$type(<same text>)`` right after (and a null one by
    ``$exists(...)``): both are answered from here instead of evaluating the whole text again.
    """

    expression: str | None = None
    result: Any = None


_last = _Last()
_MISS = object()


def _from_last(expression: str) -> Any:
    last = _last.expression
    if last is None or not expression.endswith(")"):
        return _MISS
    if expression.startswith("$type(") and expression[6:-1] == last:
        return _json_type(_last.result)
    if expression.startswith("$exists(") and expression[8:-1] == last:
        return True
    return _MISS


def make_evaluator(exception_type: type[Exception], *, fast: bool = True) -> Callable[[str], Any]:
    """Build the hook: expression text in, JSON value out, moto's JSONataException on error.

    jlens (a Rust engine, ~50x faster than jsonata-python on our unmarshal expression) evaluates
    first. jsonata-python decides whenever jlens cannot give the answer the engine always gave:
    any jlens error (so error codes and words stay jsonata-python's, which our AWS causes are
    built from), and a null or undefined result (jlens tells neither those two apart nor a
    function from undefined; jsonata-python rejects functions as results). Both are rare paths.
    ``fast=False`` gives the jsonata-python-only evaluator (the benches compare the two).
    """

    def evaluate_python(expression: str) -> Any:
        try:
            result = _evaluate_python(expression)
        except Exception as exc:  # jsonata-python raises JException (a RuntimeError) and others
            code = getattr(exc, "error", None)
            message = f"{code}: {exc}" if isinstance(code, str) and code else str(exc)
            raise exception_type("UNKNOWN", message) from exc
        try:
            return _to_json(result)
        except _Unsupported as exc:
            raise exception_type(
                "UNSUPPORTED", f"the JSONata expression returned an unsupported result type ({exc})"
            ) from exc

    def evaluate(expression: str) -> Any:
        if not fast:
            _last.expression = None
            return evaluate_python(expression)
        answer = _from_last(expression)
        if answer is not _MISS:
            return answer
        _last.expression = None
        try:
            result = _compile(expression).evaluate(None, jsonata_functions.JLENS_BINDINGS)
        except Exception:  # noqa: BLE001 - jsonata-python decides (and words) every failure
            result = None
        if result is None:
            return evaluate_python(expression)
        try:
            result = _to_json(result)
        except _Unsupported:
            return evaluate_python(expression)
        _last.expression, _last.result = expression, result
        return result

    return evaluate


def _encode_declarations(to_json_str: Callable[..., str]) -> Callable[[dict[str, Any]], str]:
    def encode(bindings: dict[str, Any]) -> str:
        return "".join(
            f"{ref}:={to_json_str(value, separators=(',', ':'))};" for ref, value in bindings.items()
        )

    return encode


def _query_error_wrapper(original: Callable[..., None], exception_type: type[Exception]) -> Callable[..., None]:
    """Report a JSONata evaluation failure as States.QueryEvaluationError (AWS's error name)."""
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
        StatesErrorName,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    @functools.wraps(original)
    def _eval_body(self: Any, env: Any) -> None:
        outer = getattr(_evaluating, "field", None)
        _evaluating.field = field_of(self)
        try:
            original(self, env)
        except exception_type as exc:
            error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
            details = EvaluationFailedEventDetails(
                error=error_name.error_name,
                cause=f"The JSONata expression '{self.expression}'{_specified_for(self)} "
                f"threw an error during evaluation. {getattr(exc, 'details', exc)}",
            )
            env.event_manager.add_event(
                context=env.event_history_context,
                event_type=HistoryEventType.EvaluationFailed,
                event_details=EventDetails(evaluationFailedEventDetails=details),
            )
            raise FailureEventException(
                failure_event=FailureEvent(
                    env=env,
                    error_name=error_name,
                    event_type=HistoryEventType.EvaluationFailed,
                    event_details=EventDetails(evaluationFailedEventDetails=details),
                )
            ) from exc
        finally:
            _evaluating.field = outer

    return mark(_eval_body, NAME, original)

_FIELD = "_workflows_field"
_evaluating = threading.local()


def field_path(ctx: Any, stop: type) -> str | None:
    """The keys from the enclosing state down to parse-tree node ``ctx``, joined with ``/``."""
    keys: list[str] = []
    node = ctx
    while node is not None and not isinstance(node, stop):
        if node.getChildCount() >= 3 and node.getChild(1).getText() == ":":
            try:
                key = json.loads(node.getChild(0).getText())
            except (TypeError, ValueError):
                key = None
            if isinstance(key, str) and (not keys or keys[-1] != key):
                keys.append(key)
        node = node.parentCtx
    return "/".join(reversed(keys)) or None


def field_of(string_jsonata: Any) -> str | None:
    return getattr(string_jsonata, _FIELD, None)


def _specified_for(string_jsonata: Any) -> str:
    field = field_of(string_jsonata)
    return f" specified for the field '{field}'" if field else ""


def _field_recorder(original: Callable[..., Any], stop: type) -> Callable[..., Any]:
    @functools.wraps(original)
    def visitString_jsonata(self: Any, ctx: Any) -> Any:
        string_jsonata = original(self, ctx)
        setattr(string_jsonata, _FIELD, field_path(ctx, stop))
        return string_jsonata

    return mark(visitString_jsonata, NAME, original)


def _output_check_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    """moto's "returned nothing"/"unsupported result type" checks, with the field named."""

    @functools.wraps(original)
    def validate_jsonata_expression_output(env: Any, expression: str, rich_jsonata_expression: str,
                                           jsonata_result: Any) -> None:
        field = getattr(_evaluating, "field", None)
        # moto uses ``expression`` only inside its messages: "The JSONata expression '<expression>' ..."
        named = f"{expression}' specified for the field '{field}" if field else expression
        original(env, named, rich_jsonata_expression, jsonata_result)

    return mark(validate_jsonata_expression_output, NAME, original)


def _timestamp_failure_wrapper(original: Callable[..., Any], string_jsonata: type) -> Callable[..., Any]:
    """An invalid JSONata Timestamp is a States.QueryEvaluationError (AWS, recorded)."""
    from moto.stepfunctions.parser.api import EvaluationFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    @functools.wraps(original)
    def _create_failure_event(self: Any, env: Any, timestamp_str: str) -> Any:
        if not isinstance(self.string, string_jsonata):
            return original(self, env, timestamp_str)
        error_name = StatesErrorName(typ=StatesErrorNameType.StatesQueryEvaluationError)
        details = EvaluationFailedEventDetails(
            error=error_name.error_name,
            cause="The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time "
            f"format string: {timestamp_str}",
            location="Timestamp",
        )
        event_details = EventDetails(evaluationFailedEventDetails=details)
        env.event_manager.add_event(
            context=env.event_history_context,
            event_type=HistoryEventType.EvaluationFailed,
            event_details=event_details,
        )
        return FailureEvent(env=env, error_name=error_name, event_type=HistoryEventType.EvaluationFailed,
                            event_details=event_details)

    return mark(_create_failure_event, NAME, original)


def install() -> None:
    """Wire moto's JSONata hook to jsonata-python (idempotent)."""
    module = import_module(NAME, _JSONATA_MODULE)
    require_attr(NAME, module, "_eval_jsonata")
    exception_type = require_attr(NAME, module, "JSONataException")
    original_encode = require_attr(NAME, module, "encode_jsonata_variable_declarations")
    to_json_str = require_attr(NAME, module, "to_json_str")
    strings = import_module(NAME, _STRING_EXPR_MODULE)

    # moto's own contract: the hook is filled only when None (a filled hook is left alone).
    if module._eval_jsonata is None:
        module._eval_jsonata = mark(make_evaluator(exception_type), NAME, None)

    if not is_patched(original_encode, NAME):
        # Import the users of the encoder first so that every by-name reference is rebound.
        import_module(NAME, "moto.stepfunctions.parser.asl.eval.states")
        import_module(NAME, "moto.stepfunctions.parser.asl.eval.variable_store")
        encoder = mark(_encode_declarations(to_json_str), NAME, original_encode)
        rebound = replace_references("moto.stepfunctions", original_encode, encoder)
        if not rebound:
            raise EngineAdaptationError(NAME, "no module references encode_jsonata_variable_declarations")

    for class_name in ("StringJSONata", "StringVariableSample"):
        cls = require_attr(NAME, strings, class_name)
        body = require_attr(NAME, cls, "_eval_body")
        if not is_patched(body, NAME):
            cls._eval_body = _query_error_wrapper(body, exception_type)

    preprocessor = require_attr(NAME, import_module(NAME, _PREPROCESSOR_MODULE), "Preprocessor")
    state_body = require_attr(NAME, import_module(NAME, _PARSER_MODULE).ASLParser, "State_decl_bodyContext")
    visit = require_attr(NAME, preprocessor, "visitString_jsonata")
    if not is_patched(visit, NAME):
        preprocessor.visitString_jsonata = _field_recorder(visit, state_body)
    check = require_attr(NAME, strings, "validate_jsonata_expression_output")
    if not is_patched(check, NAME):
        strings.validate_jsonata_expression_output = _output_check_wrapper(check)
    timestamp_cls = require_attr(NAME, import_module(NAME, _TIMESTAMP_MODULE), "Timestamp")
    failure = require_attr(NAME, timestamp_cls, "_create_failure_event")
    if not is_patched(failure, NAME):
        timestamp_cls._create_failure_event = _timestamp_failure_wrapper(
            failure, require_attr(NAME, strings, "StringJSONata"))
