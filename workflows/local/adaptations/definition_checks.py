"""Adaptation: CreateStateMachine/UpdateStateMachine refuse what AWS refuses, in AWS's words.

moto 5.2.5 only parses a definition: a ``Next`` naming no state or a state nothing reaches is
accepted (the first fails at run time with ``ValueError(No such state None.)``), and what the
parser refuses comes back as ``Error=ValueError Args=[...] in definition '...'`` or an ANTLR
position. AWS answers ``InvalidDefinition`` with one message listing every problem::

    Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at
    /States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2'

We check, in this order, as AWS does: the text is JSON (``INVALID_JSON_DESCRIPTION``); a few
schema rules whose AWS wording is known (``SCHEMA_VALIDATION_FAILED``: required top-level fields,
a state's ``Type``); then moto's parser (its refusals re-worded as ``SCHEMA_VALIDATION_FAILED``);
then, per scope (the machine, each Parallel branch, each Map's ItemProcessor/Iterator), the graph:
every StartAt/Next/Default/Choices Next/Catch Next names a state of the scope
(``MISSING_TRANSITION_TARGET: Missing 'Next' target``), every state other than StartAt is named by
one of them (``... State "X" is not reachable.``; AWS counts targets, it does not walk from
StartAt), and the scope has a terminal state (``MISSING_END_STATE``, which then stands alone for
that scope). The engine cannot use ``workflows.core``'s validator (layering), hence this small copy.
"""

from __future__ import annotations

import functools
import json
from typing import Any, Callable, Iterator

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "definition_checks"
_MODELS = "moto.stepfunctions.parser.models"
_API = "moto.stepfunctions.parser.api"
STATE_TYPES = ("Task", "Wait", "Pass", "Succeed", "Fail", "Choice", "Parallel", "Map")
_TERMINAL_TYPES = ("Succeed", "Fail")

Diagnostic = tuple[str, str, str]  # (code, message, location)


def _schema(definition: Any) -> list[Diagnostic]:
    if not isinstance(definition, dict):
        return [("SCHEMA_VALIDATION_FAILED", "The definition must be a JSON object", "/")]
    problems: list[Diagnostic] = []
    for scope, location in _scopes(definition, ""):
        missing = [field for field in ("StartAt", "States") if field not in scope]
        if missing:
            problems.append(("SCHEMA_VALIDATION_FAILED", f"These fields are required: [{', '.join(missing)}]",
                             location or "/"))
            continue
        states = scope.get("States")
        if not isinstance(states, dict):
            continue
        for name, state in states.items():
            where = f"{location}/States/{name}"
            if not isinstance(state, dict) or "Type" not in state:
                problems.append(("SCHEMA_VALIDATION_FAILED", "These fields are required: [Type]", where))
            elif state["Type"] not in STATE_TYPES:
                problems.append(("SCHEMA_VALIDATION_FAILED",
                                 f"The field 'Type' should have one of these values: [{', '.join(STATE_TYPES)}]",
                                 f"{where}/Type"))
    return problems


def _scopes(scope: Any, location: str) -> Iterator[tuple[dict[str, Any], str]]:
    """The machine and every nested StartAt/States scope, with their JSON-pointer locations."""
    if not isinstance(scope, dict):
        return
    yield scope, location
    states = scope.get("States")
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        where = f"{location}/States/{name}"
        for index, branch in enumerate(state.get("Branches") or []):
            yield from _scopes(branch, f"{where}/Branches[{index}]")
        for field in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(field), dict):
                yield from _scopes(state[field], f"{where}/{field}")


def _transitions(name: str, state: dict[str, Any], where: str) -> Iterator[tuple[str, str]]:
    """(target, location) for every transition a state declares."""
    if isinstance(state.get("Next"), str):
        yield state["Next"], f"{where}/Next"
    for index, choice in enumerate(state.get("Choices") or []):
        if isinstance(choice, dict) and isinstance(choice.get("Next"), str):
            yield choice["Next"], f"{where}/Choices[{index}]/Next"
    if isinstance(state.get("Default"), str):
        yield state["Default"], f"{where}/Default"
    for index, catcher in enumerate(state.get("Catch") or []):
        if isinstance(catcher, dict) and isinstance(catcher.get("Next"), str):
            yield catcher["Next"], f"{where}/Catch[{index}]/Next"


def _graph(scope: dict[str, Any], location: str) -> list[Diagnostic]:
    states = scope.get("States")
    if not isinstance(states, dict):
        return []
    missing: list[Diagnostic] = []
    targeted = {scope.get("StartAt")}
    if scope.get("StartAt") not in states:
        missing.append(("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {scope.get('StartAt')}",
                        f"{location}/StartAt"))
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        for target, where in _transitions(name, state, f"{location}/States/{name}"):
            targeted.add(target)
            if target not in states:
                missing.append(("MISSING_TRANSITION_TARGET", f"Missing 'Next' target: {target}", where))
    terminal = any(
        isinstance(state, dict) and (state.get("End") is True or state.get("Type") in _TERMINAL_TYPES)
        for state in states.values()
    )
    if not terminal:
        return [*missing, ("MISSING_END_STATE", "Workflow has no terminal state", "null")]
    unreachable = [
        ("MISSING_TRANSITION_TARGET", f'State "{name}" is not reachable.', f"{location}/States/{name}")
        for name in states
        if name not in targeted
    ]
    return missing + unreachable


def graph_problems(definition: dict[str, Any]) -> list[Diagnostic]:
    """Transition problems of every scope of a (schema-valid) definition."""
    problems: list[Diagnostic] = []
    for scope, location in _scopes(definition, ""):
        problems.extend(_graph(scope, location))
    return problems


def message(problems: list[Diagnostic]) -> str:
    """AWS's InvalidDefinition message for ``problems``."""
    listed = ", ".join(f"{code}: {text} at {location}" for code, text, location in problems)
    return f"Invalid State Machine Definition: '{listed}'"


def _parser_detail(error: Exception) -> str:
    """What moto's parser said, without Python's wrapping (``Error=ValueError Args=[...]``)."""
    text = str(getattr(error, "message", "") or error)
    if text.startswith("Error=") and " Args=[" in text:
        args = text.split(" Args=[", 1)[1].rsplit("] in definition", 1)[0]
        text = args.strip("'\"")
    return text.removeprefix("ASLParserException ").strip()


def _validation_wrapper(original: Callable[[str], None], invalid: type[Exception]) -> Callable[[str], None]:
    @functools.wraps(original)
    def _validate_definition(definition: str) -> None:
        try:
            parsed = json.loads(definition)
        except (TypeError, ValueError) as exc:
            raise invalid(message=message([("INVALID_JSON_DESCRIPTION", str(exc), "null")])) from None
        problems = _schema(parsed)
        if problems:
            raise invalid(message=message(problems))
        try:
            original(definition)
        except invalid as exc:
            raise invalid(message=message([("SCHEMA_VALIDATION_FAILED", _parser_detail(exc), "/")])) from None
        problems = graph_problems(parsed)
        if problems:
            raise invalid(message=message(problems))

    return mark(_validate_definition, NAME, original)


def install() -> None:
    """Check definitions at create and update time as AWS does (idempotent)."""
    backend = require_attr(NAME, import_module(NAME, _MODELS), "StepFunctionsParserBackend")
    validate = require_attr(NAME, backend, "_validate_definition")
    invalid = require_attr(NAME, import_module(NAME, _API), "InvalidDefinition")
    if not is_patched(validate, NAME):
        backend._validate_definition = staticmethod(_validation_wrapper(validate, invalid))
