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
    "PARTITION_TENANT", "PARTITION_TENANT_ENTITY", "ContextKeys", "TenantTable", "MISSING_CONTEXT",
]

PARTITION_TENANT = "tenant"
PARTITION_TENANT_ENTITY = "tenant#entity"
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
        for text in (self.entity.__name__, self.prefix):
            if not _LITERAL.match(text):
                raise BuildError(f"{text!r} may only hold letters, digits and _.#:- (it is written into "
                                 "key templates)", rule="appsync-layout")
        for name in (self.pk_attr, self.sk_attr):
            if not _IDENT.match(name):
                raise BuildError(f"key attribute {name!r} must be an identifier", rule="appsync-layout")

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
