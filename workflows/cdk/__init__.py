"""CDK constructs for a saas-workflows project: ``pip install "saas-workflows[cdk]"``.

A project's CDK app deploys the project's own machines -- the files of its ``asl/`` unchanged, its
``appsync/`` resolvers, its schema -- never the example's::

    import aws_cdk as cdk
    from workflows.cdk import AuthSettings, TenantApiStack, add_nag_checks
    from workflows.project import load_project

    app = cdk.App()
    TenantApiStack(app, "MyApi", project=load_project("."),
                   auth=AuthSettings(issuer="https://idp.example.com/", audience="my-api", jwks=my_jwks))
    add_nag_checks(app)   # optional: cdk-nag AwsSolutions on the whole app; findings fail the synth
    app.synth()

``TenantApiStack`` is the ready-made stack: the app table (with its stream) and the tenants table, one
``WorkflowMachine`` per ``asl/*.asl.json`` (its role derived from its tasks), the tenant GraphQL API
(``GraphqlApi``: Lambda ``Authorizer``, one pipeline resolver per field), an event bus, the tenant
stack lifecycle when the project has its machines (``TemplateStore`` with ``TenantTemplateStack``,
``provisioning_grants``, ``LifecycleRules``; with ``tenant_accounts``, a ``TenantAccountStack`` to
deploy into each tenant account), and the pipes the app names (``enrichment=`` ->
``StreamToBus``; ``stream_machines=`` -> ``StreamToMachine``). Each of those constructs can also be
used alone in a stack of one's own. ``AuthSettings.from_context(app)`` reads ``saas:issuer``,
``saas:audience`` and ``saas:jwks``/``saas:jwksFile`` from CDK context; ``TenantAccounts.from_context(app)``
reads ``saas:tenantAccounts``, ``saas:platformAccount``, ``saas:provisioningRoleName``, ``saas:tenantBoundaryName``.

Why the names load lazily: the authorizer's Lambda code is package data of this package, and
``workflows.cdk.sources``/``schema``/``task_permissions`` need no CDK; importing them must not start
the CDK's JavaScript runtime. A missing extra is named when a construct is first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "TenantApiStack": "stack", "AuthSettings": "stack", "StackConfigError": "stack", "LIFECYCLE_MACHINES": "stack",
    "WorkflowMachine": "machines",
    "GraphqlApi": "api", "Authorizer": "api", "AuthorizerConfigError": "api", "table": "api",
    "TemplateStore": "lifecycle", "LifecycleRules": "lifecycle", "provisioning_grants": "lifecycle",
    "StreamToBus": "pipes", "StreamToMachine": "pipes",
    "TenantTemplateStack": "tenant_template", "synth_tenant_template": "tenant_template",
    "TenantAccountStack": "tenant_account", "TenantAccounts": "accounts", "TenantAccountsError": "accounts",
    "MachineSource": "sources", "SourceError": "sources", "load_machines": "sources",
    "add_nag_checks": "nag", "acknowledge_findings": "nag",
    "UnsupportedTask": "task_permissions",
}
__all__ = sorted(_EXPORTS)
_EXTRA = ("aws_cdk", "constructs", "cdk_nag", "graphql")

if TYPE_CHECKING:
    from workflows.cdk.accounts import TenantAccounts, TenantAccountsError
    from workflows.cdk.api import Authorizer, AuthorizerConfigError, GraphqlApi, table
    from workflows.cdk.lifecycle import LifecycleRules, TemplateStore, provisioning_grants
    from workflows.cdk.machines import WorkflowMachine
    from workflows.cdk.nag import acknowledge_findings, add_nag_checks
    from workflows.cdk.pipes import StreamToBus, StreamToMachine
    from workflows.cdk.sources import MachineSource, SourceError, load_machines
    from workflows.cdk.stack import LIFECYCLE_MACHINES, AuthSettings, StackConfigError, TenantApiStack
    from workflows.cdk.task_permissions import UnsupportedTask
    from workflows.cdk.tenant_account import TenantAccountStack
    from workflows.cdk.tenant_template import TenantTemplateStack, synth_tenant_template


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        loaded = importlib.import_module(f"{__name__}.{module}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] in _EXTRA:
            raise ModuleNotFoundError(f"workflows.cdk needs the cdk extra ({exc.name} is missing): "
                                      'pip install "saas-workflows[cdk]"', name=exc.name) from None
        raise
    return getattr(loaded, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
