"""Where a tenant's items live: table, key layout and the resolverContext keys, in both query languages.

Why one object: every resolver machine (get, put, update, delete, query, unique put, cleanup) must
agree on how a key is made, and each key must start with the tenant id the authorizer put in
``resolverContext`` -- never with anything from ``arguments``. Writing the key expressions once,
here, is what makes "the partition comes from resolverContext" true for every machine at once.

Layout: ``pk`` = ``{tenantId}`` (PARTITION_TENANT) or ``{tenantId}#{Entity}`` (PARTITION_TENANT_ENTITY);
``sk`` = ``{sk_prefix}{arguments.<key_field>}`` with ``sk_prefix`` defaulting to ``ENTITY#``.
Tenant ids must not contain ``#`` (the cleanup machine reads the tenant back from ``pk``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from workflows.core import JSONATA, JSONPATH, BuildError, Credentials
from workflows.patterns.entity import Entity, entity_of

__all__ = [
    "PARTITION_TENANT", "PARTITION_TENANT_ENTITY", "ContextKeys", "TenantTable", "SecondaryIndex", "MISSING_CONTEXT",
    "UNIQUE_TOKEN_ATTR",
]

PARTITION_TENANT = "tenant"
PARTITION_TENANT_ENTITY = "tenant#entity"
#: Attribute where the unique put (``appsync_unique``) stores its per-write token, on the item and on
#: each constraint record; bookkeeping, so never part of an output (see ``TenantTable.hidden_attrs``).
UNIQUE_TOKEN_ATTR = "uniqueToken"
#: The error a machine fails with when resolverContext lacks the tenant id or the tenant's role.
MISSING_CONTEXT = "Tenant.MissingContext"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERAL = re.compile(r"^[A-Za-z0-9_.#:-]*$")  # safe inside States.Format and JSONata strings alike


@dataclass(frozen=True)
class ContextKeys:
    """Names of the keys the Lambda authorizer puts into ``ctx.identity.resolverContext``."""

    tenant_id: str = "tenantId"
    role_arn: str = "tenantRoleArn"

    def __post_init__(self) -> None:
        for name in (self.tenant_id, self.role_arn):
            if not _IDENT.match(name):
                raise BuildError(f"resolverContext key {name!r} must be an identifier", rule="appsync-layout")

    @property
    def tenant_path(self) -> str:
        return f"$.identity.resolverContext.{self.tenant_id}"

    @property
    def role_path(self) -> str:
        return f"$.identity.resolverContext.{self.role_arn}"


@dataclass(frozen=True)
class SecondaryIndex:
    """A GSI (or LSI) the entity's items are also reachable by.

    Its partition key holds ``{tenantId}{partition_suffix}``, so the tenant role's
    ``dynamodb:LeadingKeys`` condition (which IAM applies to the index's partition key on a Query)
    still confines a caller to its own items; its sort key holds ``{sk_prefix}...``. The writer of
    the items sets both attributes; the resolver machines only read them (and strip them from output).
    """

    name: str
    pk_attr: str
    sk_attr: str
    partition_suffix: str = ""
    sk_prefix: str = ""

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9_.-]{3,255}", self.name):
            raise BuildError(f"index name {self.name!r} must be 3-255 of A-Za-z0-9_.-", rule="appsync-layout")
        for name in (self.pk_attr, self.sk_attr):
            if not _IDENT.match(name):
                raise BuildError(f"index {self.name}: key attribute {name!r} must be an identifier",
                                 rule="appsync-layout")
        if self.pk_attr == self.sk_attr:
            raise BuildError(f"index {self.name}: partition and sort key are both {self.pk_attr!r}",
                             rule="appsync-layout")
        for text in (self.partition_suffix, self.sk_prefix):
            if not _LITERAL.match(text):
                raise BuildError(f"index {self.name}: {text!r} may only hold letters, digits and _.#:-",
                                 rule="appsync-layout")


@dataclass(frozen=True)
class TenantTable:
    """One entity's items in a (single-table) DynamoDB table, partitioned by tenant."""

    entity: type
    key_field: str = "id"
    table: str = "${AppTable}"
    placeholders: dict[str, str] = field(default_factory=lambda: {"AppTable": "app-table"})
    partition: str = PARTITION_TENANT_ENTITY
    sk_prefix: str | None = None
    context: ContextKeys = ContextKeys()
    query_language: str = JSONPATH
    pk_attr: str = "pk"
    sk_attr: str = "sk"
    indexes: tuple[SecondaryIndex, ...] = ()

    def __post_init__(self) -> None:
        if self.partition not in (PARTITION_TENANT, PARTITION_TENANT_ENTITY):
            raise BuildError(f"partition must be {PARTITION_TENANT!r} or {PARTITION_TENANT_ENTITY!r}, "
                             f"not {self.partition!r}", rule="appsync-layout")
        if self.query_language not in (JSONPATH, JSONATA):
            raise BuildError(f"query_language must be JSONPath or JSONata, not {self.query_language!r}",
                             rule="appsync-layout")
        shape = self.shape
        if self.key_field not in {f.name for f in shape.fields}:
            raise BuildError(f"key_field {self.key_field!r} is not a field of {shape.name}", rule="appsync-layout")
        if UNIQUE_TOKEN_ATTR in {f.name for f in shape.fields}:
            raise BuildError(f"{shape.name}.{UNIQUE_TOKEN_ATTR} clashes with the attribute the unique put keeps its "
                             "per-write token in (and outputs leave out)", rule="appsync-layout")
        for text in (self.entity.__name__, self.prefix):
            if not _LITERAL.match(text):
                raise BuildError(f"{text!r} may only hold letters, digits and _.#:- (it is written into "
                                 "key templates)", rule="appsync-layout")
        for name in (self.pk_attr, self.sk_attr):
            if not _IDENT.match(name):
                raise BuildError(f"key attribute {name!r} must be an identifier", rule="appsync-layout")
        names = [i.name for i in self.indexes]
        if len(set(names)) != len(names):
            raise BuildError(f"index names must be unique, got {names}", rule="appsync-layout")
        for index in self.indexes:
            if index.pk_attr == self.pk_attr and index.partition_suffix != self.partition_suffix:
                raise BuildError(f"index {index.name} shares the table's partition key {self.pk_attr!r}, so its "
                                 f"partition_suffix must be {self.partition_suffix!r}", rule="appsync-layout")
            if index.sk_attr == self.pk_attr:
                # the paging token carries the index sort key; the table partition must come from resolverContext
                raise BuildError(f"index {index.name}: its sort key is the table's partition key "
                                 f"{self.pk_attr!r}", rule="appsync-layout")

    def index(self, name: str) -> SecondaryIndex:
        """The declared index called ``name`` (BuildError listing the declared ones otherwise)."""
        for index in self.indexes:
            if index.name == name:
                return index
        raise BuildError(f"{self.name} has no index {name!r} (declared: {[i.name for i in self.indexes]})",
                         rule="appsync-layout")

    @property
    def key_attrs(self) -> tuple[str, ...]:
        """Every key attribute the layout writes (table and index keys): never part of an output."""
        attrs = [self.pk_attr, self.sk_attr] + [a for i in self.indexes for a in (i.pk_attr, i.sk_attr)]
        return tuple(dict.fromkeys(attrs))

    @property
    def hidden_attrs(self) -> tuple[str, ...]:
        """Attributes the machines write for their own bookkeeping: the keys and the unique put's token."""
        return self.key_attrs + (UNIQUE_TOKEN_ATTR,)

    # -- names -------------------------------------------------------------------------------
    @property
    def shape(self) -> Entity:
        return entity_of(self.entity)

    @property
    def name(self) -> str:
        return self.entity.__name__

    @property
    def prefix(self) -> str:
        return self.sk_prefix if self.sk_prefix is not None else f"{self.name.upper()}#"

    @property
    def jsonata(self) -> bool:
        return self.query_language == JSONATA

    @property
    def partition_suffix(self) -> str:
        return f"#{self.name}" if self.partition == PARTITION_TENANT_ENTITY else ""

    # -- JSONPath ----------------------------------------------------------------------------
    def credentials(self) -> Credentials:
        """The tenant's role, read unchanged from resolverContext (never built)."""
        if self.jsonata:
            return Credentials(role_arn="{% $states.input.identity.resolverContext." + self.context.role_arn + " %}")
        return Credentials.from_path(self.context.role_path)

    def pk_path(self) -> dict[str, str]:
        """``{"S.$": ...}`` for the partition key, from resolverContext."""
        if not self.partition_suffix:
            return {"S.$": self.context.tenant_path}
        return {"S.$": f"States.Format('{{}}{self.partition_suffix}', {self.context.tenant_path})"}

    def sk_path(self, value_path: str) -> dict[str, str]:
        if not self.prefix:
            return {"S.$": value_path}
        return {"S.$": f"States.Format('{self.prefix}{{}}', {value_path})"}

    def key_path(self, value_path: str = "") -> dict[str, Any]:
        return {self.pk_attr: self.pk_path(), self.sk_attr: self.sk_path(value_path or f"$.arguments.{self.key_field}")}

    # -- JSONata -----------------------------------------------------------------------------
    def context_ok(self) -> str:
        """JSONata (bare) that is true when both resolverContext keys are non-empty strings."""
        c = "$states.input.identity.resolverContext"
        t, r = f"{c}.{self.context.tenant_id}", f"{c}.{self.context.role_arn}"
        return f'($type({t}) = "string" and {t} != "" and $type({r}) = "string" and {r} != "")'

    def tenant_expr(self) -> str:
        """JSONata (bare): the tenant id, or a ``Tenant.MissingContext`` evaluation error (no call made)."""
        t = f"$states.input.identity.resolverContext.{self.context.tenant_id}"
        return (f'({self.context_ok()} ? {t} : $error("{MISSING_CONTEXT}: resolverContext needs non-empty '
                f'{self.context.tenant_id} and {self.context.role_arn}"))')

    def pk_expr(self) -> str:
        return self.tenant_expr() + (f' & "{self.partition_suffix}"' if self.partition_suffix else "")

    def sk_expr(self, value_expr: str = "") -> str:
        value = value_expr or f"$states.input.arguments.{self.key_field}"
        return f'"{self.prefix}" & {value}' if self.prefix else value

    def key_jsonata(self, value_expr: str = "") -> dict[str, Any]:
        return {self.pk_attr: {"S": "{% " + self.pk_expr() + " %}"},
                self.sk_attr: {"S": "{% " + self.sk_expr(value_expr) + " %}"}}
