"""The tenant stack lifecycle: template bucket and tenant template, the lifecycle grants and rules.

Why the permissions look like this: the lifecycle machines call CloudFormation with their own
credentials (no service role), so CloudFormation creates each tenant's role with the machine's
permissions. Those are limited to stacks named ``tenant-*`` and roles under ``/tenant-role/``; the
template is read from its one object key.

Why the boundary condition: whoever can write the template object decides what CloudFormation does to
every tenant role with these permissions. So every call that creates a tenant role or changes what it
may do (CreateRole, Put/DeleteRolePolicy, Attach/DetachRolePolicy, PutRolePermissionsBoundary) is
allowed only when the role has, or gets, the platform's permissions boundary: the condition key
``iam:PermissionsBoundary`` equal to the boundary's ARN ("Permissions boundaries for IAM entities",
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html, and the key in
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html).
DeleteRolePermissionsBoundary is not granted at all. A changed template then cannot give a tenant role
more than the boundary: DynamoDB item actions on the app table, on its own keys.
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
from workflows.patterns.tenant_stacks.boundary import boundary_document

TENANT_EVENT_SOURCE = "tenants"
TENANT_CREATED = "Tenant Created"
TENANT_DELETED = "Tenant Deleted"
LIFECYCLE_STEPS = ("create", "delete", "update")
# what CloudFormation does to the tenant role with the caller's permissions (create, update, delete):
# the calls that set what a role may do only with the platform's boundary on it ...
BOUNDED_PROVISIONING = ("iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
                        "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary")
# ... the rest as they are (none of them widens what the role may do)
ROLE_PROVISIONING = ("iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:TagRole", "iam:UntagRole",
                     "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy")


def tenant_stack_arns(scope: Construct) -> str:
    """arn:...:cloudformation:<region>:<account>:stack/tenant-*/*"""
    return cdk.Stack.of(scope).format_arn(service="cloudformation", resource="stack",
                                          resource_name=f"{STACK_PREFIX}*/*")


class TemplateStore(Construct):
    """The template bucket and the tenant template, synthesized in a nested Stage, uploaded as one file.

    ``table_account``: the account of the app table the tenant roles use, when not the tenant stack's own
    (tenant stacks in other accounts)."""

    def __init__(self, scope: Construct, construct_id: str, *, table_account: str | None = None) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(self, "Bucket", block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                                encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True, versioned=True,
                                event_bridge_enabled=True)
        self.template_stack = template_stage(self, "TenantTemplate", table_account=table_account)
        self.template_json = template_file(self.template_stack).read_text(encoding="utf-8")
        self.deployment = s3deploy.BucketDeployment(
            self, "Upload", destination_bucket=self.bucket, prune=False,
            sources=[s3deploy.Source.data(TEMPLATE_KEY, self.template_json)])
        self.key = TEMPLATE_KEY


class TenantBoundary(Construct):
    """The tenant roles' permissions boundary: a managed policy over the app table (``tenant_stacks.boundary``)."""

    def __init__(self, scope: Construct, construct_id: str, *, table_arn: str) -> None:
        super().__init__(scope, construct_id)
        self.policy = iam.ManagedPolicy(
            self, "Policy", document=iam.PolicyDocument.from_json(boundary_document(table_arn)),
            description="Permissions boundary of every tenant role: DynamoDB item actions on the role's own keys")
        self.arn = self.policy.managed_policy_arn


def provisioning_grants(role: iam.IRole, store: TemplateStore, boundary: TenantBoundary, *,
                        reads_template: bool) -> None:
    """What CloudFormation needs from the calling machine to manage a tenant stack's role."""
    role.add_to_principal_policy(iam.PolicyStatement(
        actions=list(BOUNDED_PROVISIONING), resources=[tenant_role_arns(store)],
        conditions={"StringEquals": {"iam:PermissionsBoundary": boundary.arn}}))
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
