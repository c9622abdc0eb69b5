"""Plain GraphQL input -> typed DynamoDB attribute values, driven by the entity's declared types.

Why schema-driven: a JSON value alone does not say whether ``["a"]`` is a list (L) or a string set
(SS), or whether a number must keep exact digits; the entity dataclass does (see
``workflows.patterns.entity``). The reverse direction (DynamoDB JSON -> plain JSON) is NOT here: it
is ``workflows.patterns.dynamodb_json``, the project's one unmarshaller.

JSONPath can only address whole values, so lists that need per-element typing (list[str],
list[entity], number sets) and optional fields are JSONata-only; asking for them in JSONPath is a
BuildError naming the field.

Numbers keep their digits (the write-side twin of ``dynamodb_json``'s read rule). A JSON number is
a double by the time a machine sees it, and JSONata's ``$string`` keeps 15 significant digits, so
``$string(2**53-1)`` was ``9.00719925474099e+15``. An ``int``/``float`` field is written only when
its digits survive: an integer within +-2**53 (``$formatBase(v, 10)``: every digit, in JavaScript
and in jsonata-python alike), or a number whose 15-digit ``$string`` reads back as the same double
and has at most 15 significant digits -- then that string IS the client's shortest decimal. Both
in DynamoDB's range (1E-130 .. 9.99E+125). Why not 16-17 digits: JSONata's only other formatter,
``$formatNumber``, computes with doubles in JavaScript and returned a longer, different decimal
for some values (measured: 116981.14195232045 -> "116981.141952320453"); a value it cannot render
exactly is refused (``arguments``: ``Resolver.InvalidArgument`` naming the field), never rounded.
A ``Decimal`` field is a string in JSON number syntax with at most 38 significant digits, written
verbatim: a JSON number for it may have lost digits before the machine saw it, so it is refused.
JSONPath writes ``int``/``float`` with ``States.JsonToString`` (Step Functions' own JSON writer,
exact on the local engine, not verifiable here for AWS) and a ``Decimal`` string verbatim.
"""

from __future__ import annotations

from typing import Any

from workflows.core import BuildError
from workflows.core.jsonata import one_line
from workflows.patterns.entity import Entity, Field, Kind

__all__ = ["marshal_paths", "marshal_jsonata", "field_path", "field_jsonata", "echo_paths", "NUMBER_FUNCTIONS",
           "exact_number_jsonata", "MAX_EXACT_INTEGER", "MAX_EXACT_SIGNIFICANT_DIGITS", "MAX_DYNAMODB_DIGITS"]

#: Integers up to this magnitude are written digit for digit (every one is a double).
MAX_EXACT_INTEGER = 2**53
#: Other JSON numbers are written when they have at most this many significant digits.
MAX_EXACT_SIGNIFICANT_DIGITS = 15
#: DynamoDB keeps at most 38 significant digits (magnitudes 1E-130 .. 9.99E+125).
MAX_DYNAMODB_DIGITS = 38

# $ddbDigits(s): for a string in JSON number syntax, {"sig": significant digits, "ok": DynamoDB can store it};
# undefined for anything else. No ^/$ anchors: '$' also matches before a final newline in Python's re
# (jsonata-python) but not in JavaScript, so the whole-string test is "the first match is all of it".
# The value is 0.<digits> x 10^point: DynamoDB's 1E-130 .. 9.99E+125 is point -129 .. 126.
_DIGITS = r"""function($s){(
  $m := $type($s) = "string" ? $match($s, /-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/, 1);
  ($exists($m) and $m.index = 0 and $m.match = $s) ? (
    $int := $m.groups[0];
    $frac := $m.groups[1] ? $substring($m.groups[1], 1) : "";
    $exp := $m.groups[2] ? $number($replace($substring($m.groups[2], 1), "+", "")) : 0;
    $all := $int & $frac;
    $noLead := $replace($all, /^0+/, "");
    $sig := $length($replace($noLead, /0+$/, ""));
    $point := $length($int) + $exp - ($length($all) - $length($noLead));
    {"sig": $sig, "ok": $sig = 0 or ($sig <= %(max_digits)d and $point >= -129 and $point <= 126)}
  )
)}"""
# $exactNumber(v): the decimal DynamoDB must store for the JSON number v, or undefined when v's digits
# cannot be written exactly (see the module docstring). The range is judged on the string before $number
# reads it back: near 1.8E+308 the 15-digit string overflows a double (jsonata-python raises on it).
_EXACT = r"""function($v){
  ($abs($v) <= %(max_int)d and $floor($v) = $v) ? $formatBase($v, 10)
  : ($s := $string($v); $d := $ddbDigits($s); ($d.ok and $d.sig <= %(max_sig)d) ? ($number($s) = $v ? $s))
}"""
#: JSONata bindings (``$ddbDigits``, ``$exactNumber``) to put first in a block that writes or checks numbers.
NUMBER_FUNCTIONS: str = one_line(
    "$ddbDigits := " + _DIGITS % {"max_digits": MAX_DYNAMODB_DIGITS} + "; $exactNumber := "
    + _EXACT % {"max_int": MAX_EXACT_INTEGER, "max_sig": MAX_EXACT_SIGNIFICANT_DIGITS})


def exact_number_jsonata(value: str) -> str:
    """Bare JSONata: the exact DynamoDB N string for the JSON number at ``value`` (undefined if there is none)."""
    return f"({NUMBER_FUNCTIONS}; $exactNumber({value}))"

_JSONPATH_UNSUPPORTED = {Kind.L_S: "a list of strings", Kind.L_M: "a list of maps", Kind.NS: "a number set"}


def field_path(f: Field, source: str, where: str) -> dict[str, Any]:
    """``{"S.$": source}``-style template for one field (JSONPath Parameters)."""
    if f.kind in _JSONPATH_UNSUPPORTED:
        raise BuildError(f"{where}: {_JSONPATH_UNSUPPORTED[f.kind]} needs per-element typing; "
                         "use query_language=JSONata for this entity", rule="appsync-marshal")
    if f.kind is Kind.N:
        # a Decimal field is already the digits (a string); a number goes through Step Functions' JSON writer
        return {"N.$": source} if f.exact_numbers else {"N.$": f"States.JsonToString({source})"}
    if f.kind is Kind.M:
        assert f.entity is not None
        return {"M": marshal_paths(f.entity, source, where)}
    return {f"{f.kind.value}.$": source}


def marshal_paths(entity: Entity, source: str, where: str = "") -> dict[str, Any]:
    """Attribute map template reading every field from ``source`` (e.g. ``$.arguments.input``)."""
    out: dict[str, Any] = {}
    for f in entity.fields:
        here = f"{where or entity.name}.{f.name}"
        if f.optional:
            raise BuildError(f"{here}: optional fields cannot be left out by a JSONPath template; "
                             "use query_language=JSONata", rule="appsync-marshal")
        out[f.name] = field_path(f, f"{source}.{f.name}", here)
    return out


def field_jsonata(f: Field, value: str) -> str:
    """Bare JSONata for one field's attribute value, ``value`` being the plain JSON expression."""
    kind = f.kind
    if kind in (Kind.N, Kind.NS) and f.exact_numbers:
        return f'{{"{kind.value}": {value}}}'  # Decimal: the checked string(s), verbatim
    if kind is Kind.N:
        return f'{{"N": {exact_number_jsonata(value)}}}'
    if kind is Kind.NS:
        return f'{{"NS": ({NUMBER_FUNCTIONS}; [$map({value}, function($n){{ $exactNumber($n) }})])}}'
    if kind is Kind.L_S:
        return f'{{"L": [$map({value}, function($s){{ {{"S": $s}} }})]}}'
    if kind is Kind.M:
        assert f.entity is not None
        return f'{{"M": {marshal_jsonata(f.entity, value)}}}'
    if kind is Kind.L_M:
        assert f.entity is not None
        return f'{{"L": [$map({value}, function($m){{ {{"M": {marshal_jsonata(f.entity, "$m")}}} }})]}}'
    return f'{{"{kind.value}": {value}}}'


def marshal_jsonata(entity: Entity, source: str) -> str:
    """Bare JSONata building the attribute map from the plain object at ``source``.

    An optional field that is absent or null is left out (an object constructor drops undefined
    values; GraphQL sends null for an explicit "no value").
    """
    parts = []
    for f in entity.fields:
        value = f"{source}.`{f.name}`"
        typed = field_jsonata(f, value)
        present = f'$exists({value}) and $type({value}) != "null"'
        parts.append(f'"{f.name}": ({present}) ? {typed} : undefined' if f.optional else f'"{f.name}": {typed}')
    return "{" + ", ".join(parts) + "}"


def echo_paths(entity: Entity, source: str) -> dict[str, Any]:
    """JSONPath template copying only the entity's declared fields (nested entities too) from ``source``.

    Why: a put returns what it stored; echoing ``arguments.input`` whole would hand back fields the
    entity does not declare (and the item never got). Optional fields are not supported (JSONPath
    cannot leave an absent field out; ``marshal_paths`` refuses them first).
    """
    out: dict[str, Any] = {}
    for f in entity.fields:
        if f.kind is Kind.M and f.entity is not None:
            out[f.name] = echo_paths(f.entity, f"{source}.{f.name}")
        else:
            out[f"{f.name}.$"] = f"{source}.{f.name}"
    return out
