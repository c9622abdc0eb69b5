"""What AWS's TestState refuses before it runs a state, and the ``context`` it is given (test_state's helpers).

The words are AWS's (its API's answers, recorded; see tests/local/test_test_state.py); the rules are
those of https://docs.aws.amazon.com/step-functions/latest/dg/test-state-isolation.html and
https://docs.aws.amazon.com/step-functions/latest/apireference/API_TestState.html.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Callable

from workflows.local.adaptations._test_state_mock_shapes import validate_mock_result

MAP_OR_PARALLEL = ("Map", "Parallel")
NO_MOCK_STATE_TYPES = ("Pass", "Fail", "Succeed")
HTTP_TASK = "arn:aws:states:::http:invoke"
# AWS's words, as its API answers them (recorded responses, see tests/local/test_test_state.py).
UNSUPPORTED_MAP_PARALLEL = ("TestState API does not support Map or Parallel states. "
                            "Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]")
CONTEXT_FIELDS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "Execution": {"Id": str, "Input": object, "Name": str, "RoleArn": str, "StartTime": str,
                  "RedriveCount": int, "RedriveTime": str},
    "State": {"EnteredTime": str, "Name": str, "RetryCount": int},
    "StateMachine": {"Id": str, "Name": str},
    "Task": {"Token": str},
}



def json_field(value: Any, field: str, invalid: type[Exception]) -> Any:
    """``value`` parsed as JSON, or ``invalid`` naming the request field."""
    try:
        return json.loads(value)
    except (TypeError, ValueError) as exc:
        raise invalid(f"Invalid JSON in '{field}': {exc}") from exc


def state_json(state_definition: str) -> dict[str, Any]:
    try:
        state = json.loads(state_definition)
    except ValueError:
        return {}  # the validator names the JSON error in AWS's words
    return state if isinstance(state, dict) else {}


def _inner_state_names(state: dict[str, Any]) -> set[str]:
    """Every state name inside a Map's ItemProcessor/Iterator or a Parallel's Branches (nested too)."""
    names: set[str] = set()
    machines = list(state.get("Branches") or [])
    for key in ("ItemProcessor", "Iterator"):
        if isinstance(state.get(key), dict):
            machines.append(state[key])
    for machine in machines:
        for name, inner in ((machine or {}).get("States") or {}).items():
            names.add(name)
            if isinstance(inner, dict):
                names |= _inner_state_names(inner)
    return names


def _is_callback_task(state: dict[str, Any]) -> bool:
    resource = state.get("Resource")
    return state.get("Type") == "Task" and isinstance(resource, str) and (
        resource.endswith(".sync") or ".sync:" in resource or resource.endswith(".waitForTaskToken"))


def check_context(context: Any, state: dict[str, Any], invalid: type[Exception]) -> dict[str, Any]:
    """The ``context`` override as AWS accepts it, or AWS's "Invalid Context object provided: ..." error."""
    prefix = "Invalid Context object provided: "
    if not isinstance(context, dict):
        raise invalid(prefix + "the Context object must be a JSON object")
    for field, value in context.items():
        if field == "Map":
            raise invalid(prefix + "'Map' field is not supported when mocking a Context object")
        if field not in CONTEXT_FIELDS:
            raise invalid(prefix + f"Field '{field}' is not allowed")
        if not isinstance(value, dict):
            raise invalid(prefix + f"{field} must be an object")
        for name, item in value.items():
            expected = CONTEXT_FIELDS[field].get(name)
            if expected is None:
                raise invalid(prefix + f"Field '{name}' is not allowed")
            if expected is not object and (not isinstance(item, expected) or isinstance(item, bool)):
                kind = "a string" if expected is str else "an integer"
                raise invalid(prefix + f"{field}.{name} must be {kind}")
    if "Task" in context and not _is_callback_task(state):
        raise invalid(prefix + "Context object contains 'Task' when state is not a Task state with a "
                               "'.sync' or '.waitForTaskToken' service integration pattern")
    return context


def check_item_batcher(state: dict[str, Any], invalid: type[Exception],
                       invalid_definition: Callable[[str], Exception]) -> None:
    """A tested Map's ``ItemBatcher`` as the local engine can apply it (literal or ``...Path`` limits,
    a JSONPath ``BatchInput``); AWS's own limits (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html)."""
    batcher = state.get("ItemBatcher") if state.get("Type") == "Map" else None
    if batcher is None:
        return
    prefix = "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: "
    if not isinstance(batcher, dict):
        raise invalid_definition(prefix + "ItemBatcher must be an object at /ItemBatcher'")
    for field, high in (("MaxItemsPerBatch", None), ("MaxInputBytesPerBatch", 262144)):
        value = batcher.get(field)
        if isinstance(value, str) and value.strip().startswith("{%"):
            raise invalid(f"The local engine does not evaluate JSONata in ItemBatcher.{field}: use a number")
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1
                                  or (high is not None and value > high)):
            bounds = f"between 1 and {high}" if high else "of at least 1"
            raise invalid_definition(prefix + f"The value for '{field}' must be an integer {bounds} "
                                     f"at /ItemBatcher/{field}'")

    def local_only(template: Any) -> bool:
        if isinstance(template, dict):
            return any((key.endswith(".$") and isinstance(value, str) and not value.startswith("$"))
                       or local_only(value) for key, value in template.items())
        if isinstance(template, list):
            return any(local_only(item) for item in template)
        return isinstance(template, str) and template.strip().startswith("{%")

    if local_only(batcher.get("BatchInput")):
        raise invalid("The local engine evaluates ItemBatcher.BatchInput paths ('key.$': '$...') only, "
                      "not intrinsic functions or JSONata")


def check_request(state: dict[str, Any], mock: dict[str, Any] | None, context: str | None,
                  reveal_secrets: bool | None, configuration: dict[str, Any],
                  invalid: type[Exception], invalid_definition: Callable[[str], Exception]) -> tuple[Any, Any]:
    """Refuse what AWS's TestState refuses before running; return (mocked result, context override)."""
    kind = state.get("Type")
    check_item_batcher(state, invalid, invalid_definition)
    if mock is None and kind == "Task" and str(state.get("Resource", "")).startswith(HTTP_TASK):
        raise invalid("The local engine calls no HTTP endpoint: test an HTTP Task with a mock "
                      "(its result or errorOutput stands for the endpoint's answer)")
    if mock is None:
        if kind in MAP_OR_PARALLEL:
            raise invalid_definition(UNSUPPORTED_MAP_PARALLEL)
        if context is not None:
            raise invalid("context may only be specified if a mock is specified in the same request")
        return None, None
    if ("result" in mock) == ("errorOutput" in mock):
        raise invalid("A test mock should have only one of the following fields: [result, errorOutput].")
    if kind in NO_MOCK_STATE_TYPES:
        raise invalid(f"State type '{kind}' is not supported when a mock is specified")
    if reveal_secrets:
        raise invalid("TestState does not support RevealSecrets when a mock is specified.")
    result = json_field(mock["result"], "mock.result", invalid) if "result" in mock else None
    validate_mock_result(state.get("Resource") if kind == "Task" and "result" in mock else None,
                         result, mock.get("fieldValidationMode"), invalid)
    if "result" in mock and kind == "Map":
        if state.get("ResultWriter") is not None and not isinstance(result, dict):
            raise invalid("Mocked result must be a JSON object.")
        if state.get("ResultWriter") is None and not isinstance(result, list):
            raise invalid("Mocked result must be an array.")
    if "result" in mock and kind == "Parallel":
        if not isinstance(result, list):
            raise invalid("Mocked result must be an array.")
        if len(result) != len(state.get("Branches") or []):
            raise invalid("Mocked result must contain the same number of items as number of Parallel branches.")
    caused_by = configuration.get("errorCausedByState")
    if caused_by is not None:
        if kind not in MAP_OR_PARALLEL or "errorOutput" not in mock:
            raise invalid("errorCausedByState is only valid when an error is mocked for a Map or Parallel state")
        if caused_by not in _inner_state_names(state):
            raise invalid(f"errorCausedByState '{caused_by}' is not a state of the Map or Parallel state under test")
    override = check_context(json_field(context, "context", invalid), state, invalid) if context is not None else None
    return result, override


class _Pinned(dict):  # type: ignore[type-arg]
    """A Context object field given by the test: moto's writes into it are dropped, copies are plain,
    and what the test left out of it moto still reads from its own (``Execution.Input`` for frames)."""

    def __init__(self, given: dict[str, Any], hidden: Any):
        super().__init__(given)
        self.hidden = hidden if isinstance(hidden, dict) else {}

    def __missing__(self, key: Any) -> Any:
        return self.hidden[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return copy.deepcopy(dict(self), memo)


class ContextOverride(dict):  # type: ignore[type-arg]
    """The Context object of a TestState run with ``context``: it shows exactly the given object.

    moto keeps its own bookkeeping in the context (``State`` on entry, ``RetryCount``, ``Task`` for
    callbacks). Fields the test gave are pinned (moto's writes dropped); fields it did not give are
    kept aside in ``hidden``, still readable by moto (``__missing__``) but not part of ``$$``.
    """

    def __init__(self, given: dict[str, Any], hidden: dict[str, Any]):
        super().__init__({k: _Pinned(copy.deepcopy(v), hidden.get(k)) if isinstance(v, dict) else copy.deepcopy(v)
                          for k, v in given.items()})
        self.hidden = hidden

    def __missing__(self, key: Any) -> Any:
        return self.hidden[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        if not dict.__contains__(self, key):
            self.hidden[key] = value

    def pop(self, key: Any, *default: Any) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        return self.hidden.pop(key, *default)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}
