"""Refuse unusable resolver arguments by name, before any DynamoDB call.

Why: a missing or mistyped field otherwise reaches DynamoDB as ``{"S": undefined}`` (an empty
attribute value) or ``{"BOOL": "abc"}`` and comes back as an unnamed
``DynamoDB.AmazonDynamoDBException`` / ``ValidationException`` whose cause says nothing about the
argument. Checked here instead, a bad argument is ``Resolver.InvalidArgument`` with a cause naming
the field, e.g. ``input.email is required and must be a string``.

Two shapes, one rule set (``_EXPECT``):
- JSONata: a bare expression giving the first reason (or undefined), evaluated inside the task's
  Arguments (``refuse``) -- so a get stays one state -- and again by its Catch to fill the cause.
- JSONPath: Choice rules (IsPresent, then IsString/IsNumeric/IsBoolean) each going to a Fail
  named ``Resolver.InvalidArgument`` whose cause names the field; the presence rule comes first
  because a type test on an absent path is a runtime error on AWS.
Optional fields may be absent or null (GraphQL sends null for an explicit "no value").

Numbers (JSONata): an ``int``/``float`` value must be one ``marshal`` can write digit for digit
(an integer within +/-2^53, or at most 15 significant digits, in DynamoDB's range), a ``Decimal``
value a string in JSON number syntax DynamoDB can store; anything else is refused by name rather
than rounded (see ``marshal``). JSONPath checks only the JSON type (a Choice cannot count digits).
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

from workflows.core import Condition, Fail, Var
from workflows.patterns.appsync.marshal import NUMBER_FUNCTIONS
from workflows.patterns.entity import Entity, Field, Kind

__all__ = ["INVALID_ARGUMENT", "invalid_jsonata", "key_invalid_jsonata", "either", "refuse", "path_rules",
           "key_rules", "required_subset"]

#: The error a machine fails with when an argument is unusable.
INVALID_ARGUMENT = "Resolver.InvalidArgument"

# kind -> (what the cause says it must be, JSONata test of $v)
_EXPECT: dict[Kind, tuple[str, str]] = {
    Kind.S: ("a string", '$type($v) = "string"'),
    Kind.B: ("a base64 string", '$type($v) = "string"'),
    Kind.N: ("a number", '$type($v) = "number"'),
    Kind.BOOL: ("a boolean", '$type($v) = "boolean"'),
    Kind.SS: ("a non-empty list of distinct strings", "$set($v, \"string\")"),
    Kind.BS: ("a non-empty list of distinct base64 strings", "$set($v, \"string\")"),
    Kind.NS: ("a non-empty list of distinct numbers", "$set($v, \"number\")"),
    Kind.L_S: ("a list of strings", '$type($v) = "array" and $count($filter($v, function($e){ $type($e) != "string" })) = 0'),
    Kind.M: ("an object", '$type($v) = "object"'),
    Kind.L_M: ("a list of objects", '$type($v) = "array" and $count($filter($v, function($e){ $type($e) != "object" })) = 0'),
}
# Decimal (exact_numbers) fields: the digits travel as strings ($ddbDigits: marshal.NUMBER_FUNCTIONS)
_DECIMAL_EXPECT: dict[Kind, tuple[str, str]] = {
    Kind.N: ("a decimal number as a string (JSON number syntax, at most 38 significant digits, magnitude 1E-130 "
             "to 9.99E+125)", '$type($v) = "string" and $ddbDigits($v).ok = true'),
    Kind.NS: ("a non-empty list of distinct decimal numbers as strings",
              '$set($v, "string") and $count($filter($v, function($e){ $not($ddbDigits($e).ok = true) })) = 0'),
}
#: Why an int/float value is refused although it is a number (marshal writes it only when its digits survive).
INEXACT = ("must be a number DynamoDB can store exactly: an integer within +/-2^53, or at most 15 significant "
           "digits, magnitude 1E-130 to 9.99E+125 (declare the field Decimal and send a string for more digits)")
# the int/float kinds' second test, after the type: every digit can be written
_EXACT_TEST = {Kind.N: "$exists($exactNumber($v))",
               Kind.NS: "$count($filter($v, function($e){ $not($exists($exactNumber($e))) })) = 0"}
# DynamoDB refuses empty sets and sets with duplicates
_SET_FN = ('$set := function($v, $t){ $type($v) = "array" and $count($v) > 0 and '
           '$count($filter($v, function($e){ $type($e) != $t })) = 0 and $count($distinct($v)) = $count($v) }')
# (Step Functions refuses a lone "$" in JSONata, so element tests use $filter, not a [$type($)] predicate)


def _expect(f: Field) -> tuple[str, str]:
    """(what the cause says the field must be, JSONata test of ``$v``)."""
    if f.exact_numbers and f.kind in _DECIMAL_EXPECT:
        return _DECIMAL_EXPECT[f.kind]
    return _EXPECT[f.kind]


def _test(test: str, value: str) -> str:
    return "($v := " + value + "; " + test + ")"


def _field_reason(f: Field, value: str, label: str, depth: int) -> str:
    """Bare JSONata: the reason ``value`` is not a valid ``f``, or undefined."""
    what, test = _expect(f)
    wrong = f'$not({_test(test, value)}) ? "{label} must be {what}"'
    if f.kind in _EXACT_TEST and not f.exact_numbers:
        element = label + ("[]" if f.kind is Kind.NS else "")
        wrong += f' : $not({_test(_EXACT_TEST[f.kind], value)}) ? "{element} {INEXACT}"'
    nested = ""
    if f.kind is Kind.M and f.entity is not None:
        nested = _entity_reason(f.entity, value, label, depth + 1)
    elif f.kind is Kind.L_M and f.entity is not None:
        m = f"$m{depth}"
        nested = f"($map({value}, function({m}){{ {_entity_reason(f.entity, m, label + '[]', depth + 1)} }}))[0]"
    checked = wrong + (f" : {nested}" if nested else " : undefined")
    absent = f'$not($exists({value})) or $type({value}) = "null"'
    if f.optional:
        return f"(({absent}) ? undefined : {checked})"
    return f'(({absent}) ? "{label} is required and must be {what}" : {checked})'


def _entity_reason(entity: Entity, source: str, where: str, depth: int = 0) -> str:
    reasons = [_field_reason(f, f"{source}.`{f.name}`", f"{where}.{f.name}", depth) for f in entity.fields]
    if not reasons:
        return "undefined"
    # the first non-undefined reason: a chain of "$exists(r) ? r : next"
    out = "undefined"
    for i, reason in enumerate(reversed(reasons)):
        var = f"$r{depth}_{i}"
        out = f"({var} := {reason}; $exists({var}) ? {var} : {out})"
    return out


def _has_numbers(entity: Entity) -> bool:
    return any(f.kind in (Kind.N, Kind.NS) or (f.entity is not None and _has_numbers(f.entity))
               for f in entity.fields)


def invalid_jsonata(entity: Entity, source: str, where: str) -> str:
    """Bare JSONata: the first reason the object at ``source`` is not a valid ``entity`` (labels start ``where``)."""
    numbers = f"{NUMBER_FUNCTIONS}; " if _has_numbers(entity) else ""
    return f"({_SET_FN}; {numbers}{_entity_reason(entity, source, where)})"


def key_invalid_jsonata(source: str, label: str) -> str:
    """Bare JSONata: the reason the key argument at ``source`` is unusable (it must be a non-empty string)."""
    return (f'($type({source}) = "string" and {source} != "") ? undefined : '
            f'"{label} is required and must be a non-empty string"')


def either(*reasons: str) -> str:
    """Bare JSONata: the first of ``reasons`` that is not undefined."""
    out = "undefined"
    for i, reason in enumerate(reversed(reasons)):
        out = f"($e{i} := {reason}; $exists($e{i}) ? $e{i} : {out})"
    return out


def refuse(reason: str) -> str:
    """Bare JSONata to put first in a block: raises ``Resolver.InvalidArgument: <reason>`` when there is one."""
    return f'($why := {reason}; $exists($why) ? $error("{INVALID_ARGUMENT}: " & $why) : undefined)'


def required_subset(entity: Entity, names: Sequence[str]) -> Entity:
    """The entity restricted to ``names``, all required (an update SETs each of them)."""
    by_name = {f.name: f for f in entity.fields}
    return Entity(entity.name, tuple(dataclasses.replace(by_name[n], optional=False) for n in names))


# -- JSONPath ------------------------------------------------------------------------------------
_PATH_TYPE = {Kind.S: Var.is_string, Kind.B: Var.is_string, Kind.N: Var.is_numeric, Kind.BOOL: Var.is_boolean}


def _fail_name(label: str) -> str:
    parts = label.replace("[]", "").replace(".", " ").split()
    return "Invalid" + "".join(p[0].upper() + p[1:] for p in parts)


def _fail(label: str, what: str) -> Fail:
    return Fail(_fail_name(label), error=INVALID_ARGUMENT, cause=f"{label} is required and must be {what}")


def path_rules(entity: Entity, source: str, where: str) -> list[tuple[Condition, Fail]]:
    """Choice rules refusing a missing or mistyped field (nested maps field by field).

    Sets (SS/BS) are tested on their first element: JSONPath has no array test, and an empty set
    is refused by DynamoDB anyway. Kinds JSONPath cannot marshal never get here (marshal
    refuses them first).
    """
    rules: list[tuple[Condition, Fail]] = []
    for f in entity.fields:
        path, label = f"{source}.{f.name}", f"{where}.{f.name}"
        if f.kind is Kind.M and f.entity is not None:
            rules += path_rules(f.entity, path, label)
            continue
        fail = _fail(label, _expect(f)[0])
        if f.kind in (Kind.SS, Kind.BS):
            rules += [(~Var(f"{path}[0]").is_present(), fail), (~Var(f"{path}[0]").is_string(), fail)]
        elif f.kind is Kind.N and f.exact_numbers:  # a Decimal's digits travel as a string
            rules += [(~Var(path).is_present(), fail), (~Var(path).is_string(), fail)]
        elif f.kind in _PATH_TYPE:
            rules += [(~Var(path).is_present(), fail), (~_PATH_TYPE[f.kind](Var(path)), fail)]
    return rules


def key_rules(source: str, label: str) -> list[tuple[Condition, Fail]]:
    """Choice rules refusing a missing, non-string or empty key argument."""
    fail = Fail(_fail_name(label), error=INVALID_ARGUMENT, cause=f"{label} is required and must be a non-empty string")
    key = Var(source)
    return [(~key.is_present(), fail), (~key.is_string(), fail), (key == "", fail)]

