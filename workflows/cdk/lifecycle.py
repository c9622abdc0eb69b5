"""The tenant stack lifecycle: template bucket and tenant template, the lifecycle grants and rules.

Why the permissions look like this: the lifecycle machines call CloudFormation with their own
credentials (no service role), so CloudFormation creates each tenant's role with the machine's
permissions. Those are limited to stacks named ``tenant-*`` and roles under ``/tenant-role/``; the
template is read from its one object key.
"""

from __future__ import annotations

from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from workflows.cdk.tenant_template import TEMPLATE_KEY, template_file, template_stage, tenant_role_arns
from workflows.patterns.tenant_stacks import STACK_PREFIX  # the names the lifecycle machines give the stacks

TENANT_EVENT_SOURCE = "tenants"
TENANT_CREATED = "Tenant Created"
TENANT_DELETED = "Tenant Deleted"
LIFECYCLE_STEPS = ("create", "delete", "update")
# what CloudFormation does to the tenant role with the caller's permissions (create, update, delete)
ROLE_PROVISIONING = ("iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:PutRolePolicy",
                     "iam:DeleteRolePolicy", "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole",
                     "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy")


def tenant_stack_arns(scope: Construct) -> str:
    """arn:...:cloudformation:<region>:<account>:stack/tenant-*/*"""
    return cdk.Stack.of(scope).format_arn(service="cloudformation", resource="stack",
                                          resource_name=f"{STACK_PREFIX}*/*")


class TemplateStore(Construct):
    """The template bucket and the tenant template, synthesized in a nested Stage, uploaded as one file."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(self, "Bucket", block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                                encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True, versioned=True,
                                event_bridge_enabled=True)
        self.template_stack = template_stage(self, "TenantTemplate")
        self.template_json = template_file(self.template_stack).read_text(encoding="utf-8")
        self.deployment = s3deploy.BucketDeployment(
            self, "Upload", destination_bucket=self.bucket, prune=False,
            sources=[s3deploy.Source.data(TEMPLATE_KEY, self.template_json)])
        self.key = TEMPLATE_KEY


def provisioning_grants(role: iam.IRole, store: TemplateStore, *, reads_template: bool) -> None:
    """What CloudFormation needs from the calling machine to manage a tenant stack's role."""
    role.add_to_principal_policy(iam.PolicyStatement(actions=list(ROLE_PROVISIONING),
                                                     resources=[tenant_role_arns(store)]))
    if reads_template:
        role.add_to_principal_policy(iam.PolicyStatement(actions=["s3:GetObject"],
                                                         resources=[store.bucket.arn_for_objects(store.key)]))


class LifecycleRules(Construct):
    """Tenant created -> create, tenant deleted -> delete (on the app bus); template uploaded -> update.

    ``machines`` maps a step ("create", "delete", "update") to its machine; a step without one gets no rule.
    """

    def __init__(self, scope: Construct, construct_id: str, *, bus: events.IEventBus, store: TemplateStore,
                 machines: Mapping[str, sfn.IStateMachine]) -> None:
        super().__init__(scope, construct_id)
        unknown = set(machines) - set(LIFECYCLE_STEPS)
        if unknown:
            raise ValueError(f"unknown lifecycle step(s) {sorted(unknown)}; the steps are {list(LIFECYCLE_STEPS)}")
        self.created = self.deleted = self.template = None
        if "create" in machines:
            self.created = events.Rule(self, "TenantCreated", event_bus=bus, targets=[
                targets.SfnStateMachine(machines["create"])], event_pattern=events.EventPattern(
                    source=[TENANT_EVENT_SOURCE], detail_type=[TENANT_CREATED]))
        if "delete" in machines:
            self.deleted = events.Rule(self, "TenantDeleted", event_bus=bus, targets=[
                targets.SfnStateMachine(machines["delete"])], event_pattern=events.EventPattern(
                    source=[TENANT_EVENT_SOURCE], detail_type=[TENANT_DELETED]))
        if "update" in machines:
            # S3 sends its EventBridge notifications to the account's default bus
            self.template = events.Rule(self, "TemplateUploaded", targets=[
                targets.SfnStateMachine(machines["update"])], event_pattern=events.EventPattern(
                    source=["aws.s3"], detail_type=["Object Created"],
                    detail={"bucket": {"name": [store.bucket.bucket_name]}, "object": {"key": [store.key]}}))
