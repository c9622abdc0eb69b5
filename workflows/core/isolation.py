"""Tenant isolation proved on the data flow, not on the text of ``RoleArn``.

Why: a tenant-scoped machine (an AppSync resolver) must run every task under the caller's tenant role,
the ``identity.resolverContext.tenantRoleArn`` that the Lambda authorizer put in the execution input.
Reading the text of ``Credentials.RoleArn`` is not enough: a Pass before the task can replace
``$.identity.resolverContext.tenantRoleArn`` (ResultPath), a Parameters/Output can rebuild ``identity``
from a literal, a variable can be assigned from ``$.arguments``. The text still says
``$.identity.resolverContext.tenantRoleArn``; the value is another role.

How: a small abstract interpretation. At every state on every path the analysis knows where the
untouched role lives: a set of locations in the state's data (``("identity", "resolverContext",
"tenantRoleArn")``, or ``("ctx", "tenantRoleArn")`` after a selector copied ``$.identity.resolverContext``
to ``ctx``) and a set of locations in variables. Each state's fields move, keep or drop those
locations; a field whose effect cannot be proved (an arbitrary JSONata expression, a non-reference
path) drops them. Where paths join, only what holds on every path is kept (set intersection), and
loops are iterated to the fixed point. A task passes when its ``RoleArn`` reads one of the locations
known at its input. The execution input itself (``$$.Execution.Input`` / ``$states.context.Execution.Input``)
cannot be changed by a state, so it is always trusted, except in the child executions of a
Distributed Map, whose execution input is the item.

Sound, not complete: when in doubt the location is dropped and the task is refused. Termination: the
sets at a state only shrink after its first visit (every transfer is monotone), and they are finite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator, Mapping, Union

from jsonata.parser import Parser as _Parser

from .errors import Issue
from .jsonata import is_jsonata, syntax_tree
from .jsonpath import is_intrinsic

RULE = "tenant-isolation"
#: Where the execution input carries the caller's tenant role (set by the Lambda authorizer).
ROLE: tuple[str, ...] = ("identity", "resolverContext", "tenantRoleArn")

Step = Union[str, int]
Loc = tuple[Step, ...]
Locs = frozenset[Loc]
VarLocs = frozenset[tuple[str, Loc]]
_NONE: Locs = frozenset()
_JSONPATH, _JSONATA = "JSONPath", "JSONata"


@dataclass(frozen=True)
class Trust:
    """Where the untouched role lives at one point of the flow: in the state's data, in variables."""

    doc: Locs = _NONE
    vars: VarLocs = frozenset()

    def meet(self, other: "Trust") -> "Trust":
        """What holds on both paths (a join point of the graph)."""
        return Trust(self.doc & other.doc, self.vars & other.vars)


@dataclass(frozen=True)
class _Env:
    """What an expression can read: the state's data (``$`` / ``$states.input``), its result, variables."""

    input: Locs
    vars: VarLocs
    exec_input: bool  # $$.Execution.Input is this execution's own input (not a Distributed Map child's)
    result: Locs = _NONE


def _shift(locs: Locs, prefix: Loc) -> Locs:
    """The locations inside the value found at ``prefix``."""
    n = len(prefix)
    return frozenset(loc[n:] for loc in locs if loc[:n] == prefix)


def _under(locs: Locs, prefix: Loc) -> set[Loc]:
    return {prefix + loc for loc in locs}


def _var(env: _Env, name: str) -> Locs:
    return frozenset(loc for var, loc in env.vars if var == name)


def _assign(old: VarLocs, values: Mapping[str, Locs]) -> VarLocs:
    kept = {(name, loc) for name, loc in old if name not in values}
    return frozenset(kept | {(name, loc) for name, locs in values.items() for loc in locs})


# -- JSONPath --------------------------------------------------------------------------------------
_STEP = re.compile(r"""\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]""")
_VARIABLE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _reference(text: str) -> tuple[str, str, Loc] | None:
    """``(root, variable, steps)`` of a plain path (``$.a[0]``, ``$$.Execution.Input.a``, ``$var.a``)."""
    if text.startswith("$$"):
        root, var, rest = "context", "", text[2:]
    else:
        match = _VARIABLE.match(text)
        if match:
            root, var, rest = "var", match.group(1), text[match.end():]
        elif text.startswith("$"):
            root, var, rest = "doc", "", text[1:]
        else:
            return None
    steps: list[Step] = []
    pos = 0
    while pos < len(rest):
        step = _STEP.match(rest, pos)
        if not step:
            return None  # filters, wildcards, slices, '..': the value is not one known place
        name, index, single, double = step.groups()
        steps.append(int(index) if index is not None else next(s for s in (name, single, double) if s is not None))
        pos = step.end()
    return root, var, tuple(steps)


def _path_value(text: Any, env: _Env) -> Locs:
    """Where the role is inside the value a JSONPath ``.$`` string (or InputPath/OutputPath) yields."""
    if not isinstance(text, str) or is_intrinsic(text):
        return _NONE  # an intrinsic builds a new value
    ref = _reference(text)
    if ref is None:
        return _NONE
    root, var, steps = ref
    if root == "doc":
        return _shift(env.input, steps)
    if root == "var":
        return _shift(_var(env, var), steps)
    if env.exec_input and steps[:2] == ("Execution", "Input"):
        return _shift(frozenset({ROLE}), steps[2:])
    return _NONE


def _template(value: Any, env: _Env) -> Locs:
    """Parameters / ResultSelector / ItemSelector / Assign values in JSONPath: ``.$`` keys are copied."""
    if not isinstance(value, Mapping):
        return _NONE  # literals, and arrays (not tracked)
    names = [k[:-2] if isinstance(k, str) and k.endswith(".$") else k for k in value]
    out: set[Loc] = set()
    for key, sub in value.items():
        name = key[:-2] if isinstance(key, str) and key.endswith(".$") else key
        if not isinstance(name, str) or names.count(name) > 1:
            continue  # "a" and "a.$" together: which one wins is not ours to guess
        inner = _path_value(sub, env) if name != key else _template(sub, env)
        out |= _under(inner, (name,))
    return frozenset(out)


def _select(locs: Locs, state: Mapping[str, Any], key: str, env: _Env) -> Locs:
    """InputPath / OutputPath: absent keeps everything, null keeps nothing, a path selects."""
    if key not in state:
        return locs
    return _path_value(state[key], _Env(locs, env.vars, env.exec_input))


def _place(raw: Locs, state: Mapping[str, Any], result: Locs) -> Locs:
    """ResultPath: absent or ``$`` -> the result; null -> the raw input; a path -> raw input + result there."""
    if "ResultPath" not in state:
        return result
    path = state["ResultPath"]
    if path is None:
        return raw
    ref = _reference(path) if isinstance(path, str) else None
    if ref is None or ref[0] != "doc":
        return _NONE
    steps = ref[2]
    n = len(steps)
    # a location survives only if it neither lies under the written path nor contains it
    kept = {loc for loc in raw if loc[:n] != steps and steps[:len(loc)] != loc}
    return frozenset(kept | _under(result, steps))


def _jsonpath_assign(assign: Any, envs: list[_Env]) -> dict[str, Locs]:
    """Variables an Assign sets (JSONPath): trusted only if trusted whatever ``$`` refers to."""
    values: dict[str, Locs] = {}
    if not isinstance(assign, Mapping):
        return values
    for key, sub in assign.items():
        if not isinstance(key, str):
            continue
        name = key[:-2] if key.endswith(".$") else key
        found = [_path_value(sub, env) if name != key else _template(sub, env) for env in envs]
        values[name] = frozenset.intersection(*found) if found else _NONE
    return values


# -- JSONata ---------------------------------------------------------------------------------------
_WRAPPED = re.compile(r"^\s*\{%(.*)%\}\s*$", re.DOTALL)
_BENIGN = {"id", "value", "bp", "lbp", "type", "position", "level", "_outer_instance"}


def _children(node: Any) -> Iterator[Any]:
    for key, value in vars(node).items():
        if key == "_outer_instance":
            continue
        stack = [value]
        while stack:
            item = stack.pop()
            if isinstance(item, _Parser.Symbol):
                yield item
            elif isinstance(item, (list, tuple)):
                stack.extend(item)


def _bound(node: Any) -> set[str]:
    """Every name the expression binds (``:=``, lambda parameters, ``@$x``, ``#$i``): those may shadow."""
    names: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if item.type == "bind" and isinstance(getattr(item, "lhs", None), _Parser.Symbol):
            names.add(str(item.lhs.value))
        if item.type == "lambda":
            names |= {str(arg.value) for arg in (item.arguments or []) if isinstance(arg, _Parser.Symbol)}
        for attr in ("focus", "index"):
            if isinstance(getattr(item, attr, None), str):
                names.add(getattr(item, attr))
        stack.extend(_children(item))
    return names


@lru_cache(maxsize=1024)
def _parse(expression: str) -> tuple[Any, frozenset[str]] | None:
    """The syntax tree of a ``{% %}`` string and the names it binds; None when it does not compile
    (the syntax rule reports that; here it carries nothing)."""
    match = _WRAPPED.match(expression)
    ast = syntax_tree(match.group(1).strip()) if match else None
    return None if ast is None else (ast, frozenset(_bound(ast)))


def _clean(node: Any, *allowed: str) -> bool:
    """True when the node has no attribute that would change its meaning (filters, grouping, focus...)."""
    return all(not value for key, value in vars(node).items() if key not in _BENIGN and key not in allowed)


def _index(stage: Any) -> int | None:
    expr = getattr(stage, "expr", None)
    if (stage.type == "filter" and _clean(stage, "expr") and isinstance(expr, _Parser.Symbol) and
            expr.type == "number" and _clean(expr) and isinstance(expr.value, int) and expr.value >= 0):
        return expr.value
    return None


def _jsonata_path(node: Any, env: _Env, bound: frozenset[str]) -> Locs:
    steps = node.steps if node.type == "path" and _clean(node, "steps") else [node]
    head = steps[0] if steps else None
    if not (isinstance(head, _Parser.Symbol) and head.type == "variable" and _clean(head)):
        return _NONE
    names: list[Step] = []
    for step in steps[1:]:
        if not (isinstance(step, _Parser.Symbol) and step.type == "name" and isinstance(step.value, str) and
                _clean(step, "stages")):
            return _NONE
        names.append(step.value)
        for stage in step.stages or []:
            index = _index(stage)
            if index is None:
                return _NONE
            names.append(index)
    variable = str(head.value)
    if variable in bound:
        return _NONE
    if variable != "states":
        return _shift(_var(env, variable), tuple(names)) if variable else _NONE
    if names[:1] == ["input"]:
        return _shift(env.input, tuple(names[1:]))
    if names[:1] == ["result"]:
        return _shift(env.result, tuple(names[1:]))
    if names[:3] == ["context", "Execution", "Input"] and env.exec_input:
        return _shift(frozenset({ROLE}), tuple(names[3:]))
    return _NONE


def _object_keys(node: Any) -> list[str] | None:
    """The keys of an object constructor with literal string keys, or None."""
    if not (node.type == "unary" and node.value == "{" and _clean(node, "lhs_object")):
        return None
    keys = []
    for pair in node.lhs_object or []:
        key = pair[0]
        if not (isinstance(key, _Parser.Symbol) and key.type == "string" and _clean(key)):
            return None
        keys.append(key.value)
    return keys


def _merge(node: Any, env: _Env, bound: frozenset[str]) -> Locs:
    """``$merge([a, b, ...])``: a location of one object survives unless a later object may set its key."""
    if "merge" in bound or len(node.arguments or []) != 1:
        return _NONE
    array = node.arguments[0]
    if not (array.type == "unary" and array.value == "[" and _clean(array, "expressions", "consarray")):
        return _NONE
    parts = list(array.expressions or [])
    out: set[Loc] = set()
    for i, part in enumerate(parts):
        later = [_object_keys(p) for p in parts[i + 1:]]
        if any(keys is None for keys in later):
            continue  # a later part of unknown shape may overwrite anything
        taken = {k for keys in later for k in keys or []}
        # only objects keep their keys: an array part is flattened into the list being merged
        out |= {loc for loc in _expr(part, env, bound) if loc and isinstance(loc[0], str) and loc[0] not in taken}
    return frozenset(out)


def _expr(node: Any, env: _Env, bound: frozenset[str]) -> Locs:
    """Where the role is inside the value of a JSONata expression; empty when it cannot be proved."""
    kind = node.type
    if kind in ("path", "variable"):
        return _jsonata_path(node, env, bound)
    if kind == "block" and _clean(node, "expressions") and node.expressions:
        return _expr(node.expressions[-1], env, bound)
    if kind == "condition" and _clean(node, "condition", "then", "_else"):
        then = _expr(node.then, env, bound)
        return then & _expr(node._else, env, bound) if node._else is not None else then
    keys = _object_keys(node)
    if keys is not None:
        out: set[Loc] = set()
        for key, (_, value) in zip(keys, node.lhs_object):
            if keys.count(key) == 1:
                out |= _under(_expr(value, env, bound), (key,))
        return frozenset(out)
    if (kind == "function" and _clean(node, "procedure", "arguments") and
            isinstance(node.procedure, _Parser.Symbol) and node.procedure.type == "variable" and
            node.procedure.value == "merge" and _clean(node.procedure)):
        return _merge(node, env, bound)
    return _NONE


def _jsonata_value(value: Any, env: _Env) -> Locs:
    """Output / Arguments / ItemSelector / Assign values in JSONata: ``{% %}`` strings inside JSON."""
    if isinstance(value, str):
        if not is_jsonata(value) or not (env.input or env.result or env.vars or env.exec_input):
            return _NONE
        parsed = _parse(value)
        return _expr(parsed[0], env, parsed[1]) if parsed else _NONE
    if isinstance(value, Mapping):
        out: set[Loc] = set()
        for key, sub in value.items():
            if isinstance(key, str) and not key.endswith(".$"):
                out |= _under(_jsonata_value(sub, env), (key,))
        return frozenset(out)
    return _NONE  # literals, and arrays (an undefined element may shift the others)


def _jsonata_assign(assign: Any, env: _Env) -> dict[str, Locs]:
    if not isinstance(assign, Mapping):
        return {}
    return {name: _jsonata_value(sub, env) for name, sub in assign.items() if isinstance(name, str)}


# -- the flow --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Read:
    """What is known at a task's input (its last visit, i.e. at the fixed point)."""

    state: Mapping[str, Any]
    trust: Trust
    ql: str
    exec_input: bool


def _own_assigned(state: Mapping[str, Any]) -> set[str]:
    """The variable names a state's own Assign blocks (state, Choice rules, catchers) set."""
    names: set[str] = set()
    for holder in [state] + list(state.get("Choices") or []) + list(state.get("Catch") or []):
        if isinstance(holder, Mapping) and isinstance(holder.get("Assign"), Mapping):
            names |= {k[:-2] if k.endswith(".$") else k for k in holder["Assign"] if isinstance(k, str)}
    return names


def _assigned_inside(state: Mapping[str, Any]) -> set[str]:
    """Every variable name assigned anywhere in a Parallel's branches or a Map's item processor."""
    names: set[str] = set()
    for _, level in _nested_levels(state):
        for sub in (level.get("States") or {}).values():
            if isinstance(sub, Mapping):
                names |= _own_assigned(sub) | _assigned_inside(sub)
    return names


def _nested_levels(state: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    levels = [(f"Branches[{i}]", b) for i, b in enumerate(state.get("Branches") or []) if isinstance(b, Mapping)]
    for key in ("ItemProcessor", "Iterator"):
        if isinstance(state.get(key), Mapping):
            levels.append((key, state[key]))
    return levels


def _distributed(state: Mapping[str, Any]) -> bool:
    processor = state.get("ItemProcessor")
    config = processor.get("ProcessorConfig") if isinstance(processor, Mapping) else None
    return isinstance(config, Mapping) and config.get("Mode") == "DISTRIBUTED"


@dataclass
class _Flow:
    """One run of the analysis; ``neutral`` states hand their input on unchanged (used to find the blame)."""

    neutral: frozenset[str] = frozenset()
    reads: dict[str, _Read] = field(default_factory=dict)

    def level(self, level: Mapping[str, Any], entry: Trust, ql: str, prefix: str, exec_input: bool) -> Trust | None:
        """Iterate one level (machine, branch, item processor) to its fixed point; its output, if it ends."""
        states = level.get("States")
        start = level.get("StartAt")
        if not isinstance(states, Mapping) or start not in states:
            return None
        at: dict[str, Trust] = {start: entry}
        ends: dict[str, Trust] = {}
        todo = [start]
        while todo:
            name = todo.pop()
            state = states[name]
            if not isinstance(state, Mapping):
                continue
            for target, out in self.transfer(state, f"{prefix}{name}", at[name], ql, exec_input):
                if target is None:
                    ends[name] = out
                elif target in states:
                    new = at[target].meet(out) if target in at else out
                    if at.get(target) != new:
                        at[target] = new
                        todo.append(target)
        result: Trust | None = None
        for out in ends.values():
            result = out if result is None else result.meet(out)
        return result

    def transfer(self, state: Mapping[str, Any], path: str, trust: Trust, inherited: str,
                 exec_input: bool) -> list[tuple[str | None, Trust]]:
        """The trust on each edge out of a state: (next state or None for the level's end, trust)."""
        ql = state.get("QueryLanguage", inherited)
        ql = ql if ql in (_JSONPATH, _JSONATA) else inherited
        kind = state.get("Type")
        if kind == "Task":
            self.reads[path] = _Read(state, trust, ql, exec_input)
        if kind == "Fail":
            return []
        neutral = path in self.neutral
        env = _Env(trust.doc, trust.vars, exec_input)
        if kind == "Choice":
            return self._choice(state, trust, ql, env, neutral)
        inner_assigned: set[str] = set()
        result: Locs = _NONE
        effective = trust.doc if neutral or ql == _JSONATA else _select(trust.doc, state, "InputPath", env)

        def entry() -> Locs:  # what Parameters / Arguments make of the input (a Parallel's branches get it)
            if neutral:
                return effective
            if ql == _JSONPATH:
                return _template(state["Parameters"], _Env(effective, trust.vars, exec_input)) \
                    if "Parameters" in state else effective
            return _jsonata_value(state["Arguments"], env) if "Arguments" in state else effective
        if kind in ("Parallel", "Map"):
            # whether inner states may set an outer variable or only their own: either way, a name
            # assigned inside is not trusted inside (other branches / iterations) nor after
            inner_assigned = _assigned_inside(state)
        outer_vars = frozenset((n, loc) for n, loc in trust.vars if n not in inner_assigned)
        if kind == "Parallel":
            branch_input = entry()
            outputs = [self.level(branch, Trust(branch_input, outer_vars), ql, f"{path}/{key}/", exec_input)
                       for key, branch in _nested_levels(state)]
            result = frozenset(loc for i, out in enumerate(outputs) if out is not None
                               for loc in _under(out.doc, (i,)))
        elif kind == "Map":
            distributed = _distributed(state)
            selector = state.get("ItemSelector", state.get("Parameters") if ql == _JSONPATH else None)
            if neutral:
                item = effective
            elif selector is None or "ItemBatcher" in state:
                item = _NONE  # the item itself (or a batch of items): nothing of the context
            elif ql == _JSONPATH:
                item = _template(selector, _Env(effective, trust.vars, exec_input))
            else:
                item = _jsonata_value(selector, env)
            for key, processor in _nested_levels(state):
                self.level(processor, Trust(item, frozenset() if distributed else outer_vars), ql,
                           f"{path}/{key}/", exec_input and not distributed)
            # the Map's own result (one output per item) is not tracked
        elif kind == "Pass" and ql == _JSONPATH:
            result = _NONE if "Result" in state and not neutral else entry()
        vars_in = outer_vars
        edges = self._catches(state, trust, ql, vars_in, exec_input, neutral)
        if neutral:
            out = trust
        elif ql == _JSONPATH:
            selected = result
            if "ResultSelector" in state and kind in ("Task", "Map", "Parallel"):
                selected = _template(state["ResultSelector"], _Env(result, trust.vars, exec_input))
            if kind in ("Task", "Map", "Parallel", "Pass"):
                combined = _place(trust.doc, state, selected)
                candidates = [result, selected] if kind != "Pass" else [effective, result]
            else:  # Wait, Succeed
                combined, candidates = effective, [effective]
            doc = _select(combined, state, "OutputPath", env)
            values = _jsonpath_assign(state.get("Assign"), [_Env(c, trust.vars, exec_input) for c in candidates])
            out = Trust(doc, _assign(vars_in, values))
        else:
            has_result = kind in ("Task", "Map", "Parallel")
            after = _Env(trust.doc, trust.vars, exec_input, result if has_result else _NONE)
            if "Output" in state:
                doc = _jsonata_value(state["Output"], after)
            else:
                doc = result if has_result else trust.doc
            out = Trust(doc, _assign(vars_in, _jsonata_assign(state.get("Assign"), after)))
        if kind == "Succeed" or state.get("End") is True:
            edges.append((None, out))
        elif isinstance(state.get("Next"), str):
            edges.append((state["Next"], out))
        return edges

    def _catches(self, state: Mapping[str, Any], trust: Trust, ql: str, vars_in: VarLocs, exec_input: bool,
                 neutral: bool) -> list[tuple[str | None, Trust]]:
        """The error edges: the raw input, the error output placed by ResultPath / Output, catcher Assign."""
        edges: list[tuple[str | None, Trust]] = []
        for catcher in state.get("Catch") or []:
            if not isinstance(catcher, Mapping) or not isinstance(catcher.get("Next"), str):
                continue
            if neutral:
                edges.append((catcher["Next"], trust))
                continue
            env = _Env(trust.doc, trust.vars, exec_input)  # $states.errorOutput carries nothing trusted
            if ql == _JSONPATH:
                doc = _place(trust.doc, {"ResultPath": "$"} | dict(catcher), _NONE)
                values = _jsonpath_assign(catcher.get("Assign"), [_Env(_NONE, trust.vars, exec_input)])
            else:
                doc = _jsonata_value(catcher["Output"], env) if "Output" in catcher else _NONE
                values = _jsonata_assign(catcher.get("Assign"), env)
            edges.append((catcher["Next"], Trust(doc, _assign(vars_in, values))))
        return edges

    def _choice(self, state: Mapping[str, Any], trust: Trust, ql: str, env: _Env,
                neutral: bool) -> list[tuple[str | None, Trust]]:
        """A Choice passes its input on; JSONata Output and Assign (state and rule level) may change it."""
        if neutral:
            targets = [r.get("Next") for r in state.get("Choices") or [] if isinstance(r, Mapping)]
            return [(t, trust) for t in targets + [state.get("Default")] if isinstance(t, str)]
        if ql == _JSONPATH:
            effective = _select(trust.doc, state, "InputPath", env)
            doc = _select(effective, state, "OutputPath", env)
            at = _Env(effective, trust.vars, env.exec_input)

            def assign(value: Any) -> dict[str, Locs]:
                return _jsonpath_assign(value, [at])
        else:
            doc = _jsonata_value(state["Output"], env) if "Output" in state else trust.doc

            def assign(value: Any) -> dict[str, Locs]:
                return _jsonata_assign(value, env)
        on_state = assign(state.get("Assign"))
        edges: list[tuple[str | None, Trust]] = []
        for rule in state.get("Choices") or []:
            if not isinstance(rule, Mapping) or not isinstance(rule.get("Next"), str):
                continue
            on_rule = assign(rule.get("Assign"))
            # both Assign blocks apply when a rule matches; a name set by both holds only what both prove
            values = {n: on_state.get(n, on_rule.get(n, _NONE)) & on_rule.get(n, on_state.get(n, _NONE))
                      for n in set(on_state) | set(on_rule)}
            rule_doc = doc & _jsonata_value(rule["Output"], env) if ql == _JSONATA and "Output" in rule else doc
            edges.append((rule["Next"], Trust(rule_doc, _assign(trust.vars, values))))
        if isinstance(state.get("Default"), str):
            edges.append((state["Default"], Trust(doc, _assign(trust.vars, on_state))))
        return edges


# -- the verdict -----------------------------------------------------------------------------------
_NO_CREDENTIALS = ("every task of a tenant-scoped machine must run with Credentials from "
                   "$.identity.resolverContext (the tenant's role)")


def _role_field(read: _Read) -> tuple[str, Any] | str:
    """The field and value the task's role is read from, or why there is none to follow."""
    creds = read.state.get("Credentials")
    if not isinstance(creds, Mapping):
        return _NO_CREDENTIALS
    if read.ql == _JSONPATH and "RoleArn.$" in creds:
        value = creds["RoleArn.$"]
        if is_intrinsic(value):
            return ("the machine must not build a role ARN (intrinsic in RoleArn.$); "
                    "take it from $.identity.resolverContext")
        return "RoleArn.$", value
    value = creds.get("RoleArn")
    if read.ql == _JSONATA and is_jsonata(value):
        return "RoleArn", value
    hint = "$.identity.resolverContext" if read.ql == _JSONPATH else "$states.input.identity.resolverContext"
    return f"RoleArn {value!r} is fixed or built; a tenant-scoped task must read it unchanged from {hint}"


def _reads_role(read: _Read) -> bool:
    """True when the task's RoleArn reads a location that holds the untouched role at its input."""
    found = _role_field(read)
    if isinstance(found, str):
        return False
    env = _Env(read.trust.doc, read.trust.vars, read.exec_input)
    if found[0] == "RoleArn":
        return () in _jsonata_value(found[1], env)
    # JSONPath: read against the raw input and the input after InputPath (both must hold the role)
    effective = _select(read.trust.doc, read.state, "InputPath", env)
    return all(() in _path_value(found[1], _Env(doc, read.trust.vars, read.exec_input))
               for doc in (read.trust.doc, effective))


def _read_variable(read: _Read) -> str | None:
    """The variable a task's RoleArn reads (``$role`` / ``{% $role %}``), if it reads one."""
    found = _role_field(read)
    if isinstance(found, str):
        return None
    if found[0] == "RoleArn.$":
        ref = _reference(found[1]) if isinstance(found[1], str) else None
        return ref[1] if ref and ref[0] == "var" else None
    parsed = _parse(found[1])
    head = parsed[0] if parsed else None
    if head is not None and head.type == "path":
        head = (head.steps or [None])[0]
    name = getattr(head, "value", None) if getattr(head, "type", None) == "variable" else None
    return name if isinstance(name, str) and name not in ("", "states") else None


@dataclass(frozen=True)
class _Place:
    """A state with where it sits: its path, the query language it inherits, its level and that level's prefix."""

    path: str
    state: Mapping[str, Any]
    ql: str
    level: Mapping[str, Any]
    prefix: str


def _walk(level: Mapping[str, Any], prefix: str, ql: str) -> Iterator[_Place]:
    """Every state at every level."""
    for name, state in (level.get("States") or {}).items():
        if not isinstance(state, Mapping):
            continue
        yield _Place(f"{prefix}{name}", state, ql, level, prefix)
        own = state.get("QueryLanguage", ql)
        for key, sub in _nested_levels(state):
            yield from _walk(sub, f"{prefix}{name}/{key}/", own if own in (_JSONPATH, _JSONATA) else ql)


def _describe(path: str, state: Mapping[str, Any], ql: str, task: str) -> str:
    """A state and the fields of it that move data, so that the message says where to look.

    For a Parallel or Map that holds the task, only what its branches or items receive matters.
    """
    own = state.get("QueryLanguage", ql)
    jsonata = own == _JSONATA
    kind = state.get("Type")
    if task.startswith(f"{path}/"):
        found = [f for f in (("Arguments", "ItemSelector") if jsonata else ("InputPath", "Parameters", "ItemSelector"))
                 if f in state]
        if kind == "Map" and "ItemSelector" not in state and (jsonata or "Parameters" not in state):
            found.append("no ItemSelector: each item is the input")
        return f"{path} ({', '.join(found)})" if found else path
    fields = (("Output", "Assign") if jsonata else
              ("InputPath", "Parameters", "Result", "ResultSelector", "ResultPath", "OutputPath", "Assign"))
    # a Task's Parameters go to the service, not to the next state
    found = [f for f in fields if f in state and not (f == "Parameters" and kind == "Task")]
    for i, catcher in enumerate(state.get("Catch") or []):
        if isinstance(catcher, Mapping):
            keys = [k for k in ("ResultPath", "Output", "Assign") if k in catcher]
            found += [f"Catch[{i}].{k}" for k in keys] or [f"Catch[{i}]: the error replaces the input"]
    if kind in ("Task", "Map", "Parallel") and ("Output" if jsonata else "ResultPath") not in state:
        found.append("its result replaces its input")
    return f"{path} ({', '.join(found)})" if found else path


def _feeding(states: list["_Place"], task: "_Place") -> set[str]:
    """The states a task's input comes from: its predecessors, or the Map/Parallel whose level it starts."""
    name = task.path[len(task.prefix):]
    found = {p.path for p in states if p.prefix == task.prefix and name in _targets(p.state)}
    if task.level.get("StartAt") == name and task.prefix:
        found.add(task.prefix.rstrip("/").rsplit("/", 1)[0])
    return found


def _targets(state: Mapping[str, Any]) -> list[Any]:
    rules = [r for r in list(state.get("Choices") or []) + list(state.get("Catch") or []) if isinstance(r, Mapping)]
    return [state.get("Next"), state.get("Default")] + [r.get("Next") for r in rules]


@dataclass
class _Machine:
    """The whole definition: runs the flow, and finds the states to blame for a task that fails."""

    definition: Mapping[str, Any]
    ql: str

    def run(self, neutral: frozenset[str] = frozenset()) -> _Flow:
        flow = _Flow(neutral)
        flow.level(self.definition, Trust(frozenset({ROLE})), self.ql, "", True)
        return flow

    def passes(self, path: str, neutral: set[str]) -> bool:
        read = self.run(frozenset(neutral)).reads.get(path)
        return read is not None and _reads_role(read)

    def blame(self, task: _Place, read: _Read, states: list[_Place]) -> str:
        """Where to look: the states that assign the variable read; else the states that lose the role
        (alone: it passes when that state hands its input on unchanged; or one of several: it still
        fails when only that state acts); else the states whose output the task reads."""
        def describe(places: list[_Place]) -> str:
            return "; ".join(_describe(p.path, p.state, p.ql, task.path) for p in places)

        variable = _read_variable(read)
        if variable is not None:
            setters = [p for p in states if variable in _own_assigned(p.state)]
            return f"${variable} may hold something else, assigned by: {describe(setters)}" if setters \
                else f"no state assigns ${variable}"
        everyone = {p.path for p in states}
        lost = [p for p in states if self.passes(task.path, {p.path})]
        if not lost and self.passes(task.path, everyone):
            lost = [p for p in states if not self.passes(task.path, everyone - {p.path})]
        if lost:
            return f"rewritten or dropped before it by: {describe(lost)}"
        feeding = [p for p in states if p.path in _feeding(states, task)]
        if feeding:
            return f"it is not there in what reaches this task from: {describe(feeding)}"
        return "no state carries the role there unchanged"


def isolation_issues(definition: Mapping[str, Any], machine: str = "<definition>") -> list[Issue]:
    """One issue per task of a tenant-scoped machine whose role is not provably the caller's.

    The issue is reported at the task (where the wrong role would be used) and names the states
    that lose the role before it, so that the fix is found without re-running the analysis by hand.
    """
    ql = definition.get("QueryLanguage", _JSONPATH)
    analysis = _Machine(definition, ql if ql in (_JSONPATH, _JSONATA) else _JSONPATH)
    flow = analysis.run()
    states = list(_walk(definition, "", analysis.ql))
    issues: list[Issue] = []
    for place in states:
        if place.state.get("Type") != "Task":
            continue
        read = flow.reads.get(place.path)
        reached = read is not None
        if read is None:
            own = place.state.get("QueryLanguage", place.ql)
            read = _Read(place.state, Trust(), own if own in (_JSONPATH, _JSONATA) else place.ql, True)
        if _reads_role(read):
            continue
        found = _role_field(read)
        if isinstance(found, str):
            issues.append(Issue(machine, place.path, RULE, found))
            continue
        where = analysis.blame(place, read, states) if reached else "the state is not reached from StartAt"
        issues.append(Issue(machine, place.path, RULE, f"{found[0]} {found[1]!r} is not provably the caller's role "
                            f"(the execution input's identity.resolverContext.tenantRoleArn, unchanged on every "
                            f"path to this task): {where}"))
    return issues
