"""The one deployable stack: data plane, stream events and tenant management, wired from asl/.

Why one stack: the authorizer reads the tenants table and the tenant template names the app table,
so splitting them would make cross-stack references in both directions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import aws_cdk as cdk
from aws_cdk import aws_events as events
from constructs import Construct

from infra.data_plane import Authorizer, GraphqlApi, table
from infra.machines import WorkflowMachine
from infra.sources import MachineSource
from infra.stream_events import StreamToBus, StreamToMachine
from infra.tenant_management import LifecycleRules, TemplateStore, provisioning_grants, tenant_stack_arns

ENRICHMENT = "pipes-flatten-stream"
UNIQUE_CLEANUP = "appsync-unique-cleanup"
LIFECYCLE = {"create": "tenant-stack-create", "delete": "tenant-stack-delete", "update": "tenant-stack-update"}


@dataclass(frozen=True)
class AuthSettings:
    """The token issuer the authorizer trusts (cdk.json context ``saas:issuer``/``saas:audience``/``saas:jwks``)."""

    issuer: str
    audience: str
    jwks: Mapping = field(default_factory=lambda: {"keys": []})


class SaasWorkflowsStack(cdk.Stack):
    """Every machine of asl/ deployed unchanged, with the resources its placeholders name."""

    def __init__(self, scope: Construct, construct_id: str, *, machines: Mapping[str, MachineSource],
                 auth: AuthSettings, **kwargs: object) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.app_table = table(self, "AppTable", sort_key=True, stream=True)
        self.tenants_table = table(self, "TenantsTable", sort_key=False, stream=False)
        self.bus = events.EventBus(self, "Bus", event_bus_name=f"{self.stack_name}-events")
        self.templates = TemplateStore(self, "Templates")
        substitutions = {"AppTable": self.app_table.table_name, "TenantsTable": self.tenants_table.table_name,
                         "TemplateBucket": self.templates.bucket.bucket_name, "TemplateKey": self.templates.key}
        tables = {"AppTable": self.app_table, "TenantsTable": self.tenants_table}
        self.machines = {name: WorkflowMachine(self, f"Workflow-{name}", source, prefix=self.stack_name,
                                               substitutions=substitutions, tables=tables,
                                               stack_arn=tenant_stack_arns(self))
                         for name, source in sorted(machines.items())}

        authorizer = Authorizer(self, "Authorizer", tenants=self.tenants_table, jwks=auth.jwks,
                                issuer=auth.issuer, audience=auth.audience)
        resolved = {name: (source, self.machines[name]) for name, source in machines.items() if source.resolver}
        self.api = GraphqlApi(self, "GraphQL", authorizer=authorizer, machines=resolved)

        if ENRICHMENT in self.machines:
            self.stream = StreamToBus(self, "StreamEvents", table=self.app_table,
                                      enrichment=self.machines[ENRICHMENT].machine, bus=self.bus)
        if UNIQUE_CLEANUP in self.machines:
            from workflows.examples.users.machines.appsync import CLEANUP_FILTER  # the filter belongs with the machine it feeds

            self.cleanup_stream = StreamToMachine(self, "UniqueCleanup", table=self.app_table,
                                                  machine=self.machines[UNIQUE_CLEANUP].machine,
                                                  filters=CLEANUP_FILTER)
        lifecycle = {step: self.machines[name] for step, name in LIFECYCLE.items() if name in self.machines}
        for step, deployed in lifecycle.items():
            provisioning_grants(deployed.role, self.templates, reads_template=step != "delete")
        if len(lifecycle) == len(LIFECYCLE):
            self.rules = LifecycleRules(self, "Lifecycle", bus=self.bus, store=self.templates,
                                        machines={step: deployed.machine for step, deployed in lifecycle.items()})
        cdk.CfnOutput(self, "GraphqlUrl", value=self.api.api.graphql_url)
        cdk.CfnOutput(self, "EventBusName", value=self.bus.event_bus_name)
        cdk.CfnOutput(self, "TemplateBucketName", value=self.templates.bucket.bucket_name)
