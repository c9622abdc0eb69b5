"""Tenant stack lifecycle machines, registered for this project.

The template they deploy is the library's (``tenant_stacks.tenant_template()``): the CDK synth of the
tenant role, byte for byte, the same template infra/ uploads to ${TemplateBucket}/${TemplateKey}.
"""

from __future__ import annotations

from workflows.registry import workflow
from workflows.core import StateMachine
from workflows.patterns import tenant_stacks


@workflow("tenant-stack-create")
def tenant_stack_create() -> StateMachine:
    return tenant_stacks.tenant_stack_create()


@workflow("tenant-stack-delete")
def tenant_stack_delete() -> StateMachine:
    return tenant_stacks.tenant_stack_delete()


@workflow("tenant-stack-update")
def tenant_stack_update() -> StateMachine:
    return tenant_stacks.tenant_stack_update()
