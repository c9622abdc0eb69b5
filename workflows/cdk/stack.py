"""The ready-made stack: a project's machines and tenant GraphQL API, the tenant stack lifecycle, the pipes.

Why one stack: the authorizer reads the tenants table and the tenant template names the app table,
so splitting them would make cross-stack references in both directions.

What is deployed follows the project, not this module: the machines are the project's ``asl/`` files
(and its ``appsync/`` resolvers, its schema); the tenant lifecycle (template bucket, tenant template,
rules) only when the project has lifecycle machines; a pipe only for a machine the app names.

With tenant accounts (``tenant_accounts``, ``workflows.cdk.accounts``): the machines built with placement
get their three placeholders, may assume exactly the accounts' provisioning roles, and have fixed role
names (each account's ``TenantAccountStack`` trusts them by ARN); the template bucket lets those
provisioning roles read the template. Without them the stack is what it always was.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from workflows.cdk.accounts import TenantAccounts
from workflows.cdk.api import Authorizer, GraphqlApi, table
from workflows.cdk.cross_account import (
    app_table_arns, platform_role_arns, provisioner_role_names, share_app_table, share_template,
)
from workflows.cdk.lifecycle import (
    LifecycleRules, TemplateStore, TenantBoundary, provisioning_grants, tenant_stack_arns,
)
from workflows.cdk.machines import WorkflowMachine
from workflows.cdk.nag import acknowledge_findings
from workflows.cdk.pipes import StreamToBus, StreamToMachine
from workflows.cdk.sources import MachineSource, SourceError, load_machines
from workflows.cdk.task_permissions import task_uses
from workflows.golden import contract_problems
from workflows.patterns.appsync.unique import DEAD_LETTERS
from workflows.project import Project

#: lifecycle step -> the machine name the library's tenant_stacks patterns give it by default
LIFECYCLE_MACHINES: Mapping[str, str] = {"create": "tenant-stack-create", "delete": "tenant-stack-delete",
                                         "update": "tenant-stack-update"}
#: the placeholders only the template store (and the tenant roles' boundary and trust that go with it) can fill
TEMPLATE_PLACEHOLDERS = frozenset({"TemplateBucket", "TemplateKey", "TenantBoundary", "TenantCallers"})
#: placeholders naming an SQS queue the stack creates for operators (the unique cleanup's dead letters)
QUEUE_PLACEHOLDERS = frozenset({DEAD_LETTERS[2:-1]})
#: DynamoDB Streams serve at most two concurrent readers per shard
MAX_STREAM_READERS = 2


class StackConfigError(ValueError):
    """The stack's arguments do not fit the project: a pipe names a machine its asl/ does not hold, more
    stream readers than a DynamoDB stream serves, or issuer/audience missing from the CDK context."""


def check_stream_readers(machines: Collection[str], asl_dir: Path, enrichment: str | None,
                         stream_machines: Mapping[str, Sequence[Mapping]]) -> None:
    """Every machine named for a pipe is one of ``machines`` (the project's asl/), and the app table's
    stream gets no more readers than it serves."""
    named = ([enrichment] if enrichment is not None else []) + list(stream_machines)
    unknown = [name for name in named if name not in machines]
    if unknown:
        raise StackConfigError(f"pipe machine(s) {', '.join(map(repr, unknown))} not in {asl_dir}; "
                               f"it holds: {', '.join(sorted(machines))}")
    if len(named) > MAX_STREAM_READERS:
        raise StackConfigError(f"{len(named)} pipes would read the app table's stream ({', '.join(named)}); "
                               f"a DynamoDB stream serves at most {MAX_STREAM_READERS} readers per shard")


@dataclass(frozen=True)
class AuthSettings:
    """The token issuer the authorizer trusts; ``jwks`` is the issuer's JSON Web Key Set, given at deploy
    time so that no request calls the issuer (an empty set refuses every token).

    ``cache_seconds``: the longest AppSync caches the authorizer's answer for a token (never longer than
    the token is valid). It is the window in which a suspended or deleted tenant's cached answer still
    works; lower it to shorten that window (0: every request reads the tenants table).
    """

    issuer: str
    audience: str
    jwks: Mapping = field(default_factory=lambda: {"keys": []})
    cache_seconds: int = 300

    @classmethod
    def from_context(cls, scope: Construct) -> "AuthSettings":
        """From CDK context (cdk.json or ``-c``): ``saas:issuer``, ``saas:audience`` and ``saas:jwks`` (a JSON
        object) or ``saas:jwksFile`` (a file holding one); ``saas:authorizerCacheSeconds`` (default 300)."""
        get = scope.node.try_get_context
        missing = [key for key in ("saas:issuer", "saas:audience") if not get(key)]
        if missing:
            raise StackConfigError(f"CDK context {', '.join(missing)} not set: put it in cdk.json or pass "
                                   f"-c {missing[0]}=...")
        jwks = get("saas:jwks")
        if jwks is None and get("saas:jwksFile"):
            jwks = json.loads(Path(get("saas:jwksFile")).read_text(encoding="utf-8"))
        if isinstance(jwks, str):
            jwks = json.loads(jwks)
        cache = get("saas:authorizerCacheSeconds")
        if cache is not None:
            try:
                cache = int(str(cache), 10)  # `-c` gives a string, cdk.json a number
            except ValueError:
                raise StackConfigError(f"CDK context saas:authorizerCacheSeconds={cache!r} is not whole seconds "
                                       f"(0 to 3600)") from None
        return cls(issuer=get("saas:issuer"), audience=get("saas:audience"),
                   jwks=jwks if isinstance(jwks, Mapping) else {"keys": []},
                   cache_seconds=300 if cache is None else cache)


class TenantApiStack(cdk.Stack):
    """Every machine of the project's asl/ deployed unchanged, with the resources its placeholders name.

    - ``enrichment``: a machine of the project that enriches the app table's stream into events on the
      bus (``StreamToBus``), e.g. ``"pipes-flatten-stream"``; none by default.
    - ``stream_machines``: machine name -> stream filter patterns; each such machine is started with the
      filtered batches (``StreamToMachine``), e.g. a unique-constraint cleanup with its ``cleanup_filter``.
    - ``lifecycle``: lifecycle step -> machine name; the tenant lifecycle is deployed when the project
      has any of them (or a machine names ``${TemplateBucket}``).
    - ``tenant_accounts``: the accounts tenant stacks are placed in (``TenantAccounts.from_context``); each
      of them needs a ``TenantAccountStack`` (infra/app.py adds them). None: one account.
    - ``acknowledge_nag``: record the reviewed cdk-nag acknowledgments of this design (``nag.py``); the
      checks themselves run only when the app adds them (``workflows.cdk.nag.add_nag_checks``).
    """

    def __init__(self, scope: Construct, construct_id: str, *, project: Project, auth: AuthSettings,
                 enrichment: str | None = None, stream_machines: Mapping[str, Sequence[Mapping]] | None = None,
                 lifecycle: Mapping[str, str] = LIFECYCLE_MACHINES, acknowledge_nag: bool = True,
                 tenant_accounts: TenantAccounts | None = None, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.project = project
        self.sources: dict[str, MachineSource] = load_machines(project)
        if not self.sources:
            raise SourceError(f"{project.asl_dir} holds no *.asl.json: run `workflows build` first")
        # the same contract `workflows check` holds the schema to: a field that exists is not enough
        disagreements = contract_problems(project)
        if disagreements:
            raise SourceError(f"{project.schema.name} disagrees with the resolver machines (run `workflows check`):\n"
                              + "\n".join(str(p) for p in disagreements))
        stream_machines = dict(stream_machines or {})
        check_stream_readers(self.sources, project.asl_dir, enrichment, stream_machines)
        steps = {step: name for step, name in lifecycle.items() if name in self.sources}
        self.tenant_accounts = tenant_accounts
        # the machines that provision in tenant accounts: their roles get names the accounts' stacks can trust
        self.provisioner_role_names = provisioner_role_names(self.stack_name, self.sources, tenant_accounts)

        self.app_table = table(self, "AppTable", sort_key=True, stream=True)
        self.tenants_table = table(self, "TenantsTable", sort_key=False, stream=False)
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"{self.stack_name}-events")
        # ${AppTableArn}: the table as a tenant role in another account must name it (DynamoDB resolves a bare
        # table name in the caller's own account); same-account calls accept it too
        substitutions = {"AppTable": self.app_table.table_name, "AppTableArn": self.app_table.table_arn,
                         "TenantsTable": self.tenants_table.table_name}
        self.templates: TemplateStore | None = None
        if steps or any(TEMPLATE_PLACEHOLDERS & set(s.placeholders) for s in self.sources.values()):
            self.templates = TemplateStore(self, "Templates", table_account=tenant_accounts.platform
                                           if tenant_accounts is not None else None)
            substitutions |= {"TemplateBucket": self.templates.bucket.bucket_name, "TemplateKey": self.templates.key}
        tables = {"AppTable": self.app_table, "AppTableArn": self.app_table, "TenantsTable": self.tenants_table}
        # a queue per such placeholder a machine uses; it holds records with tenants' values: encrypted, 14 days
        used = {p for s in self.sources.values() for p in s.placeholders}
        self.queues = {name: sqs.Queue(self, name, encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                                       retention_period=cdk.Duration.days(14))
                       for name in sorted(QUEUE_PLACEHOLDERS & used)}
        substitutions |= {name: queue.queue_url for name, queue in self.queues.items()}
        if tenant_accounts is not None:
            substitutions |= tenant_accounts.substitutions()
        def deploy(name: str) -> WorkflowMachine:
            return WorkflowMachine(self, f"Workflow-{name}", self.sources[name], prefix=self.stack_name,
                                   substitutions=substitutions, tables=tables, queues=self.queues,
                                   stack_arn=tenant_stack_arns(self), accounts=tenant_accounts,
                                   role_name=self.provisioner_role_names.get(name))

        # the machines that run tenant tasks first: tenant roles trust exactly their execution roles
        callers = sorted(name for name, source in self.sources.items()
                         if any(use.as_tenant for use in task_uses(source.asl)))
        self.machines = {name: deploy(name) for name in callers}
        self.tenant_boundary: TenantBoundary | None = None
        if self.templates is not None:
            if not callers:
                raise StackConfigError("the tenant lifecycle is deployed but no machine runs a task with tenant "
                                       "Credentials: tenant roles would trust no one")
            self.tenant_boundary = TenantBoundary(self, "TenantRoleBoundary", table_arn=self.app_table.table_arn)
            caller_arns = cdk.Fn.join(",", [self.machines[name].role.role_arn for name in callers])
            substitutions |= {"TenantBoundary": self.tenant_boundary.arn, "TenantCallers": caller_arns}
        self.machines |= {name: deploy(name) for name in sorted(self.sources) if name not in self.machines}
        self.machines = dict(sorted(self.machines.items()))

        authorizer = Authorizer(self, "Authorizer", tenants=self.tenants_table, jwks=auth.jwks,
                                issuer=auth.issuer, audience=auth.audience, ttl_seconds=auth.cache_seconds)
        resolved = {name: (source, self.machines[name]) for name, source in self.sources.items() if source.resolver}
        self.api = GraphqlApi(self, "GraphQL", schema=project.schema, authorizer=authorizer, machines=resolved)

        self.enrichment_pipe: StreamToBus | None = None
        if enrichment is not None:
            self.enrichment_pipe = StreamToBus(self, "StreamEvents", table=self.app_table,
                                               enrichment=self.machines[enrichment].machine, bus=self.bus)
        self.machine_pipes = {name: StreamToMachine(self, f"Stream-{name}", table=self.app_table,
                                                    machine=self.machines[name].machine, filters=filters)
                              for name, filters in sorted(stream_machines.items())}

        self.rules: LifecycleRules | None = None
        if self.templates is not None and steps:
            for step, name in steps.items():
                assert self.tenant_boundary is not None
                if any(action.startswith("cloudformation:") for action in self.machines[name].actions):
                    # CloudFormation calls made in this account, with the machine's own credentials
                    provisioning_grants(self.machines[name].role, self.templates, self.tenant_boundary,
                                        reads_template=step != "delete")
            self.rules = LifecycleRules(self, "Lifecycle", bus=self.bus, store=self.templates,
                                        machines={step: self.machines[name].machine for step, name in steps.items()})
        if tenant_accounts is not None:
            share_app_table(self.app_table, tenant_accounts)
            if self.templates is not None:
                share_template(self.templates, tenant_accounts)
        cdk.CfnOutput(self, "GraphqlUrl", value=self.api.api.graphql_url)
        cdk.CfnOutput(self, "EventBusName", value=self.bus.event_bus_name)
        if self.templates is not None:
            cdk.CfnOutput(self, "TemplateBucketName", value=self.templates.bucket.bucket_name)
            # named like their placeholders: the test fixtures' stack target reads them (stack_outputs)
            cdk.CfnOutput(self, "TenantCallers", value=substitutions["TenantCallers"],
                          description="The execution roles every tenant role trusts")
            cdk.CfnOutput(self, "TenantBoundary", value=substitutions["TenantBoundary"],
                          description="The permissions boundary of every tenant role")
        if acknowledge_nag:
            acknowledge_findings(self)

    @property
    def provisioner_role_arns(self) -> list[str]:
        """The roles of the machines that provision in tenant accounts, as ARNs any stack of the app can use."""
        assert self.tenant_accounts is not None
        return platform_role_arns(self.tenant_accounts, self.provisioner_role_names.values())

    @property
    def provisioning_actions(self) -> set[str]:
        """Every CloudFormation action the machines make as a tenant account's provisioning role."""
        return {action for deployed in self.machines.values() for action in deployed.provisioning_actions}

    @property
    def app_table_arns(self) -> str:
        """The app table's ARN pattern for the tenant accounts' boundaries (``cross_account.app_table_arns``)."""
        assert self.tenant_accounts is not None
        return app_table_arns(self.app_table, self.tenant_accounts)
