"""cdk-nag AwsSolutions: the checks for an app, and this design's acknowledgments, each on the narrowest
scope and with the reason it holds.

Every acknowledgment names the exact finding (rule plus the resource or action it is about), so a
new wildcard elsewhere -- in the constructs or in what an app adds beside them -- is still reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

from workflows.cdk.tenant_template import TENANT_ROLE_PATH, TENANT_ROLE_RESOURCE
from workflows.patterns.tenant_stacks import STACK_PREFIX

if TYPE_CHECKING:
    from workflows.cdk.stack import TenantApiStack

_PREFIX = "AwsSolutions::"
# CDK's own singleton Lambdas (construct id prefix -> what it does)
CDK_HANDLERS = {
    "Custom::CDKBucketDeployment": "BucketDeployment copies the tenant template into the template bucket",
    "BucketNotificationsHandler": "turns on the template bucket's EventBridge notifications",
    "LogRetention": "sets the retention of the AppSync log group",
}
_CDK_HANDLER_FINDINGS = (
    "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
    "AwsSolutions-IAM5[Resource::*]", "AwsSolutions-IAM5[Action::s3:GetObject*]",
    "AwsSolutions-IAM5[Action::s3:GetBucket*]", "AwsSolutions-IAM5[Action::s3:List*]",
    "AwsSolutions-IAM5[Action::s3:DeleteObject*]", "AwsSolutions-IAM5[Action::s3:Abort*]",
    "AwsSolutions-L1",
)
#: the CDK asset bucket a handler reads its code from (per account: a stack with a fixed account names it)
_ASSETS_FINDING = "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-{account}-<AWS::Region>/*]"


def account_text(stack: cdk.Stack) -> str:
    """The stack's account as cdk-nag writes it in a finding: the id when the stack's env fixes it."""
    return "<AWS::AccountId>" if cdk.Token.is_unresolved(stack.account) else stack.account


def add_nag_checks(app: cdk.App) -> AwsSolutionsChecks:
    """Run cdk-nag's AwsSolutions rules on the whole app at synth; any unacknowledged finding fails it.

    Why a validation plugin and not an Aspect: cdk-nag 3 refuses ``Aspects.of(app).add(AwsSolutionsChecks())``.
    """
    checks = AwsSolutionsChecks(app)
    cdk.Validations.of(app).add_plugins(checks)
    return checks


def _ack(scope: IConstruct, finding: str, reason: str) -> None:
    cdk.Validations.of(scope).acknowledge(cdk.Acknowledgment(id=_PREFIX + finding, reason=reason))


def acknowledge_findings(stack: "TenantApiStack") -> None:
    """Acknowledge the findings reviewed as intended for this design (TenantApiStack does, by default)."""
    arn = "arn:<AWS::Partition>"
    account = account_text(stack)
    tenant_roles = f"AwsSolutions-IAM5[Resource::{arn}:iam::{account}:role/{TENANT_ROLE_RESOURCE}]"
    tenant_accounts = stack.tenant_accounts.accounts if stack.tenant_accounts is not None else ()
    for deployed in stack.machines.values():
        _ack(deployed.role, "AwsSolutions-IAM5[Resource::*]",
             "X-Ray (PutTraceSegments, PutTelemetryRecords, GetSampling*) and CloudWatch Logs delivery "
             "(CreateLogDelivery, ...) APIs that Step Functions logging/tracing need accept only Resource '*'")
        if "sts:AssumeRole" in deployed.actions:
            _ack(deployed.role, tenant_roles,
                 f"tenant roles are created per tenant with random names under {TENANT_ROLE_PATH}; the machine assumes "
                 "the one named in resolverContext, and that role's own policy limits it to the tenant's keys")
            for other in tenant_accounts:
                _ack(deployed.role, f"AwsSolutions-IAM5[Resource::{arn}:iam::{other}:role/{TENANT_ROLE_RESOURCE}]",
                     f"tenant roles of tenant account {other}, created per tenant with random names under "
                     f"{TENANT_ROLE_PATH}; each trusts only the tenant-task machines and is limited to its keys")
        if any(action.startswith("cloudformation:") for action in deployed.actions):
            _ack(deployed.role, f"AwsSolutions-IAM5[Resource::{arn}:cloudformation:<AWS::Region>:{account}"
                                f":stack/{STACK_PREFIX}*/*]",
                 f"one stack per tenant, named {STACK_PREFIX}<id> with a CloudFormation-generated id suffix")
            _ack(deployed.role, tenant_roles,
                 f"CloudFormation creates/updates/deletes each tenant's role (random name, path {TENANT_ROLE_PATH}) "
                 "with this machine's credentials")
        if deployed.distributed:
            _ack(deployed.role, f"AwsSolutions-IAM5[Resource::{arn}:states:<AWS::Region>:{account}:"
                                f"execution:{deployed.machine_name}/*]",
                 "the Distributed Map describes and stops its own child executions, whose names it generates")
    readers = [stack.enrichment_pipe] if stack.enrichment_pipe is not None else []
    for reader in (*readers, *stack.machine_pipes.values()):
        _ack(reader.role, "AwsSolutions-IAM5[Resource::*]",
             "dynamodb:ListStreams has no resource-level permissions; the stream itself is named exactly")
        _ack(reader.dead_letters, "AwsSolutions-SQS3",
             "this queue is the pipe's dead-letter queue (SourceParameters DeadLetterConfig); cdk-nag only "
             "recognises a DLQ named in another queue's RedrivePolicy")
    for queue in stack.queues.values():
        _ack(queue, "AwsSolutions-SQS3",
             "this queue is itself a dead-letter queue: the unique cleanup machine sends the records it could not "
             "clean there; cdk-nag only recognises a DLQ named in another queue's RedrivePolicy")
    api = stack.api.api
    _ack(api, "AwsSolutions-ASC3",
         "verbose request logging would write the Authorization header (the caller's JWT) and tenant data to "
         "CloudWatch; field-level ERROR logging is on")
    _ack(api, "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
              "AWSAppSyncPushToCloudWatchLogs]",
         "the AWS-managed AppSync logging policy; an own policy would have to name the API's log group, "
         "which depends on the API id (a cycle)")
    handler_findings: tuple[str, ...] = (*_CDK_HANDLER_FINDINGS, _ASSETS_FINDING.format(account=account))
    if stack.templates is not None:
        _ack(stack.templates.bucket, "AwsSolutions-S1",
             "the bucket holds one template written by this stack's deployment; access logs would need a second "
             "bucket for no reader (CloudTrail data events are the audit option)")
        bucket_id = stack.resolve(stack.get_logical_id(stack.templates.bucket.node.default_child))
        handler_findings += (f"AwsSolutions-IAM5[Resource::<{bucket_id}.Arn>/*]",)
    for child in stack.node.children:
        for prefix, purpose in CDK_HANDLERS.items():
            if child.node.id.startswith(prefix):
                for finding in handler_findings:
                    _ack(child, finding, f"CDK-provided deploy-time handler that {purpose}; its code, runtime "
                                         "and policy are CDK's, scoped by CDK to the buckets involved")
