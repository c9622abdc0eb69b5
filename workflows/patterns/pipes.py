"""EventBridge Pipes enrichment machines: a batch of DynamoDB stream records in, plain events out.

Why: a pipe's input template understands only part of JSONPath (``L[*].S`` does not work), so
lists, sets, nested maps and numbers cannot be flattened without a Lambda. An EXPRESS machine used
as the pipe's enrichment can: it receives the batch (a JSON array of stream records) and returns a
JSON array that Pipes forwards to the target, one element per event.

Two builders:

- ``flatten_stream``: generic, every record becomes ``{eventName, keys, newImage, oldImage,
  eventId, sequenceNumber, approximateCreationTime}`` with images unmarshalled by THE unmarshaller
  in ``workflows.patterns.dynamodb_json`` (every type, any depth, its number precision rule). It is
  JSONata over the whole batch: no Map, two states (a Choice that checks, Succeed/Fail), or in
  skip mode a Choice that checks the input is an array before one Pass.
- ``typed_events``: from an entity description (``workflows.patterns.entity``), a typed event per
  kept record, in JSONata (same shape as above) or in JSONPath (the seed's Map + Pass, made correct
  for every type the entity module maps: projections, Choices for optional fields, nested Maps for
  lists of maps and NS numbers), after one JSONata check of the whole batch (see below).

Contract (both builders, both modes): records in = elements out, in order, minus records whose
``eventName`` the typed builder was told not to keep; an empty batch gives an empty array. Input that
is not an array fails with ``Stream.UnexpectedShape`` and the cause ``the enrichment input (batch)
must be a JSON array of DynamoDB stream records, got an object`` (in both modes: it has no record
to skip). A record whose shape is not what the builder
needs (not an object, no ``eventID``, a missing image, an attribute of another DynamoDB type than
declared, malformed DynamoDB JSON) is never dropped silently:

- ``on_bad_record="fail"`` (default): the execution fails with ``Stream.UnexpectedShape`` and a
  cause ``record <eventID> field <path>: <problem>`` for the first such record (Pipes then retries
  the batch or sends it to its DLQ, as configured on the pipe). A record without an eventID is
  named ``record at index <i> (no eventID, SequenceNumber <n>)`` (its 0-based place in the batch;
  the SequenceNumber only when it has one). ``<path>`` points into lists: ``...groups[1]``,
  ``...tags[0].k``, ``...scores[1]`` (an NS element);
- ``on_bad_record="skip"``: the record's place in the output holds a report element instead of an
  event: ``{"skipped": {"eventId", "eventName", "batchIndex", "error", "cause"}}`` (flat shapes;
  eventId/eventName only when the record has them) or ``{"detailType": "StreamRecordSkipped",
  "detail": {...same...}}`` (``shape="eventbridge"``), so the report travels to the target like any
  event and can be routed by a rule; ``batchIndex`` finds the record even when filtered event
  names shifted the output.

Both typed modes run the same record check (``_typed_problem``): every declared attribute's
descriptor, every list element, set element and N string. JSONPath mode runs it once per batch
before its Map, because its conversions (``States.StringToJson`` on an N, ``L[*].S`` which skips
non-S elements silently) either fail with States.Runtime, which no Catch can handle, or drop data;
it also requires an int/float N to be in JSON number form (``+1``, ``.5`` are named, not converted).

Numbers follow ``dynamodb_json``'s rule (a JSON number only where a double holds DynamoDB's digits
exactly, else the exact string); in JSONPath mode the entity's declared Python type decides
(``int``/``float`` -> number, ``Decimal`` -> exact string), as documented in ``entity``.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Mapping, Sequence

from workflows.core import (
    EXPRESS, JSONATA, BuildError, Chain, Choice, Fail, Map, Pass, StateMachine, Succeed, Var,
    jsonata,
)
from workflows.core.jsonata import one_line
from workflows.core.machine import INPUT_DOC
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

# JSONPath mode converts int/float N and NS values with States.StringToJson, which needs JSON's
# number form: "+1", ".5", "5." or "007" are DynamoDB-valid (DynamoDB itself emits them normalized)
# but make that intrinsic fail with States.Runtime, which no Catch can handle (States.ALL does not
# match it). Called only on values $ddbProblem accepted (an N string, or an NS array of strings).
_JSON_NUMBER_NAME = "$jsonNumberProblem"
_JSON_NUMBER_FUNCTION = r"""function($v, $at){(
  $ok := function($s){ $contains($s, /^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/) };
  $exists($lookup($v, "N")) ? ($ok($v.N) ? undefined
      : {"field": $at, "problem": "N is not in JSON number form (States.StringToJson needs it): " & $v.N})
  : $map($v.NS, function($e, $i){ $ok($e) ? undefined : {"field": $at & "[" & $i & "]",
      "problem": "NS element is not in JSON number form (States.StringToJson needs it): " & $e} })[0]
)}"""

# What JSONPath mode's check needs (it converts with JSONPath, so not the unmarshaller).
_CHECK_PRELUDE = (
    f"{_PROBLEM_NAME} := {_PROBLEM_FUNCTION};\n"
    f"{_JSON_NUMBER_NAME} := {_JSON_NUMBER_FUNCTION};\n"
    f"{_DESC}\n"
)

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

# Who a record is in a cause: its eventID, else its index in the batch and SequenceNumber (when it
# has one), so a record without eventID can still be found in the batch Pipes sent.
_CAUSE = r"""$cause := function($r, $p, $i){
  "record " & ($type($r) = "object" and $type($r.eventID) = "string" ? $r.eventID
    : $exists($i) ? "at index " & $string($i) & " (no eventID"
        & ($type($r) = "object" and $type($r.dynamodb) = "object" and $type($r.dynamodb.SequenceNumber) = "string"
           ? ", SequenceNumber " & $r.dynamodb.SequenceNumber : "") & ")"
    : "(no eventID)")
  & " field " & $p.field & ": " & $p.problem
};"""


def _skip_report(shape: Shape) -> str:
    """JSONata building the report element for record ``$r`` (at batch index ``$i``) with problem ``$p``."""
    detail = (
        '{"eventId": $type($r) = "object" ? $r.eventID, "eventName": $type($r) = "object" ? $r.eventName, '
        f'"batchIndex": $i, "error": "{SHAPE_ERROR}", "cause": $cause($r, $p, $i)}}'
    )
    if shape == "eventbridge":
        return f'{{"detailType": "{SKIPPED_DETAIL_TYPE}", "detail": {detail}}}'
    return f'{{"skipped": {detail}}}'


def _check_args(on_bad_record: str, shape: str) -> None:
    if on_bad_record not in ("fail", "skip"):
        raise BuildError(f"on_bad_record must be 'fail' or 'skip', not {on_bad_record!r}", rule="pipes-options")
    if shape not in ("flat", "eventbridge"):
        raise BuildError(f"shape must be 'flat' or 'eventbridge', not {shape!r}", rule="pipes-options")


# Why the batch's problem is a sentence of its own (not "record ... field ..."): it is about no record.
BATCH_CAUSE = "the enrichment input (batch) must be a JSON array of DynamoDB stream records, got "
_BATCH_PROBLEM = (
    '($t := $type($states.input); $t = "array" ? undefined : "' + BATCH_CAUSE + '" & $lookup({"object": "an object", '
    '"string": "a string", "number": "a number", "boolean": "a boolean", "null": "null"}, $t))'
)
_IS_BATCH = '$type($states.input) = "array"'


def _batch_gate(then: Any, names: Any = str, query_language: str | None = None) -> Choice:
    """JSONata Choice: a batch (a JSON array, empty included) goes on to ``then``; anything else fails
    with Stream.UnexpectedShape saying what the input was."""
    fail = Fail(names("Not a batch"), error=SHAPE_ERROR, cause=jsonata(_BATCH_PROBLEM), query_language=query_language)
    return (Choice(names("Check batch"), query_language=query_language)
            .when(jsonata(_IS_BATCH), then).otherwise(fail))


def _head(functions: str, prelude: str = _PRELUDE) -> str:
    return prelude + _RECORD_PROBLEM + "\n" + _CAUSE + "\n" + functions + "\n"


def _fail_check(head: str, ok_target: Any, names: Any = str, query_language: str | None = None) -> Choice:
    """JSONata Choice: every record of the batch passes ``$problem`` -> ``ok_target``, else a Fail
    naming the first bad record and field (a fixed Error, so no States.* name is ever re-raised)."""
    first_bad = (
        f"$bp := {_BATCH_PROBLEM};\n"
        # $reduce with an undefined initial value starts from the first element: start from null. It
        # returns that null for an empty batch, so only an object is a bad record (an empty batch is fine).
        "$bad := $exists($bp) ? undefined\n"
        "  : $reduce($states.input, function($found, $r, $i){ $found ? $found\n"
        "      : ($p := $problem($r); $exists($p) ? {\"r\": $r, \"p\": $p, \"i\": $i}) }, null);\n"
    )
    ok = jsonata(one_line(f"(\n{head}{first_bad}$not($exists($bp)) and $not($type($bad) = \"object\")\n)"))
    cause = jsonata(one_line(f"(\n{head}{first_bad}$exists($bp) ? $bp : $cause($bad.r, $bad.p, $bad.i)\n)"))
    fail = Fail(names("Unexpected shape"), error=SHAPE_ERROR, cause=cause, query_language=query_language)
    return Choice(names("Check records"), query_language=query_language).when(ok, ok_target).otherwise(fail)


_BATCH_DOC = ("a batch of DynamoDB stream records as EventBridge Pipes sends it (a JSON array; [] is an empty batch), "
              'e.g. [{"eventID": "e1", "eventName": "INSERT", "dynamodb": {"Keys": {"pk": {"S": "t1"}}, '
              '"NewImage": {"pk": {"S": "t1"}, "n": {"N": "1"}}}}]')


def _batch_machine(name: str, comment: str, functions: str, on_bad_record: OnBadRecord, shape: Shape,
                   doc: str = _BATCH_DOC) -> StateMachine:
    """The JSONata batch skeleton around ``$problem($r)`` / ``$event($r)`` / ``$kept($r)`` (all bound
    in ``functions``): fail mode = Choice (every record checked) -> Succeed(events) | Fail(first
    problem); skip mode = Choice (the input is an array) -> Pass | Fail."""
    head = _head(functions)
    events = "$reduce($states.input, function($acc, $r){ $kept($r) ? $append($acc, [$event($r)]) : $acc }, [])"
    if on_bad_record == "skip":
        per_record = (
            "$reduce($states.input, function($acc, $r, $i){(\n"
            "  $p := $problem($r);\n"
            f"  $exists($p) ? $append($acc, [{_skip_report(shape)}])\n"
            "  : $kept($r) ? $append($acc, [$event($r)]) : $acc\n"
            ")}, [])"
        )
        emit = Pass("Flatten batch", output=jsonata(one_line(f"(\n{head}{per_record}\n)")))
        return StateMachine(name, _batch_gate(emit), type=EXPRESS, query_language=JSONATA, comment=comment,
                            annotations={INPUT_DOC: doc})
    emit = Succeed("Emit events", output=jsonata(one_line(f"(\n{head}{events}\n)")))
    check = _fail_check(head, emit)
    return StateMachine(name, check, type=EXPRESS, query_language=JSONATA, comment=comment,
                        annotations={INPUT_DOC: doc})


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


def _field_check(f: Field, img: str, prefix: str, depth: int, strict: bool) -> str:
    """First problem of field ``f`` of the attribute map ``img``; ``strict`` adds the JSON number form
    check that JSONPath mode's ``States.StringToJson`` needs for int/float N and NS values."""
    a = f"$a{depth}"
    at = _at(prefix, f.name)
    want = _DESCRIPTOR[f.kind]
    missing = "undefined" if f.optional else f'{{"field": {at}, "problem": "missing"}}'
    absent = f"$not($exists({a}))" + (f' or $desc({a}) = "NULL"' if f.optional else "")
    if f.kind is Kind.M:
        assert f.entity is not None
        inner = _entity_check(f.entity, f'$lookup({a}, "M")', at, depth + 1, strict)
    elif f.kind is Kind.L_M:
        assert f.entity is not None
        item_at = f'{at} & "[" & $i{depth} & "]"'
        item_check = _entity_check(f.entity, f'$lookup($e{depth}, "M")', item_at, depth + 1, strict)
        inner = (f"$map($lookup({a}, \"L\"), function($e{depth}, $i{depth}){{ $desc($e{depth}) != \"M\" "
                 f"? {{\"field\": {item_at}, \"problem\": \"expected M, got \" & $desc($e{depth})}} "
                 f": {item_check} }})[0]")
    elif f.kind is Kind.L_S:
        item_at = f'{at} & "[" & $i{depth} & "]"'
        inner = (f"$map($lookup({a}, \"L\"), function($e{depth}, $i{depth}){{ $desc($e{depth}) != \"S\" "
                 f"? {{\"field\": {item_at}, \"problem\": \"expected S, got \" & $desc($e{depth})}} "
                 f": {_PROBLEM_NAME}($e{depth}, {item_at}) }})[0]")
    elif strict and f.kind in (Kind.N, Kind.NS) and not f.exact_numbers:
        inner = f"($p{depth} := {_PROBLEM_NAME}({a}, {at}); $exists($p{depth}) ? $p{depth} : {_JSON_NUMBER_NAME}({a}, {at}))"
    else:
        inner = f"{_PROBLEM_NAME}({a}, {at})"
    return (f"({a} := $lookup({img}, {_js(f.name)});\n"
            f"  {absent} ? {missing}\n"
            f"  : $desc({a}) != {_js(want)} ? {{\"field\": {at}, \"problem\": \"expected {want}, got \" & $desc({a})}}\n"
            f"  : {inner})")


def _entity_check(entity: Entity, img: str, prefix: str, depth: int, strict: bool = False) -> str:
    if not entity.fields:
        return "undefined"
    return "[" + ",\n ".join(_field_check(f, img, prefix, depth, strict) for f in entity.fields) + "][0]"


def _images_problem(entity: Entity, image: str, include_old_image: bool, strict: bool = False) -> str:
    """JSONata: the first problem of record ``$r``'s images as the typed builder reads them (the
    record's own ids are checked before). Shared by both modes, so both name the same field."""
    main = (f"$not($type($lookup($r.dynamodb, {_js(image)})) = \"object\")\n"
            f"    ? {{\"field\": \"dynamodb.{image}\", \"problem\": \"missing or not an object (the builder reads it)\"}}\n"
            f"  : {_entity_check(entity, f'$r.dynamodb.{image}', _js(f'dynamodb.{image}'), 0, strict)}")
    if not include_old_image:
        return main
    old = ('$exists($r.dynamodb.OldImage) ? ($not($type($r.dynamodb.OldImage) = "object") '
           '? {"field": "dynamodb.OldImage", "problem": "not an object"} : '
           f'{_entity_check(entity, "$r.dynamodb.OldImage", _js("dynamodb.OldImage"), 0, strict)})')
    return f"[{main},\n   {old}][0]"


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
    old = ""
    if include_old_image:
        old = (f',\n  "{_OLD_KEY}": $exists($r.dynamodb.OldImage) ? '
               f'{_entity_build(entity, "$r.dynamodb.OldImage", 0)} : null')
    fields = _entity_build(entity, f"$r.dynamodb.{image}", 0)
    detail = f"$merge([{fields}, {{{old.lstrip(',')}}}])" if old else fields
    event = (f'{{"detailType": $lookup($kinds, $r.eventName), "detail": {detail}}}' if shape == "eventbridge"
             else detail)
    return _typed_problem(entity, kept, image, include_old_image) + f"\n$event := function($r){{ {event} }};"


def _typed_problem(entity: Entity, kept: Mapping[str, str], image: str, include_old_image: bool,
                   strict: bool = False) -> str:
    """JSONata binding ``$kinds``, ``$kept($r)`` and ``$problem($r)`` (undefined for a good record or
    one whose event name is not kept): the one record check of both typed modes."""
    return (
        f"$kinds := {json.dumps(kept)};\n"
        "$kept := function($r){ $exists($lookup($kinds, $r.eventName)) };\n"
        "$problem := function($r){(\n"
        "  $p := $recordProblem($r);\n"
        "  $exists($p) ? $p : $not($kept($r)) ? undefined\n"
        f"  : {_images_problem(entity, image, include_old_image, strict)}\n"
        ")};"
    )


# --------------------------------------------------------------------------------------------
# Typed events: JSONPath mode (one check, then Map + Choice + Pass conversions that cannot fail)
# --------------------------------------------------------------------------------------------
#
# Why the check comes first and is JSONata: a Pass cannot catch, and what a bad value makes a
# JSONPath conversion raise (States.StringToJson on N "abc", States.ArrayLength on an L that is
# not a list, a path into a missing attribute) is States.Runtime, which AWS lets no Catch handle
# (States.ALL does not match it). JSONPath Choice rules cannot look at a string's digits either
# (StringMatches has only '*'). So one JSONata state checks the whole batch with the JSONata
# mode's own check (plus the JSON number form StringToJson needs) and names the first bad field;
# the JSONPath states after it only convert. The machine already needs JSONata for its last state.


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


def _attribute_path(src: str, dotted: str) -> str:
    """The DynamoDB-JSON path of a dotted field path through nested maps."""
    return f"{src}.{'.M.'.join(dotted.split('.'))}"


def _value_path(f: Field, path: str) -> tuple[dict[str, Any], bool]:
    """Parameters producing {"v": value} for one optional field, and whether it needs a per-item Map."""
    if f.kind is Kind.N and not f.exact_numbers:
        return {"v.$": f"States.StringToJson({path}.N)"}, False
    if f.kind in (Kind.L_M,) or (f.kind is Kind.NS and not f.exact_numbers):
        return {"v.$": f"{path}.{_DESCRIPTOR[f.kind]}"}, True
    if f.kind is Kind.L_S:
        return {"v.$": f"{path}.L[*].S"}, False
    return {"v.$": f"{path}.{_DESCRIPTOR[f.kind]}"}, False


def _chain(parts: Sequence[Any]) -> Chain | None:
    out: Chain | None = None
    for part in parts:
        out = Chain.coerce(part) if out is None else out >> part
    return out


class _JsonPathBuilder:
    """Builds the per-record conversion graph (run only on checked records); state names are unique."""

    def __init__(self) -> None:
        self.names = _Names()

    def entity_chain(self, entity: Entity, src: str, dest: str, title: str, then: Any = None) -> Chain:
        """Write the plain object of the attribute map at ``src`` at ``dest``, then go on to ``then``."""
        proj = projection(entity, src)
        project = Pass(self.names(f"{title}: project"), parameters=proj.selector, result_path=dest)
        rest: list[Any] = [self.optional_step(entity, src, dest, dotted, title) for dotted in proj.optional]
        rest += [self.list_map(entity.field(dotted), f"{dest}.{dotted}", title, dotted) for dotted in proj.needs_map]
        if then is not None:
            rest.append(then)
        tail = _chain(rest)
        return Chain.of(project) if tail is None else project >> tail

    def optional_step(self, entity: Entity, src: str, dest: str, dotted: str, title: str) -> Choice:
        f = entity.field(dotted)
        path = _attribute_path(src, dotted)
        target = f"{dest}.{dotted}"
        if f.kind is Kind.M:
            assert f.entity is not None
            present: Any = self.entity_chain(f.entity, f"{path}.M", target, f"{title}.{dotted}")
        else:
            params, needs_map = _value_path(f, path)
            read = Pass(self.names(f"{title}: read {dotted}"), parameters=params, result_path="$.tmp")
            present = read >> Pass(self.names(f"{title}: set {dotted}"), input_path="$.tmp.v", result_path=target)
            if needs_map:
                present = present >> self.list_map(f, target, title, dotted)
        return (Choice(self.names(f"{title}: has {dotted}?"))
                .when(Var(f"{path}.{_DESCRIPTOR[f.kind]}").is_present(), present)
                .otherwise(Pass(self.names(f"{title}: no {dotted}"))))

    def list_map(self, f: Field, target: str, title: str, dotted: str) -> Map:
        """A Map replacing the raw DynamoDB list at ``target`` by plain values (NS numbers, L of M)."""
        inner_title = f"{title}.{dotted.rsplit('.', 1)[-1]}[]"
        if f.kind is Kind.NS:
            selector: dict[str, Any] = {"v.$": "States.StringToJson($$.Map.Item.Value)"}
            processor: Any = Pass(self.names(f"{inner_title}: number"), output_path="$.v")
        else:
            assert f.entity is not None
            selector = {"item.$": "$$.Map.Item.Value"}
            done = Pass(self.names(f"{inner_title}: done"), input_path="$.out")
            processor = self.entity_chain(f.entity, "$.item.M", "$.out", inner_title, then=done)
        return Map(self.names(f"{title}: {dotted.rsplit('.', 1)[-1]}[]"), items_path=target, item_selector=selector,
                   item_processor=processor, result_path=target)


def _typed_doc(entity: Entity, kept: Mapping[str, str], image: str) -> str:
    return (f"a batch of DynamoDB stream records as EventBridge Pipes sends it (a JSON array; [] is an empty batch); "
            f"records {', '.join(kept)} become events, their {image} holding a {entity.name} "
            f"({', '.join(f.name for f in entity.fields)})")


def _jsonpath_typed(name: str, entity: Entity, kept: Mapping[str, str], image: str, include_old_image: bool,
                    shape: Shape, on_bad_record: OnBadRecord, comment: str) -> StateMachine:
    """Check the batch once (JSONata), then a JSONPath Map converts each record (items ``{index,
    record}``). Fail mode: a bad record fails the batch before the Map. Skip mode: the check
    replaces each bad record's item by ``{index, report}``, which the Map emits as it is.

    ``Tag <eventName>`` unwraps the record and keeps ``{detailType, batchIndex}`` at ``$.meta``.
    """
    b = _JsonPathBuilder()
    doc = _typed_doc(entity, kept, image)
    tail: Chain = Chain.of(Pass(b.names("Emit event"), parameters={"out.$": "States.Array($.event)"}))
    if shape == "eventbridge":
        tail = Pass(b.names("Wrap for EventBridge"), result_path="$.event",
                    parameters={"detailType.$": "$.meta.detailType", "detail.$": "$.event"}) >> tail
    if include_old_image:
        old = b.entity_chain(entity, "$.dynamodb.OldImage", f"$.event.{_OLD_KEY}", "OldImage", then=tail)
        tail = Chain.of(Choice(b.names("Has OldImage?"))
                        .when(Var("$.dynamodb.OldImage").is_present(), old)
                        .otherwise(Pass(b.names("No OldImage"), result=None, result_path=f"$.event.{_OLD_KEY}")
                                   >> tail))
    convert = b.entity_chain(entity, f"$.dynamodb.{image}", "$.event", image, then=tail)
    keep = Choice(b.names("Keep event?"))
    if on_bad_record == "skip":
        keep = keep.when(Var("$.report").is_present(),
                         Pass(b.names("Report skipped record"), parameters={"out.$": "States.Array($.report)"}))
    for event_name, detail_type in kept.items():
        tag = Pass(b.names(f"Tag {event_name}"), parameters={"detailType": detail_type, "batchIndex.$": "$.index"},
                   result_path="$.record.meta", output_path="$.record")
        keep = keep.when(Var("$.record.eventName") == event_name, tag >> convert)
    keep = keep.otherwise(Pass(b.names("Drop event"), result={"out": []}))
    # JSONPath cannot flatten [{"out": [..]}, {"out": []}] when every list is empty ("$[*].out[*]"
    # matches nothing and fails), so this one state concatenates in JSONata: "[$states.input.out]".
    collect = Pass(b.names("Collect events"), query_language=JSONATA, output=jsonata("[$states.input.out]"))
    head = _head(_typed_problem(entity, kept, image, include_old_image, strict=True), _CHECK_PRELUDE)
    if on_bad_record == "skip":
        items = (f"(\n{head}$reduce($states.input, function($acc, $r, $i){{(\n"
                 "      $p := $problem($r);\n"
                 f"      $append($acc, [$exists($p) ? {{\"index\": $i, \"report\": {_skip_report(shape)}}}\n"
                 "                                 : {\"index\": $i, \"record\": $r}])\n"
                 "    )}, [])\n)")
        check: Any = Pass(b.names("Check records"), query_language=JSONATA, output=jsonata(one_line(items)))
        each = Map(b.names("Each record"), items_path="$", item_processor=keep)
        gate = _batch_gate(check >> each >> collect, b.names, query_language=JSONATA)
        return StateMachine(name, gate, type=EXPRESS, comment=comment, annotations={INPUT_DOC: doc})
    each = Map(b.names("Each record"), items_path="$", item_processor=keep,
               item_selector={"index.$": "$$.Map.Item.Index", "record.$": "$$.Map.Item.Value"})
    check = _fail_check(head, each >> collect, b.names, query_language=JSONATA)
    return StateMachine(name, check, type=EXPRESS, comment=comment, annotations={INPUT_DOC: doc})


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
    return _batch_machine(name, comment, functions, on_bad_record, shape, _typed_doc(ent, kept, image))
