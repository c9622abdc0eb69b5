"""The per-tenant CloudFormation template, written as a CDK stack and synthesized to one JSON file.

Why a CDK stack and not hand-written JSON: the tenant's resources are then reviewed with the same tools
as the rest of the app (L2 constructs, cdk-nag). Why BootstraplessSynthesizer in its own Stage: the
template is deployed by tenant-stack-create with CreateStack, not by ``cdk deploy``, so it must not
reference bootstrap resources; a Stage gives it its own assembly that can be synthesized in-process.

The parameters are exactly the ones the lifecycle machines pass (tenant_stacks.TEMPLATE_PARAMETERS).

Who may assume the role: only the execution roles of the machines that run tenant tasks
(``TenantCallerRoleArns``). A task's ``Credentials.RoleArn`` is assumed by the state machine's
execution role, so that is the principal a trust policy names for it
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html);
the account root (any principal of the account allowed sts:AssumeRole) is not trusted, nor the
Step Functions service principal, which only assumes execution roles.

What it may do at most: its ``PermissionsBoundaryArn``, the platform's managed policy
(``tenant_stacks.boundary``): whatever this template's policy says, the role gets no more than
DynamoDB item actions on its own keys of the app table.

Which account's table: the stack's own by default. A tenant stack placed in a tenant account (issue 15,
several accounts) uses the platform's app table, so the platform stack synthesizes the template with
``table_account`` = the platform account; the one-account template is unchanged.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from workflows.patterns.tenant_stacks.boundary import TENANT_ACTIONS, TENANT_TAG, own_keys

__all__ = ["TEMPLATE_KEY", "TENANT_ACTIONS", "TENANT_ROLE_PATH", "TENANT_ROLE_RESOURCE", "TenantTemplateStack",
           "synth_tenant_template", "template_file", "template_stage", "tenant_role_arns"]

TEMPLATE_KEY = "tenant-stack.json"
# the one definition of where tenant roles live: the template's IAM path, and (derived) the ARN pattern
# that the machines may assume and the lifecycle machines may provision
TENANT_ROLE_PATH = "/tenant-role/"
TENANT_ROLE_RESOURCE = f"{TENANT_ROLE_PATH.lstrip('/')}*"   # role/<path-without-leading-slash><name>
#: an IAM managed policy ARN (the boundary); CloudFormation refuses anything else before IAM sees it
POLICY_ARN_PATTERN = r"^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@/_-]+$"
#: one or more IAM role ARNs, comma-separated (never empty: a trust policy needs a principal)
_ROLE_ARN = r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=.@/_-]+"
ROLE_ARNS_PATTERN = f"^{_ROLE_ARN}(,{_ROLE_ARN})*$"


def tenant_role_arns(scope: Construct) -> str:
    """arn:<partition>:iam::<account>:role/tenant-role/* -- every role this template can create, and no other."""
    return cdk.Stack.of(scope).format_arn(service="iam", region="", resource="role",
                                          resource_name=TENANT_ROLE_RESOURCE)


class TenantTemplateStack(cdk.Stack):
    """One tenant's role: DynamoDB access limited to items whose partition key starts with the tenant id."""

    def __init__(self, scope: Construct, construct_id: str, *, table_account: str | None = None,
                 **kwargs: object) -> None:
        super().__init__(scope, construct_id, synthesizer=cdk.BootstraplessSynthesizer(),
                         analytics_reporting=False,
                         description="Per-tenant resources: the tenant's role, limited to its own items", **kwargs)
        tenant_id = cdk.CfnParameter(self, "TenantId", type="String", allowed_pattern="^[A-Za-z0-9_-]{1,64}$",
                                     description="The tenant this stack belongs to.").value_as_string
        role_name = cdk.CfnParameter(
            self, "RoleName", type="String", allowed_pattern="^[A-Za-z0-9+=,.@_-]{1,64}$",
            description="A random role name chosen by tenant-stack-create (never derived from the tenant id).",
        ).value_as_string
        table_name = cdk.CfnParameter(self, "AppTableName", type="String", default="app-table",
                                      description="The shared application table keyed by tenant.").value_as_string
        # a String split in the template, not a CommaDelimitedList: CloudFormation compares a String as given,
        # so an update passing the same roles again is "No updates are to be performed" (moto agrees)
        callers = cdk.Fn.split(",", cdk.CfnParameter(
            self, "TenantCallerRoleArns", type="String", allowed_pattern=ROLE_ARNS_PATTERN,
            description="The execution roles of the machines that run tenant tasks, comma-separated: the only "
                        "principals the tenant role trusts (set by the platform stack).").value_as_string)
        boundary = cdk.CfnParameter(
            self, "PermissionsBoundaryArn", type="String", allowed_pattern=POLICY_ARN_PATTERN,
            description="The platform's permissions boundary: the most any tenant role may do.").value_as_string
        table_arn = self.format_arn(service="dynamodb", resource="table", resource_name=table_name,
                                    account=table_account)
        # inline, so CloudFormation creates the role and its permissions as one resource
        items = iam.PolicyDocument(statements=[iam.PolicyStatement(
            actions=list(TENANT_ACTIONS), resources=[table_arn],
            conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": own_keys(tenant_id)}})])
        # L1: an L2 Role's principal is one ARN or account, not a list parameter
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": callers}, "Action": "sts:AssumeRole"}]}
        role = iam.CfnRole(self, "TenantRole", role_name=role_name, path=TENANT_ROLE_PATH,
                           assume_role_policy_document=trust, permissions_boundary=boundary,
                           policies=[iam.CfnRole.PolicyProperty(policy_name="tenant-items", policy_document=items)],
                           description="Assumed by the resolver machines for this tenant's data calls",
                           tags=[cdk.CfnTag(key=TENANT_TAG, value=tenant_id)])
        # logical ids without CDK's hash suffix keep the template readable and stable across versions
        role.override_logical_id("TenantRole")
        cdk.CfnOutput(self, "TenantRoleArn", value=role.attr_arn,
                      description="Recorded in the tenants table by tenant-stack-create for the authorizer")


def template_stage(scope: Construct, construct_id: str = "TenantTemplate", *,
                   table_account: str | None = None) -> TenantTemplateStack:
    """A TenantTemplateStack in a Stage of its own, so ``template_file`` can synthesize it in-process."""
    return TenantTemplateStack(cdk.Stage(scope, construct_id), "Template", table_account=table_account)


def template_file(stack: TenantTemplateStack) -> Path:
    """The synthesized template's path inside its stage's assembly (CDK chooses a long file name)."""
    assembly = cdk.Stage.of(stack).synth()  # type: ignore[union-attr]
    return Path(assembly.directory) / assembly.get_stack_artifact(stack.artifact_id).template_file


def synth_tenant_template() -> str:
    """The tenant template as JSON text, synthesized in a throwaway app (what tests and the demo can deploy)."""
    with tempfile.TemporaryDirectory(prefix="tenant-template-") as out:
        app = cdk.App(outdir=out)
        return json.dumps(json.loads(template_file(template_stage(app)).read_text(encoding="utf-8")), indent=2) + "\n"


if __name__ == "__main__":  # python -m workflows.cdk.tenant_template > workflows/patterns/templates/tenant-stack.json
    import sys

    sys.stdout.write(synth_tenant_template())
