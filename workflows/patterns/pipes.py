"""EventBridge Pipes enrichment machines: a batch of DynamoDB stream records in, plain events out.

Why: a pipe's input template understands only part of JSONPath (``L[*].S`` does not work), so
lists, sets, nested maps and numbers cannot be flattened without a Lambda. An EXPRESS machine used
as the pipe's enrichment can: it receives the batch (a JSON array of stream records) and returns a
JSON array that Pipes forwards to the target, one element per event.

Two builders:

- ``flatten_stream``: generic, every record becomes ``{eventName, keys, newImage, oldImage,
  eventId, sequenceNumber, approximateCreationTime}`` with images unmarshalled by THE unmarshaller
  in ``workflows.patterns.dynamodb_json`` (every type, any depth, its number precision rule). It is
  JSONata over the whole batch: no Map, two states (a Choice that checks, Succeed/Fail), or one
  Pass in skip mode.
- ``typed_events``: from an entity description (``workflows.patterns.entity``), a typed event per
  kept record, in JSONata (same shape as above) or in JSONPath (the seed's Map + Pass, made correct
  for every type the entity module maps: projections, Choices for optional fields, nested Maps for
  lists of maps and NS numbers).

Contract (both builders, both modes): records in = elements out, in order, minus records whose
``eventName`` the typed builder was told not to keep. A record whose shape is not what the builder
needs (not an object, no ``eventID``, a missing image, an attribute of another DynamoDB type than
declared, malformed DynamoDB JSON) is never dropped silently:

- ``on_bad_record="fail"`` (default): the execution fails with ``Stream.UnexpectedShape`` and a
  cause ``record <eventID> field <path>: <problem>`` for the first such record (Pipes then retries
  the batch or sends it to its DLQ, as configured on the pipe);
- ``on_bad_record="skip"``: the record's place in the output holds a report element instead of an
  event: ``{"skipped": {"eventId", "eventName", "error", "cause"}}`` (flat shapes) or
  ``{"detailType": "StreamRecordSkipped", "detail": {...same...}}`` (``shape="eventbridge"``), so
  the report travels to the target like any event and can be routed by a rule.

Numbers follow ``dynamodb_json``'s rule (a JSON number only where a double holds DynamoDB's digits
exactly, else the exact string); in JSONPath mode the entity's declared Python type decides
(``int``/``float`` -> number, ``Decimal`` -> exact string), as documented in ``entity``.
"""

from __future__ import annotations

import json
import re
from typing import Any, Literal, Mapping, Sequence

from workflows.core import (
    EXPRESS, JSONATA, BuildError, Chain, Choice, Fail, Map, Parallel, Pass, StateMachine, Succeed, Var,
    jsonata,
)
from workflows.patterns.dynamodb_json import UNMARSHAL_FUNCTION, UNMARSHAL_NAME
from workflows.patterns.entity import Entity, Field, Kind, entity_of, projection

__all__ = [
    "SHAPE_ERROR",
    "SKIPPED_DETAIL_TYPE",
    "OnBadRecord",
    "Shape",
    "flatten_stream",
    "typed_events",
]

SHAPE_ERROR = "Stream.UnexpectedShape"
SKIPPED_DETAIL_TYPE = "StreamRecordSkipped"

OnBadRecord = Literal["fail", "skip"]
Shape = Literal["flat", "eventbridge"]
Mode = Literal["jsonata", "jsonpath"]

# --------------------------------------------------------------------------------------------
# JSONata pieces shared by both JSONata builders
# --------------------------------------------------------------------------------------------

# The unmarshaller raises a JSONata error on bad input, which Step Functions can only surface as
# States.QueryEvaluationError without the record or field; JSONata has no try/catch. So records are
# checked first by this function, which walks the same type table and returns the first problem as
# {field, problem} (or undefined). It validates, it does not convert: conversion stays in the one
# unmarshaller. Its N pattern accepts exactly what the unmarshaller's number block accepts.
_PROBLEM_NAME = "$ddbProblem"
_PROBLEM_FUNCTION = r"""function($v, $at){(
  $k := $type($v) = "object" ? $keys($v) : undefined;
  $want := $type($k) = "string" ? $lookup({"S": "string", "N": "string", "B": "string", "BOOL": "boolean",
            "NULL": "boolean", "SS": "array", "NS": "array", "BS": "array", "L": "array", "M": "object"}, $k);
  $x := $type($k) = "string" ? $lookup($v, $k);
  $isNum := function($s){ $type($s) = "string" and $contains($s, /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/) };
  $not($type($k) = "string")
    ? {"field": $at, "problem": "expected exactly one DynamoDB type descriptor, got " & $string($v)}
  : $not($exists($want)) ? {"field": $at, "problem": "unknown type descriptor " & $k}
  : $not($type($x) = $want) ? {"field": $at, "problem": $k & " must hold a JSON " & $want}
  : $k = "N" ? ($isNum($x) ? undefined : {"field": $at, "problem": "N is not a decimal number: " & $x})
  : $k = "NS" ? $map($x, function($e, $i){ $isNum($e) ? undefined
        : {"field": $at & "[" & $i & "]", "problem": "NS element is not a decimal number: " & $string($e)} })[0]
  : $k in ["SS", "BS"] ? $map($x, function($e, $i){ $type($e) = "string" ? undefined
        : {"field": $at & "[" & $i & "]", "problem": $k & " element is not a string"} })[0]
  : $k = "L" ? $map($x, function($e, $i){ %(name)s($e, $at & "[" & $i & "]") })[0]
  : $k = "M" ? $each($x, function($e, $n){ %(name)s($e, $at = "" ? $n : $at & "." & $n) })[0]
  : undefined
)}""" % {"name": _PROBLEM_NAME}

# The descriptor of an attribute value ("S", "L", ...), or its JSON type when it is not one.
_DESC = r"""$desc := function($v){ $type($v) = "object" and $type($keys($v)) = "string" ? $keys($v) : $type($v) };"""

_PRELUDE = (
    f"{UNMARSHAL_NAME} := {UNMARSHAL_FUNCTION};\n"
    f"{_PROBLEM_NAME} := {_PROBLEM_FUNCTION};\n"
    f"{_DESC}\n"
)

# A record's skeleton: must be an object with a string eventID, a string eventName and a dynamodb object.
_RECORD_PROBLEM = r"""$recordProblem := function($r){(
  $not($type($r) = "object") ? {"field": "(record)", "problem": "a stream record must be a JSON object"}
  : $not($type($r.eventID) = "string") ? {"field": "eventID", "problem": "missing or not a string"}
  : $not($type($r.eventName) = "string") ? {"field": "eventName", "problem": "missing or not a string"}
  : $not($type($r.dynamodb) = "object") ? {"field": "dynamodb", "problem": "missing or not an object"}
  : undefined
)};"""

_CAUSE = r"""$cause := function($r, $p){
  "record " & ($type($r) = "object" and $type($r.eventID) = "string" ? $r.eventID : "(no eventID)")
  & " field " & $p.field & ": " & $p.problem
};"""


def _skip_report(shape: Shape) -> str:
    """JSONata building the report element for record ``$r`` with problem ``$p``."""
    detail = (
        '{"eventId": $type($r) = "object" ? $r.eventID, "eventName": $type($r) = "object" ? $r.eventName, '
        f'"error": "{SHAPE_ERROR}", "cause": $cause($r, $p)}}'
    )
    if shape == "eventbridge":
        return f'{{"detailType": "{SKIPPED_DETAIL_TYPE}", "detail": {detail}}}'
    return f'{{"skipped": {detail}}}'


def _one_line(expression: str) -> str:
    """JSONata on one line: the ASL schema's ``{% .+ %}`` pattern does not span newlines."""
    return re.sub(r"\s*\n\s*", " ", expression.strip())


def _check_args(on_bad_record: str, shape: str) -> None:
    if on_bad_record not in ("fail", "skip"):
        raise BuildError(f"on_bad_record must be 'fail' or 'skip', not {on_bad_record!r}", rule="pipes-options")
    if shape not in ("flat", "eventbridge"):
        raise BuildError(f"shape must be 'flat' or 'eventbridge', not {shape!r}", rule="pipes-options")


def _batch_machine(name: str, comment: str, functions: str, on_bad_record: OnBadRecord, shape: Shape) -> StateMachine:
    """The JSONata batch skeleton around ``$problem($r)`` / ``$event($r)`` / ``$kept($r)`` (all bound
    in ``functions``): fail mode = Choice (every record checked) -> Succeed(events) | Fail(first
    problem); skip mode = one Pass."""
    head = _PRELUDE + _RECORD_PROBLEM + "\n" + _CAUSE + "\n" + functions + "\n"
    batch_problem = (
        '$not($type($states.input) = "array") ? {"field": "(batch)", "problem": "the enrichment input must be a JSON array"}'
    )
    events = "$reduce($states.input, function($acc, $r){ $kept($r) ? $append($acc, [$event($r)]) : $acc }, [])"
    if on_bad_record == "skip":
        per_record = (
            "$reduce($states.input, function($acc, $r){(\n"
            "  $p := $problem($r);\n"
            f"  $exists($p) ? $append($acc, [{_skip_report(shape)}])\n"
            "  : $kept($r) ? $append($acc, [$event($r)]) : $acc\n"
            ")}, [])"
        )
        body = f"(\n{head}$bp := {batch_problem};\n$exists($bp) ? $error($bp.problem) : {per_record}\n)"
        emit = Pass("Flatten batch", output=jsonata(_one_line(body)))
        return StateMachine(name, emit, type=EXPRESS, query_language=JSONATA, comment=comment)
    first_bad = (
        f"$bp := {batch_problem};\n"
        "$bad := $exists($bp) ? {\"r\": null, \"p\": $bp}\n"
        "  : $reduce($states.input, function($found, $r){ $exists($found) ? $found\n"
        "      : ($p := $problem($r); $exists($p) ? {\"r\": $r, \"p\": $p}) }, undefined);\n"
    )
    # $reduce with an undefined initial value starts from the first element: guard that by a null.
    first_bad = first_bad.replace("}, undefined);", "}, null);").replace("$exists($found) ?", "$found ?")
    ok = jsonata(_one_line(f"(\n{head}{first_bad}$not($exists($bad))\n)"))
    cause = jsonata(_one_line(f"(\n{head}{first_bad}$cause($bad.r, $bad.p)\n)"))
    emit = Succeed("Emit events", output=jsonata(_one_line(f"(\n{head}{events}\n)")))
    fail = Fail("Unexpected shape", error=SHAPE_ERROR, cause=cause)
    check = Choice("Check records").when(ok, emit).otherwise(fail)
    return StateMachine(name, check, type=EXPRESS, query_language=JSONATA, comment=comment)


# --------------------------------------------------------------------------------------------
# Generic flattener
# --------------------------------------------------------------------------------------------

_GENERIC_FUNCTIONS = r"""$imageProblem := function($d, $key){
  $exists($lookup($d, $key)) ? %(problem)s({"M": $lookup($d, $key)}, "dynamodb." & $key)
};
$problem := function($r){(
  $p := $recordProblem($r);
  $exists($p) ? $p
  : $not($exists($r.dynamodb.Keys)) ? {"field": "dynamodb.Keys", "problem": "missing"}
  : [$imageProblem($r.dynamodb, "Keys"), $imageProblem($r.dynamodb, "NewImage"),
     $imageProblem($r.dynamodb, "OldImage")][0]
)};
$image := function($d, $key){ $exists($lookup($d, $key)) ? %(unmarshal)s({"M": $lookup($d, $key)}) : null };
$kept := function($r){ true };
$event := function($r){{
  "eventName": $r.eventName,
  "keys": $image($r.dynamodb, "Keys"),
  "newImage": $image($r.dynamodb, "NewImage"),
  "oldImage": $image($r.dynamodb, "OldImage"),
  "eventId": $r.eventID,
  "sequenceNumber": $exists($r.dynamodb.SequenceNumber) ? $r.dynamodb.SequenceNumber : null,
  "approximateCreationTime": $exists($r.dynamodb.ApproximateCreationDateTime)
                              ? $r.dynamodb.ApproximateCreationDateTime : null
}};""" % {"problem": _PROBLEM_NAME, "unmarshal": UNMARSHAL_NAME}


def flatten_stream(
    name: str = "pipes-flatten-stream", *, on_bad_record: OnBadRecord = "fail", shape: Shape = "flat"
) -> StateMachine:
    """The generic enrichment: every record to a flat event with plain-JSON images.

    ``shape`` only changes the skip report's form (events have one fixed shape here); the
    approximate creation time is passed through as Pipes sends it (epoch seconds).
    """
    _check_args(on_bad_record, shape)
    return _batch_machine(
        name,
        "EventBridge Pipes enrichment: DynamoDB stream records to plain events (generic, JSONata)",
        _GENERIC_FUNCTIONS,
        on_bad_record,
        shape,
    )


# --------------------------------------------------------------------------------------------
# Typed events: shared options
# --------------------------------------------------------------------------------------------

_OLD_KEY = "oldImage"
_IMAGES = ("NewImage", "OldImage")


def _default_keep(entity: Entity) -> dict[str, str]:
    return {"INSERT": f"{entity.name}Created", "MODIFY": f"{entity.name}Updated"}


def _typed_options(entity: Entity, keep: Mapping[str, str] | Sequence[str] | None, image: str,
                   include_old_image: bool) -> dict[str, str]:
    if image not in _IMAGES:
        raise BuildError(f"image must be NewImage or OldImage, not {image!r}", rule="pipes-options")
    if keep is None:
        kept = _default_keep(entity)
    elif isinstance(keep, Mapping):
        kept = dict(keep)
    else:
        defaults = {"INSERT": "Created", "MODIFY": "Updated", "REMOVE": "Deleted"}
        kept = {n: f"{entity.name}{defaults.get(n, n.title())}" for n in keep}
    unknown = sorted(set(kept) - {"INSERT", "MODIFY", "REMOVE"})
    if unknown or not kept:
        raise BuildError(f"keep names stream event names INSERT, MODIFY, REMOVE; got {sorted(kept)}",
                         rule="pipes-options")
    if include_old_image and any(f.name == _OLD_KEY for f in entity.fields):
        raise BuildError(f"entity {entity.name} has a field {_OLD_KEY!r}, which include_old_image would overwrite",
                         rule="pipes-options")
    return kept


# --------------------------------------------------------------------------------------------
# Typed events: JSONata mode (generated check + build per entity)
# --------------------------------------------------------------------------------------------

_DESCRIPTOR = {Kind.S: "S", Kind.N: "N", Kind.BOOL: "BOOL", Kind.B: "B", Kind.SS: "SS", Kind.NS: "NS",
               Kind.BS: "BS", Kind.L_S: "L", Kind.M: "M", Kind.L_M: "L"}


def _js(text: str) -> str:
    return json.dumps(text)


def _at(prefix: str, name: str) -> str:
    """JSONata for a field label: ``prefix`` is a JSONata string expression (or None at the root)."""
    return _js(name) if prefix == "" else f"{prefix} & {_js('.' + name)}"


def _field_check(f: Field, img: str, prefix: str, depth: int) -> str:
    a = f"$a{depth}"
    at = _at(prefix, f.name)
    want = _DESCRIPTOR[f.kind]
    missing = "undefined" if f.optional else f'{{"field": {at}, "problem": "missing"}}'
    absent = f"$not($exists({a}))" + (f' or $desc({a}) = "NULL"' if f.optional else "")
    if f.kind is Kind.M:
        assert f.entity is not None
        inner = _entity_check(f.entity, f'$lookup({a}, "M")', at, depth + 1)
    elif f.kind is Kind.L_M:
        assert f.entity is not None
        item_at = f'{at} & "[" & $i{depth} & "]"'
        item_check = _entity_check(f.entity, f'$lookup($e{depth}, "M")', item_at, depth + 1)
        inner = (f"$map($lookup({a}, \"L\"), function($e{depth}, $i{depth}){{ $desc($e{depth}) != \"M\" "
                 f"? {{\"field\": {item_at}, \"problem\": \"expected M, got \" & $desc($e{depth})}} "
                 f": {item_check} }})[0]")
    elif f.kind is Kind.L_S:
        item_at = f'{at} & "[" & $i{depth} & "]"'
        inner = (f"$map($lookup({a}, \"L\"), function($e{depth}, $i{depth}){{ $desc($e{depth}) != \"S\" "
                 f"? {{\"field\": {item_at}, \"problem\": \"expected S, got \" & $desc($e{depth})}} "
                 f": {_PROBLEM_NAME}($e{depth}, {item_at}) }})[0]")
    else:
        inner = f"{_PROBLEM_NAME}({a}, {at})"
    return (f"({a} := $lookup({img}, {_js(f.name)});\n"
            f"  {absent} ? {missing}\n"
            f"  : $desc({a}) != {_js(want)} ? {{\"field\": {at}, \"problem\": \"expected {want}, got \" & $desc({a})}}\n"
            f"  : {inner})")


def _entity_check(entity: Entity, img: str, prefix: str, depth: int) -> str:
    if not entity.fields:
        return "undefined"
    return "[" + ",\n ".join(_field_check(f, img, prefix, depth) for f in entity.fields) + "][0]"


def _field_value(f: Field, a: str, depth: int) -> str:
    if f.kind is Kind.M:
        assert f.entity is not None
        return _entity_build(f.entity, f'$lookup({a}, "M")', depth + 1)
    if f.kind is Kind.L_M:
        assert f.entity is not None
        e = f"$e{depth}"
        item = _entity_build(f.entity, f'$lookup({e}, "M")', depth + 1)
        return (f"$reduce($lookup({a}, \"L\"), function($acc{depth}, {e}){{ $append($acc{depth}, "
                f"[{item}]) }}, [])")
    if f.exact_numbers:  # Decimal: DynamoDB's exact digits, as strings
        return f"$lookup({a}, {_js(_DESCRIPTOR[f.kind])})"
    return f"{UNMARSHAL_NAME}({a})"


def _entity_build(entity: Entity, img: str, depth: int) -> str:
    m = f"$m{depth}"
    parts = []
    for f in entity.fields:
        a = f"$lookup({m}, {_js(f.name)})"
        value = _field_value(f, f"$v{depth}", depth)
        present = f'$exists($v{depth}) and $desc($v{depth}) != "NULL"'
        expr = f"($v{depth} := {a}; {present} ? {value} : undefined)" if f.optional else f"($v{depth} := {a}; {value})"
        parts.append(f"{_js(f.name)}: {expr}")
    return f"({m} := {img}; {{" + ",\n ".join(parts) + "})"


def _jsonata_typed_functions(entity: Entity, kept: Mapping[str, str], image: str, include_old_image: bool,
                             shape: Shape) -> str:
    names = json.dumps(kept)
    old = ""
    if include_old_image:
        old = (f',\n  "{_OLD_KEY}": $exists($r.dynamodb.OldImage) ? '
               f'{_entity_build(entity, "$r.dynamodb.OldImage", 0)} : null')
    fields = _entity_build(entity, f"$r.dynamodb.{image}", 0)
    detail = f"$merge([{fields}, {{{old.lstrip(',')}}}])" if old else fields
    event = (f'{{"detailType": $lookup($kinds, $r.eventName), "detail": {detail}}}' if shape == "eventbridge"
             else detail)
    old_check = ""
    if include_old_image:
        old_check = (f',\n   $exists($r.dynamodb.OldImage) ? ($not($type($r.dynamodb.OldImage) = "object") '
                     '? {"field": "dynamodb.OldImage", "problem": "not an object"} : '
                     f'{_entity_check(entity, "$r.dynamodb.OldImage", _js("dynamodb.OldImage"), 0)})')
    return (
        f"$kinds := {names};\n"
        "$kept := function($r){ $exists($lookup($kinds, $r.eventName)) };\n"
        "$problem := function($r){(\n"
        "  $p := $recordProblem($r);\n"
        "  $exists($p) ? $p : $not($kept($r)) ? undefined\n"
        f"  : $not($type($lookup($r.dynamodb, {_js(image)})) = \"object\")\n"
        f"    ? {{\"field\": \"dynamodb.{image}\", \"problem\": \"missing or not an object (the builder reads it)\"}}\n"
        f"  : [{_entity_check(entity, f'$r.dynamodb.{image}', _js(f'dynamodb.{image}'), 0)}{old_check}][0]\n"
        ")};\n"
        f"$event := function($r){{ {event} }};"
    )


# --------------------------------------------------------------------------------------------
# Typed events: JSONPath mode (Map + Choice + Pass, no JSONata)
# --------------------------------------------------------------------------------------------


class _Names:
    """Unique, readable state names (ASL names are unique across the whole machine)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def __call__(self, text: str) -> str:
        name, n = text[:80], 2
        while name in self.used:
            name, n = f"{text[:76]} #{n}", n + 1
        self.used.add(name)
        return name


def _label_param(label: str, at_path: str | None) -> dict[str, Any]:
    """Parameters fragment for a field label: static at the record level, indexed inside lists."""
    if at_path is None:
        return {"field": label}
    return {"field.$": f"States.Format('{{}}.{label}', {at_path})"}


def _guarded(conditions: list[Any]) -> Any:
    out = conditions[0]
    for c in conditions[1:]:
        out = out & c
    return out


def _jsonpath_checks(entity: Entity, src: str, label: str, at_path: str | None,
                     guards: list[Any]) -> list[tuple[Any, dict[str, Any]]]:
    """(condition that means 'bad', bad-report parameters) for every field, parents first."""
    out: list[tuple[Any, dict[str, Any]]] = []
    for f in entity.fields:
        path = f"{src}.{f.name}" if f.name.isidentifier() else f"{src}['{f.name}']"
        name = f"{label}{f.name}"
        desc = _DESCRIPTOR[f.kind]
        typed = Var(f"{path}.{desc}").is_present()
        if f.optional:
            bad = Var(path).is_present() & ~typed & ~Var(f"{path}.NULL").is_present()
            problem = f"expected {desc} or NULL"
        else:
            bad = ~typed
            problem = f"missing or not {desc}"
        out.append((_guarded([*guards, bad]), {**_label_param(name, at_path), "problem": problem}))
        if f.kind is Kind.M:
            assert f.entity is not None
            out.extend(_jsonpath_checks(f.entity, f"{path}.M", f"{name}.", at_path, [*guards, typed]))
    return out


def _value_path(f: Field, path: str) -> tuple[dict[str, Any], bool]:
    """Parameters producing {"v": value} for one optional field, and whether it needs a per-item Map."""
    if f.kind is Kind.N and not f.exact_numbers:
        return {"v.$": f"States.StringToJson({path}.N)"}, False
    if f.kind in (Kind.L_M,) or (f.kind is Kind.NS and not f.exact_numbers):
        return {"v.$": f"{path}.{_DESCRIPTOR[f.kind]}"}, True
    if f.kind is Kind.L_S:
        return {"v.$": f"{path}.L[*].S"}, False
    return {"v.$": f"{path}.{_DESCRIPTOR[f.kind]}"}, False


class _JsonPathBuilder:
    """Builds the per-record graph; every state name is unique, every bad shape ends in a Fail."""

    def __init__(self) -> None:
        self.names = _Names()

    def fail(self) -> Fail:
        return Fail(self.names("Unexpected shape"), error=SHAPE_ERROR,
                    cause_path="States.Format('record {} field {}: {}', $.eventID, $.bad.field, $.bad.problem)")

    def bad(self, title: str, report: dict[str, Any]) -> Chain:
        shown = report.get("field", report.get("field.$", ""))
        return Pass(self.names(f"{title}: bad {shown}"), parameters=report, result_path="$.bad") >> self.fail()

    def entity_chain(self, entity: Entity, src: str, dest: str, title: str, at_path: str | None, label: str,
                     pre: Sequence[tuple[Any, dict[str, Any]]] = ()) -> Chain:
        """Check the attribute map at ``src`` and write its plain object at ``dest``; the returned
        chain's open end is the happy path's end."""
        check = Choice(self.names(f"{title}: check shape"))
        for condition, report in [*pre, *_jsonpath_checks(entity, src, label, at_path, [])]:
            check = check.when(condition, self.bad(title, report))
        proj = projection(entity, src)
        chain = Chain.of(Pass(self.names(f"{title}: project"), parameters=proj.selector, result_path=dest))
        for dotted in proj.optional:
            chain = chain >> self.optional_step(entity, src, dest, dotted, title, at_path, label)
        for dotted in proj.needs_map:
            chain = chain >> self.list_map(entity.field(dotted), f"{dest}.{dotted}", title, at_path,
                                           f"{label}{dotted}")
        return Chain.of(check.otherwise(chain))

    def optional_step(self, entity: Entity, src: str, dest: str, dotted: str, title: str,
                      at_path: str | None, label: str) -> Choice:
        f = entity.field(dotted)
        path = f"{src}.{'.M.'.join(dotted.split('.'))}"
        target = f"{dest}.{dotted}"
        if f.kind is Kind.M:
            assert f.entity is not None
            present: Any = self.entity_chain(f.entity, f"{path}.M", target, f"{title}.{dotted}", at_path,
                                             f"{label}{dotted}.")
        else:
            params, needs_map = _value_path(f, path)
            present = (Pass(self.names(f"{title}: read {dotted}"), parameters=params, result_path="$.tmp")
                       >> Pass(self.names(f"{title}: set {dotted}"), input_path="$.tmp.v", result_path=target))
            if needs_map:
                present = present >> self.list_map(f, target, title, at_path, f"{label}{dotted}")
        return (Choice(self.names(f"{title}: has {dotted}?"))
                .when(Var(f"{path}.{_DESCRIPTOR[f.kind]}").is_present(), present)
                .otherwise(Pass(self.names(f"{title}: no {dotted}"))))

    def list_map(self, f: Field, target: str, title: str, at_path: str | None, label: str) -> Map:
        """A Map replacing the raw DynamoDB list at ``target`` by plain values (NS numbers, L of M)."""
        inner_title = f"{title}.{label.rsplit('.', 1)[-1]}[]"
        if f.kind is Kind.NS:
            selector: dict[str, Any] = {"v.$": "States.StringToJson($$.Map.Item.Value)"}
            processor: Any = Pass(self.names(f"{inner_title}: number"), output_path="$.v")
        else:
            assert f.entity is not None
            at = (f"States.Format('{label}[{{}}]', $$.Map.Item.Index)" if at_path is None
                  else f"States.Format('{{}}{label}[{{}}]', {at_path}, $$.Map.Item.Index)")
            selector = {"eventID.$": "$.eventID", "at.$": at, "item.$": "$$.Map.Item.Value"}
            body = self.entity_chain(f.entity, "$.item.M", "$.out", inner_title, "$.at", ".",
                                     pre=[(~Var("$.item.M").is_present(), {"field.$": "$.at", "problem": "expected M"})])
            processor = body >> Pass(self.names(f"{inner_title}: done"), input_path="$.out")
        return Map(self.names(f"{title}: {label.rsplit('.', 1)[-1]}[]"), items_path=target, item_selector=selector,
                   item_processor=processor, result_path=target)


def _jsonpath_typed(name: str, entity: Entity, kept: Mapping[str, str], image: str, include_old_image: bool,
                    shape: Shape, on_bad_record: OnBadRecord, comment: str) -> StateMachine:
    b = _JsonPathBuilder()
    src = f"$.dynamodb.{image}"
    record = b.entity_chain(entity, src, "$.event", image, None, f"dynamodb.{image}.",
                            pre=[(~Var(src).is_present(), {"field": f"dynamodb.{image}", "problem": "missing"})])
    if include_old_image:
        old = b.entity_chain(entity, "$.dynamodb.OldImage", f"$.event.{_OLD_KEY}", "OldImage", None,
                             "dynamodb.OldImage.")
        record = record >> (Choice(b.names("Has OldImage?"))
                            .when(Var("$.dynamodb.OldImage").is_present(), old)
                            .otherwise(Pass(b.names("No OldImage"), result=None, result_path=f"$.event.{_OLD_KEY}")))
    if shape == "eventbridge":
        record = record >> Pass(b.names("Wrap for EventBridge"), result_path="$.event",
                                parameters={"detailType.$": "$.detailType", "detail.$": "$.event"})
    record = record >> Pass(b.names("Emit event"), parameters={"out.$": "States.Array($.event)"})
    body: Any = record
    if on_bad_record == "skip":
        report = {"eventId.$": "$.eventID", "eventName.$": "$.eventName", "error.$": "$.caught.Error",
                  "cause.$": "$.caught.Cause"}
        wrapped = ({"detailType": SKIPPED_DETAIL_TYPE, "detail": report} if shape == "eventbridge"
                   else {"skipped": report})
        skip = Pass(b.names("Report skipped record"), parameters={"out.$": "States.Array($.report)"})
        body = Parallel(b.names("Per record"), branches=[record], output_path="$[0]").add_catch(
            [SHAPE_ERROR], Pass(b.names("Skip record"), parameters=wrapped, result_path="$.report") >> skip,
            result_path="$.caught")
    keep = Choice(b.names("Keep event?"))
    for event_name, detail_type in kept.items():
        tag = Pass(b.names(f"Tag {event_name}"), result=detail_type, result_path="$.detailType")
        keep = keep.when(Var("$.eventName") == event_name, tag >> body)
    keep = keep.otherwise(Pass(b.names("Drop event"), result={"out": []}))
    malformed = Fail(b.names("Malformed record"), error=SHAPE_ERROR,
                     cause="record (no eventID) field eventID/eventName: a stream record needs both")
    per_record = (Choice(b.names("Record has ids?"))
                  .when(~Var("$.eventID").is_present() | ~Var("$.eventName").is_present(), malformed)
                  .otherwise(keep))
    each = Map(b.names("Each record"), items_path="$", item_processor=per_record)
    # JSONPath cannot flatten [{"out": [..]}, {"out": []}] when every list is empty ("$[*].out[*]"
    # matches nothing and fails), so this one state concatenates in JSONata: "[$states.input.out]".
    collect = Pass(b.names("Collect events"), query_language=JSONATA, output=jsonata("[$states.input.out]"))
    return StateMachine(name, each >> collect, type=EXPRESS, comment=comment)


# --------------------------------------------------------------------------------------------
# Public builder
# --------------------------------------------------------------------------------------------


def typed_events(
    name: str,
    entity: type | Entity,
    *,
    mode: Mode = "jsonata",
    keep: Mapping[str, str] | Sequence[str] | None = None,
    image: str = "NewImage",
    include_old_image: bool = False,
    shape: Shape = "flat",
    on_bad_record: OnBadRecord = "fail",
) -> StateMachine:
    """An enrichment machine turning each kept record into a typed event of ``entity``.

    ``keep`` maps stream event names to detail types (``{"INSERT": "UserCreated"}``) or lists the
    names (detail types ``<Entity>Created/Updated/Deleted``); default INSERT and MODIFY. The event's
    fields come from ``image`` (a REMOVE record has no NewImage: keeping REMOVE needs
    ``image="OldImage"``, or its records are bad shapes). ``include_old_image`` adds ``oldImage``
    (the same projection of OldImage, or null when the record has none). ``shape="flat"`` emits
    the fields; ``"eventbridge"`` emits ``{"detailType", "detail"}`` for a pipe whose EventBridge
    target reads ``$.detailType`` and ``$.detail``. Optional fields that are absent or NULL are left
    out of the event.
    """
    _check_args(on_bad_record, shape)
    ent = entity if isinstance(entity, Entity) else entity_of(entity)
    kept = _typed_options(ent, keep, image, include_old_image)
    comment = f"EventBridge Pipes enrichment: {ent.name} stream records to typed events ({mode})"
    if mode == "jsonpath":
        return _jsonpath_typed(name, ent, kept, image, include_old_image, shape, on_bad_record, comment)
    if mode != "jsonata":
        raise BuildError(f"mode must be 'jsonata' or 'jsonpath', not {mode!r}", rule="pipes-options")
    functions = _jsonata_typed_functions(ent, kept, image, include_old_image, shape)
    return _batch_machine(name, comment, functions, on_bad_record, shape)
