"""What an AppSync resolver machine reads and returns, as GraphQL sees it: its contract.

Why: the APPSYNC_JS resolver forwards a field's arguments to the machine and hands the machine's
output back as the field's value. Nothing in ASL says which arguments a machine reads or what shape
it answers with, so a field whose cursor is ``nextPageKey`` could be wired to a machine that reads
``nextToken`` and every call would return page 1. The pattern builders know both facts; each records
them here, on the machine it returns (``StateMachine.annotations``, which core only carries), and
``workflows check`` compares them with the project's GraphQL schema (``conformance``), while
``workflows schema`` writes a schema from them (``sdl``).

The model is GraphQL's own, reduced to what a machine can promise: a ``Shape`` is a scalar (named by
the GraphQL scalar that fits the value best), a list, or an object with named members, each
nullable or not. A nullable shape says why it may be null (``why_null``), so a refusal can say what
to change (e.g. ``get_item(..., not_found="error")``).

Scalars, from the entity's Python types: ``str`` -> String (the key field: ID), ``int`` -> Int,
``float`` -> Float, ``bool`` -> Boolean, ``bytes`` -> String (base64), ``Decimal`` -> AWSJSON on
output (a number when a double holds it exactly, else a string of DynamoDB's digits: no built-in
scalar holds both) and String on input (its digits: a JSON number may have lost some already); sets and ``list[str]`` are lists of non-null items; a nested
dataclass is an object (an input object on the way in).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Mapping, NotRequired, Required, Sequence, Union, get_args, get_origin, get_type_hints

from workflows.core import StateMachine
from workflows.patterns.entity import Entity, Field, Kind, entity_of

__all__ = ["Shape", "Contract", "Binding", "CONTRACT_KEY", "contract_of", "annotations", "entity_output", "entity_input",
           "key_argument", "SCALAR", "LIST", "OBJECT", "OUTPUT_SATISFIES", "INPUT_ACCEPTS", "APPSYNC_SCALARS"]

#: The key under which a resolver machine's contract sits in ``StateMachine.annotations``.
CONTRACT_KEY = "appsync.contract"

SCALAR, LIST, OBJECT = "scalar", "list", "object"

#: The scalars AppSync defines beyond GraphQL's (a schema uses them without declaring them).
APPSYNC_SCALARS = ("AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail", "AWSJSON", "AWSURL",
                   "AWSPhone", "AWSIPAddress")
_STRINGS = frozenset({"String", "ID", "AWSDate", "AWSTime", "AWSDateTime", "AWSEmail", "AWSURL", "AWSPhone",
                      "AWSIPAddress"})

#: Machine scalar -> the GraphQL scalars a returned value of it serializes as (output coercion).
OUTPUT_SATISFIES: Mapping[str, frozenset[str]] = {
    "ID": frozenset({"ID", "String"}),
    "String": _STRINGS,
    "Int": frozenset({"Int", "Float", "AWSTimestamp"}),
    "Float": frozenset({"Float"}),
    "Boolean": frozenset({"Boolean"}),
    "AWSJSON": frozenset({"AWSJSON"}),
}
#: Machine scalar (what its argument check wants) -> the GraphQL argument scalars whose values it accepts.
INPUT_ACCEPTS: Mapping[str, frozenset[str]] = {
    "ID": _STRINGS,
    "String": _STRINGS,
    "Int": frozenset({"Int", "AWSTimestamp"}),
    "Float": frozenset({"Float", "Int", "AWSTimestamp"}),
    "Boolean": frozenset({"Boolean"}),
}


@dataclass(frozen=True)
class Shape:
    """A GraphQL-shaped value a machine reads or returns.

    ``name``: the GraphQL scalar (SCALAR) or the type name ``workflows schema`` gives it (OBJECT).
    ``why_null``: why a nullable shape may be null, for messages (e.g. "null when no item has the id").
    """

    kind: str
    name: str = ""
    nullable: bool = False
    item: "Shape | None" = None
    fields: tuple[tuple[str, "Shape"], ...] = ()
    why_null: str = ""

    @staticmethod
    def scalar(name: str, *, nullable: bool = False, why_null: str = "") -> "Shape":
        return Shape(SCALAR, name, nullable, why_null=why_null)

    @staticmethod
    def list_of(item: "Shape", *, nullable: bool = False, why_null: str = "") -> "Shape":
        return Shape(LIST, "", nullable, item=item, why_null=why_null)

    @staticmethod
    def object(name: str, fields: Sequence[tuple[str, "Shape"]], *, nullable: bool = False,
               why_null: str = "") -> "Shape":
        return Shape(OBJECT, name, nullable, fields=tuple(fields), why_null=why_null)

    def or_null(self, why: str) -> "Shape":
        """The same shape, nullable for the reason ``why``."""
        return dataclasses.replace(self, nullable=True, why_null=why)

    def member(self, name: str) -> "Shape | None":
        return dict(self.fields).get(name)

    def describe(self) -> str:
        """The shape in GraphQL notation, e.g. ``[Set!]!``."""
        inner = f"[{self.item.describe()}]" if self.kind == LIST and self.item else self.name or "{...}"
        return inner if self.nullable else inner + "!"


@dataclass(frozen=True)
class Contract:
    """What a resolver machine reads from ``arguments`` (name -> shape, in order) and what it returns."""

    arguments: tuple[tuple[str, Shape], ...]
    returns: Shape

    @property
    def reads(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.arguments)


def annotations(contract: Contract) -> dict[str, Any]:
    """``StateMachine(annotations=...)`` value recording ``contract``."""
    return {CONTRACT_KEY: contract}


def contract_of(machine: StateMachine) -> Contract | None:
    """The contract a pattern builder recorded on ``machine`` (None for a machine built by hand)."""
    found = machine.annotations.get(CONTRACT_KEY)
    return found if isinstance(found, Contract) else None


# -- shapes of an entity ------------------------------------------------------------------------------
def _unwrap(tp: Any) -> Any:
    """``X | None``, ``Optional[X]``, ``NotRequired[X]`` -> ``X`` (entity.py decides optionality)."""
    while get_origin(tp) in (NotRequired, Required):
        tp = get_args(tp)[0]
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        tp = members[0] if len(members) == 1 else tp
    return tp


def _python_types(cls: type) -> dict[str, Any]:
    """Field name -> its Python type without Optional/NotRequired (the entity says optional)."""
    return {name: _unwrap(tp) for name, tp in get_type_hints(cls, include_extras=True).items()}


def _number(tp: Any, *, output: bool) -> str:
    if tp is Decimal:
        return "AWSJSON" if output else "String"  # the write path takes a Decimal as its digits, never a double
    return "Int" if tp is int else "Float"


def _element(tp: Any) -> Any:
    args = get_args(tp)
    return args[0] if args else Any


def _value(f: Field, tp: Any, *, output: bool, key: bool) -> Shape:
    why = f"{f.name} is optional" if f.optional else ""
    kind = f.kind
    if kind is Kind.S:
        shape = Shape.scalar("ID" if key else "String")
    elif kind is Kind.B:
        shape = Shape.scalar("String")
    elif kind is Kind.BOOL:
        shape = Shape.scalar("Boolean")
    elif kind is Kind.N:
        shape = Shape.scalar(_number(tp, output=output))
    elif kind in (Kind.SS, Kind.BS, Kind.L_S):
        shape = Shape.list_of(Shape.scalar("String"))
    elif kind is Kind.NS:
        shape = Shape.list_of(Shape.scalar(_number(_element(tp), output=output)))
    elif kind is Kind.M:
        assert f.entity is not None
        shape = _object(f.entity, tp, output=output)
    elif kind is Kind.L_M:
        assert f.entity is not None
        shape = Shape.list_of(_object(f.entity, _element(tp), output=output))
    else:  # pragma: no cover - Kind is closed
        raise AssertionError(kind)
    return shape.or_null(why) if f.optional else shape


def _object(entity: Entity, cls: type, *, output: bool, key_field: str | None = None,
            only: Sequence[str] | None = None, required: bool = False, name: str | None = None) -> Shape:
    hints = _python_types(cls)
    members = []
    for f in entity.fields:
        if only is not None and f.name not in only:
            continue
        if required:
            f = dataclasses.replace(f, optional=False)
        members.append((f.name, _value(f, hints.get(f.name), output=output, key=f.name == key_field)))
    type_name = name or (entity.name if output else f"{entity.name}Input")
    return Shape.object(type_name, members)


def entity_output(cls: type, key_field: str | None = None) -> Shape:
    """The entity as the machines return it: key field ``ID!``, optional fields nullable."""
    return _object(entity_of(cls), cls, output=True, key_field=key_field)


def entity_input(cls: type, key_field: str | None = None, *, only: Sequence[str] | None = None,
                 name: str | None = None) -> Shape:
    """The entity as a machine reads it from ``arguments.input`` (``only``: these fields, all required)."""
    return _object(entity_of(cls), cls, output=False, key_field=key_field, only=only, required=only is not None,
                   name=name)


def key_argument(key_field: str) -> tuple[str, Shape]:
    """The key argument every single-item machine reads: a non-empty string, so ``ID!``."""
    return key_field, Shape.scalar("ID")


@dataclass(frozen=True)
class Binding:
    """A machine bound to a GraphQL field: what the generated resolver forwards, what the machine promises.

    ``forwarded``: the argument names the resolver passes on (None: all of the field's).
    ``contract``: None for a machine built by hand (then only the field and its arguments are checked).
    """

    machine: str
    type_name: str
    field_name: str
    forwarded: tuple[str, ...] | None
    contract: Contract | None

    @property
    def coordinate(self) -> str:
        return f"{self.type_name}.{self.field_name}"
