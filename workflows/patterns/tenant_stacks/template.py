"""The tenant stack's CloudFormation template, shipped as package data."""

from __future__ import annotations

from importlib.resources import files

TEMPLATE_RESOURCE = "templates/tenant-stack.json"


def tenant_template() -> str:
    """The tenant stack's CloudFormation template (JSON text): the role these machines create per tenant.

    Package data so that tests, fixtures and the demo deploy the same file without CDK installed; it is the
    CDK synth of the tenant template, byte for byte (tests/cdk pins it).
    """
    return files("workflows.patterns").joinpath(TEMPLATE_RESOURCE).read_text(encoding="utf-8")
