"""Build-time validation of ASL definitions.

It runs on the emitted definition (a dict), so it judges exactly what would be deployed and can
also judge hand-written ASL. Every issue names the machine, the state path (``Outer/ItemProcessor/
Inner``) and the rule. It is one judge among three: the tests also run asl-validator and cfn-lint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator, Mapping

from .conditions import ALL_OPERATORS
from .errors import Issue
from .isolation import isolation_issues
from .jsonata import check_jsonata_string, is_jsonata
from .jsonpath import check_intrinsic, check_path, is_intrinsic
from .machine import PLACEHOLDER

if TYPE_CHECKING:
    from .machine import StateMachine

MAX_NAME = 80

_IO = {"InputPath", "OutputPath", "Output", "Assign"}
_RESULT = {"Parameters", "Arguments", "ResultSelector", "ResultPath", "Retry", "Catch"}
_TRANSITION = {"Next", "End"}
ALLOWED: dict[str, set[str]] = {
    "Pass": _IO | _TRANSITION | {"Parameters", "Result", "ResultPath"},
    "Task": _IO | _RESULT | _TRANSITION | {"Resource", "Credentials", "TimeoutSeconds", "TimeoutSecondsPath",
                                           "HeartbeatSeconds", "HeartbeatSecondsPath"},
    "Choice": _IO | {"Choices", "Default"},
    "Wait": _IO | _TRANSITION | {"Seconds", "SecondsPath", "Timestamp", "TimestampPath"},
    "Succeed": {"InputPath", "OutputPath", "Output"},
    "Fail": {"Error", "ErrorPath", "Cause", "CausePath"},
    "Parallel": _IO | _RESULT | _TRANSITION | {"Branches"},
    "Map": _IO | _RESULT | _TRANSITION | {
        "ItemProcessor", "Iterator", "ItemsPath", "Items", "ItemSelector", "ItemReader", "ItemBatcher",
        "ResultWriter", "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage",
        "ToleratedFailurePercentagePath", "ToleratedFailureCount", "ToleratedFailureCountPath", "Label"},
}
COMMON = {"Type", "Comment", "QueryLanguage"}
JSONPATH_ONLY = {"InputPath", "OutputPath", "Parameters", "ResultSelector", "ResultPath", "Result", "ItemsPath",
                 "SecondsPath", "TimestampPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "ErrorPath",
                 "CausePath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath",
                 "Iterator"}
JSONATA_ONLY = {"Arguments", "Output", "Items"}
# Fields whose value is a path (JSONPath mode); True = must be a Reference Path.
PATH_FIELDS = {"InputPath": False, "OutputPath": False, "ItemsPath": False, "ResultPath": True,
               "SecondsPath": True, "TimestampPath": True, "TimeoutSecondsPath": True,
               "HeartbeatSecondsPath": True, "MaxConcurrencyPath": True, "ToleratedFailurePercentagePath": True,
               "ToleratedFailureCountPath": True}
# Fields holding payload templates whose ``.$`` keys are evaluated.
TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Arguments", "Output", "Assign",
                   "Credentials", "ItemReader", "ItemBatcher", "ResultWriter")


class _Context:
    def __init__(self, machine: str) -> None:
        self.machine = machine
        self.issues: list[Issue] = []
        self.names: dict[str, str] = {}

    def add(self, path: str, rule: str, message: str) -> None:
        self.issues.append(Issue(self.machine, path, rule, message))


def validate_definition(definition: Mapping[str, Any], machine: str = "<definition>", *,
                        placeholders: Mapping[str, str] | None = None,
                        tenant_scoped: bool = False) -> list[Issue]:
    """Every issue found in an ASL definition, in a stable order."""
    ctx = _Context(machine)
    top_ql = definition.get("QueryLanguage", "JSONPath")
    if top_ql not in ("JSONPath", "JSONata"):
        ctx.add("", "query-language", f"QueryLanguage must be JSONPath or JSONata, not {top_ql!r}")
        top_ql = "JSONPath"
    _check_level(ctx, definition, "", top_ql)
    if placeholders is not None:
        _check_placeholders(ctx, definition, placeholders)
    if tenant_scoped:
        _check_isolation(ctx, definition)
    return ctx.issues


def validate_machine(machine: "StateMachine") -> list[Issue]:
    return validate_definition(machine.to_asl(), machine.name, placeholders=machine.placeholders,
                               tenant_scoped=machine.tenant_scoped)


def iter_states(definition: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every state at every level, with its path."""
    for name, state in (definition.get("States") or {}).items():
        path = f"{prefix}{name}"
        yield path, state
        if not isinstance(state, Mapping):
            continue
        for i, branch in enumerate(state.get("Branches") or []):
            yield from iter_states(branch, f"{path}/Branches[{i}]/")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), Mapping):
                yield from iter_states(state[key], f"{path}/{key}/")


def _targets(state: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    if "Next" in state:
        yield "Next", state["Next"]
    if "Default" in state:
        yield "Default", state["Default"]
    for i, rule in enumerate(state.get("Choices") or []):
        if isinstance(rule, Mapping) and "Next" in rule:
            yield f"Choices[{i}].Next", rule["Next"]
    for i, catcher in enumerate(state.get("Catch") or []):
        if isinstance(catcher, Mapping) and "Next" in catcher:
            yield f"Catch[{i}].Next", catcher["Next"]


def _check_level(ctx: _Context, level: Mapping[str, Any], prefix: str, query_language: str) -> None:
    states = level.get("States")
    where = prefix.rstrip("/") or "(machine)"
    if not isinstance(states, Mapping) or not states:
        ctx.add(where, "states", "States must be a non-empty object")
        return
    start = level.get("StartAt")
    if start not in states:
        ctx.add(where, "unknown-target", f"StartAt {start!r} is not a state at this level")
    for name, state in states.items():
        path = f"{prefix}{name}"
        if len(name) > MAX_NAME:
            ctx.add(path, "state-name-length", f"state name is {len(name)} characters; the limit is {MAX_NAME}")
        if name in ctx.names:
            ctx.add(path, "duplicate-name", f"state name {name!r} is used again (also at {ctx.names[name]})")
        else:
            ctx.names[name] = path
        if not isinstance(state, Mapping):
            ctx.add(path, "state", "a state must be an object")
            continue
        _check_state(ctx, state, path, query_language)
        for label, target in _targets(state):
            if target not in states:
                ctx.add(path, "unknown-target", f"{label} {target!r} is not a state at this level")
    _check_graph(ctx, states, start, prefix)


def _check_graph(ctx: _Context, states: Mapping[str, Any], start: Any, prefix: str) -> None:
    edges = {name: [t for _, t in _targets(s) if t in states] if isinstance(s, Mapping) else []
             for name, s in states.items()}
    if start in states:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        for name in states:
            if name not in seen:
                ctx.add(f"{prefix}{name}", "unreachable", "no path from StartAt reaches this state")
    # A state with an unknown target was already reported; do not report it again as an endless loop.
    terminal = {name for name, s in states.items() if isinstance(s, Mapping) and
                (s.get("End") is True or s.get("Type") in ("Succeed", "Fail") or
                 any(t not in states for _, t in _targets(s)))}
    reverse: dict[str, list[str]] = {name: [] for name in states}
    for src, targets in edges.items():
        for dst in targets:
            reverse[dst].append(src)
    ends, todo = set(terminal), list(terminal)
    while todo:
        for prev in reverse[todo.pop()]:
            if prev not in ends:
                ends.add(prev)
                todo.append(prev)
    for name in states:
        if name not in ends:
            ctx.add(f"{prefix}{name}", "no-terminal", "no path from this state reaches an end (an endless loop)")


def _check_state(ctx: _Context, state: Mapping[str, Any], path: str, inherited_ql: str) -> None:
    kind = state.get("Type")
    if kind not in ALLOWED:
        ctx.add(path, "state-type", f"unknown Type {kind!r}")
        return
    ql = state.get("QueryLanguage", inherited_ql)
    if ql not in ("JSONPath", "JSONata"):
        ctx.add(path, "query-language", f"QueryLanguage must be JSONPath or JSONata, not {ql!r}")
        ql = inherited_ql
    if inherited_ql == "JSONata" and ql == "JSONPath":
        ctx.add(path, "query-language", "a state cannot use JSONPath when the machine uses JSONata")
    for key in state:
        if key not in ALLOWED[kind] and key not in COMMON:
            ctx.add(path, "field-not-allowed", f"{kind} states have no field {key}")
        elif ql == "JSONata" and key in JSONPATH_ONLY:
            ctx.add(path, "field-query-language", f"{key} is a JSONPath field; in JSONata use Arguments/Output")
        elif ql == "JSONPath" and key in JSONATA_ONLY:
            ctx.add(path, "field-query-language", f"{key} is a JSONata field; set QueryLanguage to JSONata")
    # Next / End
    if kind in ("Choice", "Succeed", "Fail"):
        for key in ("Next", "End"):
            if key in state:
                ctx.add(path, "next-end", f"a {kind} state cannot have {key}")
    else:
        has_next, has_end = "Next" in state, state.get("End") is True
        if has_next and has_end:
            ctx.add(path, "next-end", "a state cannot have both Next and End")
        elif not has_next and not has_end:
            ctx.add(path, "next-end", "a state needs Next or End: true")
    # Paths
    for key, reference in PATH_FIELDS.items():
        if key in state and ql == "JSONPath" and state[key] is not None:
            error = check_path(state[key], reference=reference, allow_context=not reference)
            if error:
                ctx.add(path, "reference-path" if reference and str(state[key]).startswith("$")
                        else "jsonpath-syntax", f"{key}: {error}")
    for key in ("ErrorPath", "CausePath"):
        if key in state and ql == "JSONPath":
            value = state[key]
            error = check_intrinsic(value) if is_intrinsic(value) else check_path(value)
            if error:
                ctx.add(path, "intrinsic-arity" if is_intrinsic(value) else "jsonpath-syntax", f"{key}: {error}")
    # Templates
    for key in TEMPLATE_FIELDS:
        if key in state:
            _check_template(ctx, state[key], path, key, ql)
    for key in ("Seconds", "Timestamp", "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency", "Items",
                "Error", "Cause", "ToleratedFailurePercentage", "ToleratedFailureCount"):
        if key in state:
            _check_template(ctx, state[key], path, key, ql)
    if kind == "Choice":
        _check_choices(ctx, state, path, ql)
    if kind in ("Task", "Parallel", "Map"):
        for i, catcher in enumerate(state.get("Catch") or []):
            if isinstance(catcher, Mapping):
                if "ResultPath" in catcher and catcher["ResultPath"] is not None:
                    error = check_path(catcher["ResultPath"], reference=True, allow_context=False)
                    if error:
                        ctx.add(path, "reference-path", f"Catch[{i}].ResultPath: {error}")
                for key in ("Output", "Assign"):
                    if key in catcher:
                        _check_template(ctx, catcher[key], path, f"Catch[{i}].{key}", ql)
    if kind == "Task":
        creds = state.get("Credentials")
        if creds is not None and not (isinstance(creds, Mapping) and ("RoleArn" in creds or "RoleArn.$" in creds)):
            ctx.add(path, "credentials", "Credentials needs RoleArn (or RoleArn.$)")
    if kind == "Parallel":
        for i, branch in enumerate(state.get("Branches") or []):
            _check_level(ctx, branch, f"{path}/Branches[{i}]/", ql)
        if not state.get("Branches"):
            ctx.add(path, "parallel-branches", "a Parallel state needs at least one branch")
    if kind == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, Mapping):
            _check_level(ctx, processor, f"{path}/{'ItemProcessor' if 'ItemProcessor' in state else 'Iterator'}/",
                         ql)
        else:
            ctx.add(path, "map-processor", "a Map state needs an ItemProcessor")


def _check_template(ctx: _Context, value: Any, path: str, where: str, ql: str) -> None:
    if isinstance(value, str):
        if is_jsonata(value):
            if ql != "JSONata":
                ctx.add(path, "field-query-language", f"{where}: '{{% %}}' needs QueryLanguage JSONata")
            else:
                error = check_jsonata_string(value)
                if error:
                    ctx.add(path, "jsonata-syntax", f"{where}: {error}")
        elif "{%" in value or "%}" in value:
            ctx.add(path, "jsonata-syntax", f"{where}: unbalanced '{{%'/'%}}' in {value!r}")
        return
    if isinstance(value, list):
        for i, item in enumerate(value):
            _check_template(ctx, item, path, f"{where}[{i}]", ql)
        return
    if not isinstance(value, Mapping):
        return
    for key, sub in value.items():
        here = f"{where}.{key}"
        if isinstance(key, str) and key.endswith(".$"):
            if ql == "JSONata":
                ctx.add(path, "field-query-language", f"{here}: '.$' keys are JSONPath; in JSONata use '{{% %}}'")
            elif not isinstance(sub, str):
                ctx.add(path, "dollar-key", f"{here}: a '.$' key needs a path or intrinsic string")
            elif is_intrinsic(sub):
                error = check_intrinsic(sub)
                if error:
                    ctx.add(path, "intrinsic-arity", f"{here}: {error}")
            else:
                error = check_path(sub)
                if error:
                    ctx.add(path, "dollar-key", f"{here}: {error}")
        else:
            _check_template(ctx, sub, path, here, ql)


def _check_choices(ctx: _Context, state: Mapping[str, Any], path: str, ql: str) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list) or not choices:
        ctx.add(path, "choice-rule", "a Choice state needs a non-empty Choices list")
        return
    for i, rule in enumerate(choices):
        where = f"Choices[{i}]"
        if not isinstance(rule, Mapping):
            ctx.add(path, "choice-rule", f"{where} must be an object")
            continue
        if "Next" not in rule:
            ctx.add(path, "choice-rule", f"{where} needs Next")
        if ql == "JSONata":
            if "Condition" not in rule:
                ctx.add(path, "choice-rule", f"{where}: a JSONata Choice rule needs Condition")
            else:
                _check_template(ctx, rule["Condition"], path, f"{where}.Condition", ql)
            for key in ("Output", "Assign"):
                if key in rule:
                    _check_template(ctx, rule[key], path, f"{where}.{key}", ql)
        else:
            if "Condition" in rule:
                ctx.add(path, "field-query-language", f"{where}: Condition is JSONata; use Variable and an operator")
            _check_rule(ctx, rule, path, where)
            if "Assign" in rule:
                _check_template(ctx, rule["Assign"], path, f"{where}.Assign", ql)


def _check_rule(ctx: _Context, rule: Mapping[str, Any], path: str, where: str) -> None:
    for op in ("And", "Or"):
        if op in rule:
            for j, sub in enumerate(rule[op] or []):
                _check_rule(ctx, sub, path, f"{where}.{op}[{j}]")
            return
    if "Not" in rule:
        _check_rule(ctx, rule["Not"], path, f"{where}.Not")
        return
    ops = [k for k in rule if k in ALL_OPERATORS]
    if len(ops) != 1:
        ctx.add(path, "choice-rule", f"{where} needs exactly one comparison operator, found {ops or 'none'}")
    variable = rule.get("Variable")
    error = check_path(variable) if isinstance(variable, str) else "Variable is missing"
    if error:
        ctx.add(path, "jsonpath-syntax", f"{where}.Variable: {error}")
    for op in ops:
        if op.endswith("Path"):
            error = check_path(rule[op]) if isinstance(rule[op], str) else f"{op} needs a path"
            if error:
                ctx.add(path, "jsonpath-syntax", f"{where}.{op}: {error}")


def _check_placeholders(ctx: _Context, definition: Mapping[str, Any], declared: Mapping[str, str]) -> None:
    import json
    used = set(PLACEHOLDER.findall(json.dumps(definition)))
    for name in sorted(used - set(declared)):
        ctx.add("(machine)", "placeholder", f"placeholder ${{{name}}} is used but has no declared local default")
    for name in sorted(set(declared) - used):
        ctx.add("(machine)", "placeholder", f"placeholder ${{{name}}} is declared but never used")


def _check_isolation(ctx: _Context, definition: Mapping[str, Any]) -> None:
    """Tenant-scoped machines: every Task runs under the role the authorizer put in resolverContext,
    proved on the data flow (``isolation``), so that no state before a task can swap the role."""
    ctx.issues.extend(isolation_issues(definition, ctx.machine))
