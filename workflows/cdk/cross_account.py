"""The platform stack's side of tenant stacks in several accounts: what it lets the tenant accounts use.

Only the template object: each tenant account is a cell with its own app table (``TenantAccountStack``),
so the platform's app table admits no other account.

Why the tenant accounts' roles are named in conditions (``aws:PrincipalArn``), their accounts being the
principals: S3 and IAM refuse a policy naming a role that does not exist yet, and the accounts' stacks
(``TenantAccountStack``) may be deployed after the platform stack; the condition names the same roles
and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import aws_cdk as cdk
from aws_cdk import aws_iam as iam

from workflows.cdk.accounts import ACCOUNTS_KEY, PLACEMENT_PLACEHOLDERS, TenantAccounts, TenantAccountsError, role_arn
from workflows.cdk.lifecycle import TemplateStore
from workflows.cdk.sources import MachineSource
from workflows.cdk.task_permissions import task_uses

#: IAM's limit on a role name
MAX_ROLE_NAME = 64


def provisioner_role_names(stack_name: str, sources: Mapping[str, MachineSource],
                           accounts: TenantAccounts | None) -> dict[str, str]:
    """Machine name -> the fixed name of its role, for each machine that provisions in tenant accounts
    (a generated name is unknown to the accounts' stacks, which trust these roles)."""
    placed = sorted(name for name, s in sources.items() if PLACEMENT_PLACEHOLDERS & set(s.placeholders))
    if placed and accounts is None:
        raise TenantAccountsError(f"machine(s) {', '.join(placed)} place tenant stacks in other accounts but no "
                                   f"tenant accounts are named (CDK context {ACCOUNTS_KEY})")
    if accounts is None:
        return {}
    names = {name: f"{stack_name}-{name}" for name, s in sorted(sources.items())
             if any(use.as_provisioner for use in task_uses(s.asl))}
    if not names:
        raise TenantAccountsError(f"tenant accounts are named (CDK context {ACCOUNTS_KEY}) but no machine "
                                   "provisions in them (build the lifecycle with placement)")
    too_long = [n for n in names.values() if len(n) > MAX_ROLE_NAME]
    if too_long:
        raise TenantAccountsError(f"role name(s) {', '.join(too_long)} pass IAM's {MAX_ROLE_NAME} characters: "
                                   "choose a shorter stack name")
    return names


def share_template(store: TemplateStore, accounts: TenantAccounts) -> None:
    """CloudFormation fetches a TemplateURL with its caller's credentials: in a tenant account that is the
    provisioning role, so the bucket lets exactly those roles read the template (any version of it)."""
    partition = cdk.Stack.of(store).partition
    store.bucket.add_to_resource_policy(iam.PolicyStatement(
        sid="ProvisioningRolesReadTheTemplate", actions=["s3:GetObject", "s3:GetObjectVersion"],
        resources=[store.bucket.arn_for_objects(store.key)],
        principals=[iam.AccountPrincipal(account) for account in accounts.accounts],
        conditions={"ArnEquals": {"aws:PrincipalArn": accounts.provisioning_role_arns(partition)}}))


def platform_role_arns(accounts: TenantAccounts, names: Iterable[str]) -> list[str]:
    """Roles of the platform account as ARNs any stack of the app can use (the partition is that stack's)."""
    return [role_arn(accounts.platform, name, cdk.Aws.PARTITION) for name in names]

