"""An entity's DynamoDB shape, read from a dataclass or TypedDict, and its JSONPath projection.

Why: machines that stay in JSONPath cannot run the JSONata unmarshaller
(``workflows.patterns.dynamodb_json``); they need a ResultSelector/Parameters dict that picks each
attribute's typed value. The Python type says which descriptor to pick, so the dict is derived
from the type rather than written by hand.

Type mapping: str -> S, int/float -> N as a JSON number, Decimal -> N kept as its exact string,
bool -> BOOL, bytes -> B (base64 string), list[str] -> L of S, set[str] -> SS, set[bytes] -> BS,
set[int]/set[float] -> NS as numbers, set[Decimal] -> NS as exact strings, a nested
dataclass/TypedDict -> M, list[nested] -> L of M; ``Optional[...]``/``X | None``/``NotRequired``/
``total=False`` make a field optional. Anything else raises ``EntitySchemaError``.

Number precision (the JSONPath form of the rule in ``dynamodb_json``): one JSONPath selector
cannot look at a value's digits, so the schema decides per field: ``int``/``float`` declare that
values fit a double exactly (<= 15 significant digits, or integers up to 2**53) and are converted
with ``States.StringToJson``; declare ``Decimal`` for anything wider and get DynamoDB's exact digits
as a string, never silently rounded.

What one selector cannot do, and what ``Projection`` reports so builders can add states:
- an absent attribute makes a ``.$`` path fail with States.Runtime: optional fields are left out
  of ``selector`` and listed in ``optional`` (add a Choice on ``IsPresent`` + a Pass per field, or
  use the JSONata form);
- a list of maps, and NS to numbers, need per-element work: the selector copies the raw DynamoDB
  list (``L`` / ``NS`` strings) and ``needs_map`` names the field, for a Map state whose
  ItemSelector is ``projection(field.entity, "$$.Map.Item.Value.M")`` (or StringToJson per NS item);
- an attribute stored as ``{"NULL": true}`` instead of its declared type fails like an absent one.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Iterable, NotRequired, Required, Union, get_args, get_origin, get_type_hints

__all__ = [
    "EntitySchemaError",
    "Kind",
    "Field",
    "Entity",
    "entity_of",
    "Projection",
    "projection",
]


class EntitySchemaError(TypeError):
    """A type that has no DynamoDB mapping here, or a malformed source path or field path."""


class Kind(enum.Enum):
    """The DynamoDB shape of a field (``L_S``: list of strings, ``L_M``: list of maps)."""

    S = "S"
    N = "N"
    BOOL = "BOOL"
    B = "B"
    SS = "SS"
    NS = "NS"
    BS = "BS"
    L_S = "L_S"
    M = "M"
    L_M = "L_M"


@dataclass(frozen=True)
class Field:
    """One attribute: ``exact_numbers`` is True for Decimal-typed N/NS (kept as exact strings)."""

    name: str
    kind: Kind
    optional: bool = False
    exact_numbers: bool = False
    entity: "Entity | None" = None


@dataclass(frozen=True)
class Entity:
    """The DynamoDB shape of a dataclass or TypedDict, nested entities included."""

    name: str
    fields: tuple[Field, ...]

    def field(self, path: str) -> Field:
        """The field at a dotted path through nested maps, e.g. ``"address.street"``."""
        entity: Entity | None = self
        found: Field | None = None
        for part in path.split("."):
            if entity is None:
                raise EntitySchemaError(f"{path!r}: {found.name!r} is not a map" if found else path)
            found = next((f for f in entity.fields if f.name == part), None)
            if found is None:
                names = ", ".join(f.name for f in entity.fields)
                raise EntitySchemaError(f"{path!r}: entity {entity.name} has no field {part!r} (fields: {names})")
            entity = found.entity if found.kind is Kind.M else None
        assert found is not None
        return found


_SCALARS: dict[Any, tuple[Kind, bool]] = {
    str: (Kind.S, False),
    bool: (Kind.BOOL, False),
    int: (Kind.N, False),
    float: (Kind.N, False),
    Decimal: (Kind.N, True),
    bytes: (Kind.B, False),
}
_SET_ITEMS: dict[Any, tuple[Kind, bool]] = {
    str: (Kind.SS, False),
    bytes: (Kind.BS, False),
    int: (Kind.NS, False),
    float: (Kind.NS, False),
    Decimal: (Kind.NS, True),
}


def _is_entity_type(tp: Any) -> bool:
    return isinstance(tp, type) and (dataclasses.is_dataclass(tp) or typing.is_typeddict(tp))


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    """Unwrap NotRequired/Required and ``X | None``; report whether the field may be absent."""
    optional = False
    while get_origin(tp) in (NotRequired, Required):
        optional = optional or get_origin(tp) is NotRequired
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        if len(members) != len(get_args(tp)):
            optional = True
        if len(members) != 1:
            raise EntitySchemaError(f"union {tp!r} has no single DynamoDB type")
        tp = members[0]
    return tp, optional


def _field(owner: str, name: str, tp: Any, optional: bool, stack: tuple[type, ...]) -> Field:
    tp, nullable = _strip_optional(tp)
    optional = optional or nullable
    where = f"{owner}.{name}"
    if tp in _SCALARS:
        kind, exact = _SCALARS[tp]
        return Field(name, kind, optional, exact)
    if _is_entity_type(tp):
        return Field(name, Kind.M, optional, entity=_entity(tp, stack))
    origin, args = get_origin(tp), get_args(tp)
    if origin in (set, frozenset) and len(args) == 1 and args[0] in _SET_ITEMS:
        kind, exact = _SET_ITEMS[args[0]]
        return Field(name, kind, optional, exact)
    if origin is list and len(args) == 1:
        if args[0] is str:
            return Field(name, Kind.L_S, optional)
        if _is_entity_type(args[0]):
            return Field(name, Kind.L_M, optional, entity=_entity(args[0], stack))
    raise EntitySchemaError(
        f"{where}: type {tp!r} has no DynamoDB mapping here (use str, int, float, Decimal, bool, bytes, "
        "list[str], set[str|int|float|Decimal|bytes], a nested dataclass/TypedDict or a list of them)"
    )


def _entity(cls: type, stack: tuple[type, ...]) -> Entity:
    if cls in stack:
        chain = " -> ".join(c.__name__ for c in (*stack, cls))
        raise EntitySchemaError(f"recursive entity {chain}: a JSONPath projection cannot be unbounded")
    hints = get_type_hints(cls, include_extras=True)
    if dataclasses.is_dataclass(cls):
        names = [f.name for f in dataclasses.fields(cls)]
        optional_keys: frozenset[str] = frozenset()
    else:
        names = list(hints)
        optional_keys = frozenset(getattr(cls, "__optional_keys__", ()))
    fields = tuple(
        _field(cls.__name__, name, hints[name], name in optional_keys, (*stack, cls)) for name in names
    )
    return Entity(cls.__name__, fields)


def entity_of(cls: type) -> Entity:
    """Read a dataclass or TypedDict (nested ones included) into an ``Entity``."""
    if not _is_entity_type(cls):
        raise EntitySchemaError(f"{cls!r} is neither a dataclass nor a TypedDict")
    return _entity(cls, ())


@dataclass(frozen=True)
class Projection:
    """A selector dict plus what it could not express (dotted output field paths)."""

    selector: dict[str, Any]
    needs_map: tuple[str, ...]
    optional: tuple[str, ...]


_PLAIN_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SOURCE = re.compile(r"^\$\$?(\.|\[|$)")


def _step(source: str, name: str) -> str:
    if _PLAIN_NAME.match(name):
        return f"{source}.{name}"
    if "'" in name:
        raise EntitySchemaError(f"field name {name!r} cannot be written in a JSONPath")
    return f"{source}['{name}']"


def _project(entity: Entity, source: str, prefix: str, present: frozenset[str],
             needs_map: list[str], optional: list[str]) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    for f in entity.fields:
        out = f"{prefix}{f.name}"
        if f.optional and out not in present:
            optional.append(out)
            continue
        path = _step(source, f.name)
        key = f"{f.name}.$"
        if f.kind is Kind.M:
            assert f.entity is not None
            selector[f.name] = _project(f.entity, f"{path}.M", f"{out}.", present, needs_map, optional)
        elif f.kind is Kind.N:
            selector[key] = f"{path}.N" if f.exact_numbers else f"States.StringToJson({path}.N)"
        elif f.kind is Kind.L_S:
            selector[key] = f"{path}.L[*].S"
        elif f.kind is Kind.L_M:
            selector[key] = f"{path}.L"
            needs_map.append(out)
        elif f.kind is Kind.NS:
            selector[key] = f"{path}.NS"
            if not f.exact_numbers:
                needs_map.append(out)
        else:  # S, BOOL, B, SS, BS: the descriptor's value is already the plain value
            selector[key] = f"{path}.{f.kind.value}"
    return selector


def projection(entity: Entity | type, source: str, present: Iterable[str] = ()) -> Projection:
    """Selector projecting the attribute map at JSONPath ``source`` (e.g. ``"$.Item"``).

    ``present`` names optional fields (dotted paths) the caller knows exist, e.g. on the branch of
    a Choice that tested ``IsPresent``: they are projected instead of being reported as optional.
    """
    if not isinstance(entity, Entity):
        entity = entity_of(entity)
    if not _SOURCE.match(source):
        raise EntitySchemaError(f"source {source!r} is not a JSONPath (it must start with '$')")
    wanted = frozenset(present)
    for name in wanted:
        if not entity.field(name).optional:
            raise EntitySchemaError(f"present={name!r} names a field that is not optional")
    needs_map: list[str] = []
    optional: list[str] = []
    selector = _project(entity, source.rstrip("."), "", wanted, needs_map, optional)
    return Projection(selector, tuple(needs_map), tuple(optional))
