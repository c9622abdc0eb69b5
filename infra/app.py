"""The example project's CDK app: ``cdk synth`` / ``cdk deploy`` from infra/ (cdk.json), or ``build_app`` from tests.

A thin app over ``workflows.cdk``: it names what belongs to the example domain (which machine enriches
the stream, the unique cleanup's stream filter) and deploys this repository's asl/, appsync/ and
schema.graphql. Configuration comes from CDK context (cdk.json or ``-c``): ``saas:issuer``,
``saas:audience`` and ``saas:jwks`` (the issuer's JWKS as a JSON object, or ``saas:jwksFile`` naming a file).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):  # run as a script by the CDK CLI: make the example project importable
    sys.path.insert(0, str(REPO))

import aws_cdk as cdk

from workflows.cdk import AuthSettings, TenantApiStack, add_nag_checks
from workflows.examples.users.machines.appsync import CLEANUP_FILTER
from workflows.project import Project, load_project

STACK_NAME = "SaasWorkflows"
ENRICHMENT = "pipes-flatten-stream"
UNIQUE_CLEANUP = "appsync-unique-cleanup"
#: used when neither cdk.json nor -c gives them (tests build the app without the CDK CLI)
DEFAULT_CONTEXT = {"saas:issuer": "https://issuer.example.com/", "saas:audience": "saas-workflows"}


def build_app(outdir: str | None = None, *, project: Project | None = None, validation: bool = True,
              nag: bool = True, acknowledge_nag: bool = True) -> tuple[cdk.App, TenantApiStack]:
    """The app with its stack (not yet synthesized); ``nag`` adds cdk-nag AwsSolutions as a validation plugin."""
    app = cdk.App(outdir=outdir, builtin_cloud_formation_validation=validation, context=DEFAULT_CONTEXT)
    stack = TenantApiStack(app, STACK_NAME, project=project or load_project(REPO), auth=AuthSettings.from_context(app),
                           enrichment=ENRICHMENT, stream_machines={UNIQUE_CLEANUP: CLEANUP_FILTER},
                           acknowledge_nag=acknowledge_nag,
                           description="saas-workflows: Step Functions machines from asl/ and their wiring")
    if nag:
        add_nag_checks(app)
    return app, stack


if __name__ == "__main__":
    build_app()[0].synth()
