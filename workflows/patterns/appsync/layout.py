"""Where a tenant's items live: table, key layout and index keys, in both query languages.

Why one object: every resolver machine (get, put, update, delete, query, unique put, cleanup) must
agree on how a key is made, and each key must start with the tenant id the authorizer put in
``resolverContext`` -- never with anything from ``arguments``. Writing the key expressions once,
here, is what makes "the partition comes from resolverContext" true for every machine at once.

Layout: ``pk`` = ``{tenantId}`` (PARTITION_TENANT) or ``{tenantId}#{Entity}`` (PARTITION_TENANT_ENTITY);
``sk`` = ``{sk_prefix}{arguments.<key_field>}`` with ``sk_prefix`` defaulting to ``ENTITY#``.
Tenant ids must not contain ``#`` (the cleanup machine reads the tenant back from ``pk``).

The resolverContext keys are fixed: ``tenantId`` and ``tenantRoleArn``. Why not configurable: the
generated APPSYNC_JS resolvers forward exactly these, the Lambda authorizer returns exactly these,
and the unique cleanup writes exactly these; an option that renamed them in the machines alone
would build machines no deployed caller can feed.

Key attributes are the machines' own: an entity field may not be named like any of them (table
and index keys, ``uniqueToken``), and the put machines write every index key themselves -- the
index partition as ``{tenantId}{partition_suffix}`` from resolverContext, the index sort key as
``{sk_prefix}{input.<sk_field>}`` when the index declares ``sk_field`` (otherwise the machines
leave it unwritten). Why: IAM's ``dynamodb:LeadingKeys`` on PutItem checks only the TABLE's
partition key, so an index key taken from arguments could file an item under another tenant's
index partition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from workflows.core import JSONATA, JSONPATH, BuildError, Credentials
from workflows.core.isolation import ROLE
from workflows.patterns.appsync.marshal import exact_number_jsonata
from workflows.patterns.appsync.normalize import Normalize
from workflows.patterns.entity import Entity, Kind, entity_of

__all__ = [
    "PARTITION_TENANT", "PARTITION_TENANT_ENTITY", "TenantTable", "SecondaryIndex", "MISSING_CONTEXT",
    "UNIQUE_TOKEN_ATTR", "TENANT_ID_KEY", "ROLE_ARN_KEY", "TENANT_PATH", "ROLE_PATH",
]

PARTITION_TENANT = "tenant"
PARTITION_TENANT_ENTITY = "tenant#entity"
#: Attribute where the unique put (``unique``) stores its per-write token, on the item and on
#: each constraint record; bookkeeping, so never part of an output (see ``TenantTable.hidden_attrs``).
UNIQUE_TOKEN_ATTR = "uniqueToken"
#: The error a machine fails with when resolverContext lacks the tenant id or the tenant's role.
MISSING_CONTEXT = "Tenant.MissingContext"

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LITERAL = re.compile(r"^[A-Za-z0-9_.#:-]*$")  # safe inside States.Format and JSONata strings alike


#: The resolverContext keys the Lambda authorizer sets (fixed: see the module docstring).
TENANT_ID_KEY = "tenantId"
ROLE_ARN_KEY = ROLE[-1]  # the lint in core proves tenant-scoped machines use exactly this key
TENANT_PATH = f"$.identity.resolverContext.{TENANT_ID_KEY}"
ROLE_PATH = f"$.identity.resolverContext.{ROLE_ARN_KEY}"


@dataclass(frozen=True)
class SecondaryIndex:
    """A GSI (or LSI) the entity's items are also reachable by.

    Its partition key holds ``{tenantId}{partition_suffix}``, so the tenant role's
    ``dynamodb:LeadingKeys`` condition (``[tenant, tenant#*]``, which IAM applies to the index's
    partition key on a Query) still confines a caller to its own items -- hence the suffix must be
    empty or start with ``#``. Its sort key holds ``{sk_prefix}{input.<sk_field>}``; without
    ``sk_field`` the resolver machines never write it (another writer may). The put machines write
    both; the other machines only read them (and strip them from output).
    """

    name: str
    pk_attr: str
    sk_attr: str
    partition_suffix: str = ""
    sk_prefix: str = ""
    sk_field: str | None = None

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
        if self.partition_suffix and not self.partition_suffix.startswith("#"):
            raise BuildError(f"index {self.name}: partition_suffix {self.partition_suffix!r} must be empty or start "
                             "with '#' (the tenant role's LeadingKeys [tenant, tenant#*] match nothing else)",
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
    query_language: str = JSONPATH
    pk_attr: str = "pk"
    sk_attr: str = "sk"
    indexes: tuple[SecondaryIndex, ...] = ()
    #: fields whose values must be unique in the tenant: only ``appsync.put_unique`` may write them.
    #: A mapping ``{"email": Normalize.EMAIL}`` also says how each is compared (a sequence: ``EXACT``).
    unique: tuple[str, ...] | Mapping[str, Normalize] = ()
    #: how each unique field is compared (``appsync.normalize``); filled from a ``unique`` mapping too
    normalize: Mapping[str, Normalize] = field(default_factory=dict)

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
        self._check_unique()
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
        self._check_index_writes()
        clashes = [f.name for f in shape.fields if f.name in self.key_attrs]
        if clashes:
            # a field named like a key would let arguments choose the partition (table or index)
            raise BuildError(f"{shape.name} fields {clashes} are named like key attributes of the layout "
                             f"{list(self.key_attrs)}; the machines write those themselves -- rename the fields",
                             rule="appsync-layout")

    def _check_unique(self) -> None:
        if isinstance(self.unique, str):
            raise BuildError("unique needs a sequence of field names, not a string", rule="appsync-unique")
        normalize = dict(self.normalize)
        if isinstance(self.unique, Mapping):
            for name, mode in self.unique.items():
                if normalize.setdefault(name, mode) is not mode:
                    raise BuildError(f"{self.name}.{name}: unique says {mode} but normalize says {normalize[name]}",
                                     rule="appsync-unique")
        object.__setattr__(self, "unique", tuple(self.unique))
        object.__setattr__(self, "normalize", normalize)
        known = {f.name: f for f in self.shape.fields}
        for name in self.unique:
            f = known.get(name)
            if f is None:
                raise BuildError(f"{self.name} has no field {name!r}", rule="appsync-unique")
            if f.kind.value != "S" or f.optional:
                raise BuildError(f"unique field {self.name}.{name} must be a required str", rule="appsync-unique")
            if name == self.key_field:
                raise BuildError(f"{name!r} is the key field; it is unique already", rule="appsync-unique")
        for name, mode in normalize.items():
            if name not in self.unique:
                raise BuildError(f"normalize names {self.name}.{name}, which is not a unique field "
                                 f"{list(self.unique)}", rule="appsync-unique")
            if not isinstance(mode, Normalize):
                raise BuildError(f"{self.name}.{name}: normalization must be a Normalize "
                                 f"({', '.join(m.name for m in Normalize)}), not {mode!r}", rule="appsync-unique")

    def _check_index_writes(self) -> None:
        """Each index key attribute the machines write gets ONE value; a sort-key source is a required str/number."""
        known = {f.name: f for f in self.shape.fields}
        written: dict[str, tuple[str, str]] = {}
        for index in self.indexes:
            if index.sk_field is not None:
                f = known.get(index.sk_field)
                if f is None or f.optional or f.kind.value not in ("S", "N"):
                    raise BuildError(f"index {index.name}: sk_field {index.sk_field!r} must be a required str or "
                                     f"number field of {self.name}", rule="appsync-layout")
                if index.sk_attr in (self.pk_attr, self.sk_attr):
                    raise BuildError(f"index {index.name}: its sort key {index.sk_attr!r} is a table key; it cannot "
                                     "take sk_field", rule="appsync-layout")
            for attr, value in self._index_values(index):
                if written.setdefault(attr, value) != value:
                    raise BuildError(f"indexes disagree on what attribute {attr!r} holds: {written[attr]} and "
                                     f"{value}", rule="appsync-layout")

    def _index_values(self, index: SecondaryIndex) -> list[tuple[str, tuple[str, str]]]:
        """(attribute, (kind, literal)) the put machines write for ``index``; table keys are written anyway."""
        out = []
        if index.pk_attr not in (self.pk_attr, self.sk_attr):
            out.append((index.pk_attr, ("tenant", index.partition_suffix)))
        if index.sk_field is not None:
            out.append((index.sk_attr, (index.sk_field, index.sk_prefix)))
        return out

    def normalization(self, name: str) -> Normalize:
        """How unique field ``name`` is compared (``EXACT`` unless the layout says otherwise)."""
        return self.normalize.get(name, Normalize.EXACT)

    def index_sk_fields(self) -> set[str]:
        """Fields an index sort key is made from (an update may not change them: the index key would go stale)."""
        return {i.sk_field for i in self.indexes if i.sk_field is not None}

    def index_keys_path(self, src: str) -> dict[str, Any]:
        """JSONPath: the index key attributes a put writes, ``src`` being the plain input (``$.arguments.input``)."""
        out: dict[str, Any] = {}
        for index in self.indexes:
            for attr, (source, literal) in self._index_values(index):
                if source == "tenant":
                    out[attr] = ({"S.$": f"States.Format('{{}}{literal}', {TENANT_PATH})"} if literal
                                 else {"S.$": TENANT_PATH})
                else:
                    out[attr] = {"S.$": f"States.Format('{literal}{{}}', {src}.{source})"}
        return out

    def index_keys_jsonata(self, tenant: str, src: str) -> str:
        """JSONata object members (``"gpk": {...}, ...``, or "") for the index keys; ``tenant`` is bare JSONata."""
        parts = []
        numbers = {f.name for f in self.shape.fields if f.kind is Kind.N and not f.exact_numbers}  # Decimal: a string
        for index in self.indexes:
            for attr, (source, literal) in self._index_values(index):
                # a number's digits as marshal writes them ($string would keep 15 of them)
                text = exact_number_jsonata(f"{src}.`{source}`") if source in numbers else f"{src}.`{source}`"
                value = f'{tenant} & "{literal}"' if source == "tenant" else f'"{literal}" & {text}'
                parts.append(f'"{attr}": {{"S": {value}}}')
        return "".join(", " + p for p in parts)

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
            return Credentials(role_arn="{% $states.input.identity.resolverContext." + ROLE_ARN_KEY + " %}")
        return Credentials.from_path(ROLE_PATH)

    def pk_path(self) -> dict[str, str]:
        """``{"S.$": ...}`` for the partition key, from resolverContext."""
        if not self.partition_suffix:
            return {"S.$": TENANT_PATH}
        return {"S.$": f"States.Format('{{}}{self.partition_suffix}', {TENANT_PATH})"}

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
        t, r = f"{c}.{TENANT_ID_KEY}", f"{c}.{ROLE_ARN_KEY}"
        return f'($type({t}) = "string" and {t} != "" and $type({r}) = "string" and {r} != "")'

    def tenant_expr(self) -> str:
        """JSONata (bare): the tenant id, or a ``Tenant.MissingContext`` evaluation error (no call made)."""
        t = f"$states.input.identity.resolverContext.{TENANT_ID_KEY}"
        return (f'({self.context_ok()} ? {t} : $error("{MISSING_CONTEXT}: resolverContext needs non-empty '
                f'{TENANT_ID_KEY} and {ROLE_ARN_KEY}"))')

    def pk_expr(self) -> str:
        return self.tenant_expr() + (f' & "{self.partition_suffix}"' if self.partition_suffix else "")

    def sk_expr(self, value_expr: str = "") -> str:
        value = value_expr or f"$states.input.arguments.{self.key_field}"
        return f'"{self.prefix}" & {value}' if self.prefix else value

    def key_jsonata(self, value_expr: str = "", check: str = "") -> dict[str, Any]:
        """``check``: bare JSONata evaluated first (e.g. raising on a bad argument)."""
        sk = f"({check}; {self.sk_expr(value_expr)})" if check else self.sk_expr(value_expr)
        return {self.pk_attr: {"S": "{% " + self.pk_expr() + " %}"}, self.sk_attr: {"S": "{% " + sk + " %}"}}
