"""The example project's CDK app: ``cdk synth`` / ``cdk deploy`` from infra/ (cdk.json), or ``build_app`` from tests.

A thin app over ``workflows.cdk``: it names what belongs to the example domain (which machine enriches
the stream, the unique cleanup's stream filter) and deploys this repository's asl/, appsync/ and
schema.graphql. Configuration comes from CDK context (cdk.json or ``-c``): ``saas:issuer``,
``saas:audience`` and ``saas:jwks`` (the issuer's JWKS as a JSON object, or ``saas:jwksFile`` naming a file).

Several tenant accounts: ``saas:tenantAccounts`` (a list of account ids) with ``saas:platformAccount`` adds
one ``TenantAccountStack`` per tenant account (its env's account set), so ``cdk deploy --all`` deploys them
with the platform stack (``workflows.cdk.accounts``). Without them the app is the one-account app.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script by the CDK CLI: make the example project importable
    sys.path.insert(0, str(REPO))
# jsii prints a 30-line end-of-life banner under Node 20 at `import aws_cdk`; the synth is unaffected
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk  # noqa: E402

from workflows.cdk import AuthSettings, TenantAccountStack, TenantApiStack, add_nag_checks  # noqa: E402
from workflows.cdk.accounts import TenantAccounts  # noqa: E402
from workflows.examples.users.machines.appsync import CLEANUP_FILTER  # noqa: E402
from workflows.project import Project, load_project  # noqa: E402

STACK_NAME = "SaasWorkflows"
ENRICHMENT = "pipes-flatten-stream"
UNIQUE_CLEANUP = "appsync-unique-cleanup"
#: used when neither cdk.json nor -c gives them (tests build the app without the CDK CLI)
DEFAULT_CONTEXT = {"saas:issuer": "https://issuer.example.com/", "saas:audience": "saas-workflows"}


def build_app(outdir: str | None = None, *, project: Project | None = None, validation: bool = True,
              nag: bool = True, acknowledge_nag: bool = True,
              context: dict | None = None) -> tuple[cdk.App, TenantApiStack]:
    """The app with its stack (not yet synthesized); ``nag`` adds cdk-nag AwsSolutions as a validation plugin.
    ``context`` adds to DEFAULT_CONTEXT (as ``-c`` would); with tenant accounts in it, the app also holds one
    ``TenantAccountStack`` per account."""
    app = cdk.App(outdir=outdir, builtin_cloud_formation_validation=validation,
                  context={**DEFAULT_CONTEXT, **(context or {})})
    accounts = TenantAccounts.from_context(app)
    stack = TenantApiStack(app, STACK_NAME, project=project or load_project(REPO), auth=AuthSettings.from_context(app),
                           enrichment=ENRICHMENT, stream_machines={UNIQUE_CLEANUP: CLEANUP_FILTER},
                           acknowledge_nag=acknowledge_nag, tenant_accounts=accounts,
                           # the tenant accounts' stacks name the platform account: deploy nowhere else
                           env=cdk.Environment(account=accounts.platform) if accounts is not None else None,
                           description="saas-workflows: Step Functions machines from asl/ and their wiring")
    if accounts is not None:
        for account in accounts.accounts:
            TenantAccountStack(app, f"{STACK_NAME}-Tenants-{account}", env=cdk.Environment(account=account),
                               accounts=accounts, lifecycle_roles=stack.provisioner_role_arns,
                               stack_actions=stack.provisioning_actions, app_table_arn=stack.app_table_arns,
                               description=f"saas-workflows: tenant stacks of account {account}")
    if nag:
        add_nag_checks(app)
    return app, stack


if __name__ == "__main__":
    build_app()[0].synth()
