"""The CDK app: ``cdk synth`` / ``cdk deploy`` from infra/ (cdk.json), or ``build_app`` from tests.

Configuration comes from CDK context (cdk.json or ``-c``): ``saas:issuer``, ``saas:audience`` and
``saas:jwks`` (the issuer's JWKS as a JSON object, or ``saas:jwksFile`` naming a file).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script by the CDK CLI: make ``infra`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks

from infra.nag import acknowledge_findings
from infra.sources import ASL_DIR, InfraSourceError, load_machines
from infra.stack import AuthSettings, SaasWorkflowsStack

STACK_NAME = "SaasWorkflows"


def _auth(app: cdk.App) -> AuthSettings:
    get = app.node.try_get_context
    jwks = get("saas:jwks")
    if jwks is None and get("saas:jwksFile"):
        jwks = json.loads(Path(get("saas:jwksFile")).read_text(encoding="utf-8"))
    return AuthSettings(issuer=get("saas:issuer") or "https://issuer.example.com/",
                        audience=get("saas:audience") or "saas-workflows",
                        jwks=jwks if isinstance(jwks, dict) else {"keys": []})


def build_app(outdir: str | None = None, *, asl_dir: Path = ASL_DIR, validation: bool = True,
              nag: bool = True) -> tuple[cdk.App, SaasWorkflowsStack]:
    """The app with its stack (not yet synthesized); ``nag`` adds cdk-nag AwsSolutions as a validation plugin."""
    machines = load_machines(asl_dir)
    if not machines:
        raise InfraSourceError(f"{asl_dir} holds no *.asl.json: run `workflows build` first")
    app = cdk.App(outdir=outdir, builtin_cloud_formation_validation=validation)
    stack = SaasWorkflowsStack(app, STACK_NAME, machines=machines, auth=_auth(app),
                               description="saas-workflows: Step Functions machines from asl/ and their wiring")
    if nag:
        cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
        acknowledge_findings(stack)
    return app, stack


if __name__ == "__main__":
    build_app()[0].synth()
