"""Plain GraphQL input -> typed DynamoDB attribute values, driven by the entity's declared types.

Why schema-driven: a JSON value alone does not say whether ``["a"]`` is a list (L) or a string set
(SS), or whether a number must keep exact digits; the entity dataclass does (see
``workflows.patterns.entity``). The reverse direction (DynamoDB JSON -> plain JSON) is NOT here: it
is ``workflows.patterns.dynamodb_json``, the project's one unmarshaller.

JSONPath can only address whole values, so lists that need per-element typing (list[str],
list[entity], number sets) and optional fields are JSONata-only; asking for them in JSONPath is a
BuildError naming the field.
"""

from __future__ import annotations

from typing import Any

from workflows.core import BuildError
from workflows.patterns.entity import Entity, Field, Kind

__all__ = ["marshal_paths", "marshal_jsonata", "field_path", "field_jsonata", "echo_paths"]

_JSONPATH_UNSUPPORTED = {Kind.L_S: "a list of strings", Kind.L_M: "a list of maps", Kind.NS: "a number set"}


def field_path(f: Field, source: str, where: str) -> dict[str, Any]:
    """``{"S.$": source}``-style template for one field (JSONPath Parameters)."""
    if f.kind in _JSONPATH_UNSUPPORTED:
        raise BuildError(f"{where}: {_JSONPATH_UNSUPPORTED[f.kind]} needs per-element typing; "
                         "use query_language=JSONata for this entity", rule="appsync-marshal")
    if f.kind is Kind.N:
        return {"N.$": f"States.JsonToString({source})"}
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
    if kind is Kind.N:
        return f'{{"N": $string({value})}}'
    if kind is Kind.NS:
        return f'{{"NS": [$map({value}, function($n){{ $string($n) }})]}}'
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
