"""A local target with the project's resources and a few tenants in place: ``workflows run --seed`` and
``workflows local --seed``.

Why: the project's machines name their tables and buckets only as placeholders (``${AppTable}``) and
their data tasks run under a tenant's role, so on an empty engine nothing but a Pass-only machine can
succeed. This is the fixtures' own set-up (``targets.prepare``: the tables read from the ASL, the
execution roles, every machine; ``tenants.Tenants``: one stack per tenant from the tenant template),
plus what a lifecycle machine reads: the buckets its ASL names (the tenant template stored where
``${TemplateBucket}``/``${TemplateKey}`` point) and, when the project has a tenants table, each
tenant's record as ``tenant-stack-create`` writes it, with every feature the project's machines ask for.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from workflows.core import StateMachine
from workflows.patterns.appsync.features import FEATURES_KEY, encode_features, gate_features
from workflows.patterns.tenant_stacks import tenant_template
from workflows.registry import Resolver
from workflows.testing.calls import resolver_input
from workflows.testing.tables import TableSpec, table_specs
from workflows.testing.targets import Target, local_placeholders, prepare
from workflows.testing.tenants import Tenant, Tenants

__all__ = ["DEFAULT_TENANTS", "SeedError", "Seeded", "seed"]

DEFAULT_TENANTS = ("acme", "globex")
#: the placeholder of the tenants table (workflows.patterns.tenant_stacks), whose records the lifecycle reads
TENANTS_TABLE = "TenantsTable"
_BUCKET_KEY = re.compile(r'"Bucket"\s*:\s*"\$\{(\w+)\}"')
_S3_URL = re.compile(r"https://\$\{(\w+)\}\.s3[.\w-]*\.amazonaws\.com/\$\{(\w+)\}")


class SeedError(ValueError):
    """The seed cannot be made as asked (an unknown tenant, a resolver input that is not its arguments)."""


@dataclass
class Seeded:
    """What the seed put on the target, and how to call a resolver machine as one of its tenants."""

    tables: dict[str, tuple[str, TableSpec]] = field(default_factory=dict)   # placeholder -> (name, spec)
    buckets: dict[str, str] = field(default_factory=dict)                    # placeholder -> bucket
    objects: list[str] = field(default_factory=list)                         # s3://bucket/key written
    tenants: dict[str, Tenant] = field(default_factory=dict)
    features: tuple[str, ...] = ()                                           # every tenant has these
    machines: dict[str, str] = field(default_factory=dict)                   # workflow -> ARN
    gated: frozenset[str] = frozenset()                                      # resolver machines behind a gate

    def tenant(self, name: str) -> Tenant:
        if name not in self.tenants:
            raise SeedError(f"no tenant {name!r} was seeded (seeded: {', '.join(self.tenants) or 'none'})")
        return self.tenants[name]

    def resolver_input(self, workflow: str, resolver: Resolver, tenant: str, arguments: Any) -> dict[str, Any]:
        """What the generated APPSYNC_JS resolver of ``workflow`` sends for ``tenant``: its resolverContext
        (the features too, for a gated machine, as the authorizer encodes them) and the field's arguments."""
        if not isinstance(arguments, Mapping):
            raise SeedError(f"{workflow} resolves {resolver.coordinate}: its input is the field's arguments as a "
                            f"JSON object (e.g. {_example(resolver)}), not {type(arguments).__name__}")
        if resolver.arguments is not None:
            extra = sorted(set(arguments) - set(resolver.arguments))
            if extra:
                raise SeedError(f"{workflow} resolves {resolver.coordinate}({', '.join(resolver.arguments)}): "
                                f"no argument {', '.join(extra)} (with --as-tenant the input is the field's "
                                "arguments; the CLI adds identity.resolverContext)")
        payload = resolver_input(self.tenant(tenant), arguments, resolver.arguments)
        if workflow in self.gated:
            payload["identity"]["resolverContext"][FEATURES_KEY] = encode_features(self.features)
        return payload

    def lines(self) -> list[str]:
        """The short table of what exists."""
        out = []
        tables = [f"{name} (${{{p}}}, key {spec.pk}{'/' + spec.sk if spec.sk else ''})"
                  for p, (name, spec) in sorted(self.tables.items())]
        out.append(f"  tables    {', '.join(tables) or 'none'}")
        if self.buckets:
            written = f" with {', '.join(self.objects)}" if self.objects else ""
            out.append(f"  buckets   {', '.join(f'{b} (${{{p}}})' for p, b in sorted(self.buckets.items()))}{written}")
        width = max((len(t) for t in self.tenants), default=0)
        features = f"  features: {', '.join(self.features)}" if self.features else ""
        for i, (name, tenant) in enumerate(self.tenants.items()):
            head = "  tenants   " if i == 0 else " " * 12
            out.append(f"{head}{name:<{width}}  {tenant.role_arn}{features}")
        if not self.tenants:
            out.append("  tenants   none")
        out.append(f"  machines  {len(self.machines)}: {', '.join(self.machines)}")
        return out


def _example(resolver: Resolver) -> str:
    return json.dumps({name: "..." for name in (resolver.arguments or ())})


def _buckets(definitions: Mapping[str, Mapping[str, Any]]) -> tuple[set[str], dict[str, str]]:
    """Bucket placeholders the ASL names, and bucket placeholder -> key placeholder of an S3 URL."""
    buckets: set[str] = set()
    urls: dict[str, str] = {}
    for definition in definitions.values():
        text = json.dumps(definition)
        buckets |= set(_BUCKET_KEY.findall(text))
        for bucket, key in _S3_URL.findall(text):
            buckets.add(bucket)
            urls[bucket] = key
    return buckets, urls


def _app_table(placeholders: Mapping[str, str], tables: Mapping[str, TableSpec]) -> str | None:
    """The table tenant roles may use (as the fixtures decide): ${AppTable}, or the project's only table."""
    if "AppTable" in placeholders:
        return placeholders["AppTable"]
    names = [placeholders[p] for p in tables if p in placeholders and p != TENANTS_TABLE]
    return names[0] if len(names) == 1 else None


def seed(target: Target, machines: Mapping[str, StateMachine], resolvers: Mapping[str, Resolver],
         tenants: Sequence[str] = DEFAULT_TENANTS, *, create: Sequence[str] | None = None,
         template: str | None = None) -> Seeded:
    """Create the project's tables, buckets, execution roles and ``tenants`` on a local ``target``, and
    its machines (``create``: only these; the tables and buckets are still those of every machine)."""
    if target.kind == "stack":
        raise SeedError("a deployed stack is not seeded: it has its own resources")
    definitions = {name: machine.to_asl() for name, machine in machines.items()}
    specs = table_specs(definitions)
    if not target.placeholders:
        target.placeholders.update(local_placeholders(machines))
    placeholders = target.placeholders
    chosen = machines if create is None else {name: machines[name] for name in create}
    prepare(target, chosen, resolvers, specs)
    template = template or tenant_template()
    seeded = Seeded(tables={p: (placeholders[p], spec) for p, spec in specs.items()}, machines=dict(target.machines))
    bucket_names, urls = _buckets(definitions)
    s3 = target.client("s3") if bucket_names else None
    for placeholder in sorted(bucket_names):
        name = placeholders.get(placeholder)
        if not name:
            raise SeedError(f"no value for ${{{placeholder}}}: declare a local default in the machine's "
                            "StateMachine(placeholders={...})")
        try:
            s3.create_bucket(Bucket=name)
        except s3.exceptions.BucketAlreadyOwnedByYou:
            pass
        seeded.buckets[placeholder] = name
        key = placeholders.get(urls.get(placeholder, ""))
        if key:  # a machine reads an object at a fixed key: the lifecycle's tenant template
            s3.put_object(Bucket=name, Key=key, Body=template.encode("utf-8"))
            seeded.objects.append(f"{key} (the tenant template)")
    features = sorted({f for name in resolvers if name in machines for f in gate_features(machines[name])})
    seeded.features = tuple(features)
    seeded.gated = frozenset(name for name in resolvers if name in machines and gate_features(machines[name]))
    # the tenants keep the names asked for (the fixtures suffix them on a shared target, for test isolation)
    made = Tenants(dataclasses.replace(target, shared=False), template, _app_table(placeholders, specs))
    for name in dict.fromkeys(tenants):
        tenant = made.create(name)
        seeded.tenants[name] = tenant
        if TENANTS_TABLE in specs:
            _record(target, placeholders[TENANTS_TABLE], specs[TENANTS_TABLE], tenant, features)
    return seeded


def _record(target: Target, table: str, spec: TableSpec, tenant: Tenant, features: Sequence[str]) -> None:
    """The tenant's record as tenant-stack-create leaves it (ACTIVE, its stack and role), plus its features."""
    item: dict[str, Any] = {spec.pk: {"S": tenant.id}, "status": {"S": "ACTIVE"},
                            "stackName": {"S": tenant.stack_name or ""}, "tenantRoleArn": {"S": tenant.role_arn},
                            "stackStatus": {"S": "CREATE_COMPLETE"}}
    if spec.sk:
        item[spec.sk] = {"S": tenant.id}
    if features:
        item[FEATURES_KEY] = {"SS": list(features)}
    target.client("dynamodb").put_item(TableName=table, Item=item)
