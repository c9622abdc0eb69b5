"""Tenant stack lifecycle machines (issue 6) and the tenant template they deploy.

The template is package data so tests and the local demo deploy the same file without CDK installed.
It is the CDK synth of infra/tenant_template.py, byte for byte (tests/infra pins it), the same
template infra/ uploads to ${TemplateBucket}/${TemplateKey}.
"""

from __future__ import annotations

from importlib.resources import files

from workflows.catalog.registry import workflow
from workflows.core import StateMachine
from workflows.patterns import tenant_stacks

TEMPLATE_RESOURCE = "templates/tenant-stack.json"


def tenant_template() -> str:
    """The tenant stack's CloudFormation template (JSON text)."""
    return files("workflows.catalog").joinpath(TEMPLATE_RESOURCE).read_text(encoding="utf-8")


@workflow("tenant-stack-create")
def tenant_stack_create() -> StateMachine:
    return tenant_stacks.tenant_stack_create()


@workflow("tenant-stack-delete")
def tenant_stack_delete() -> StateMachine:
    return tenant_stacks.tenant_stack_delete()


@workflow("tenant-stack-update")
def tenant_stack_update() -> StateMachine:
    return tenant_stacks.tenant_stack_update()
