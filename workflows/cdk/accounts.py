"""Tenant stacks in several AWS accounts: which accounts, and the names every one of them uses.

Why: one IAM role per tenant caps an account near its role quota (1,000 by default) and a region's
CloudFormation stacks (2,000 by default), so a SaaS with many tenants spreads their stacks over several
accounts (issue 15, "Beyond one account"). The lifecycle machines then run their CloudFormation calls in
the tenant's account as a provisioning role there (task ``Credentials``), and each account has its own
tenant roles' permissions boundary. The names of both are the same in every account, so a machine can
build the ARNs from the tenant's account id alone (``${ProvisioningRoleName}``, ``${TenantBoundaryName}``).

Nothing here constructs CDK resources: the CDK context is read through ``scope.node.try_get_context``, the ARNs are plain
strings (``partition`` may be a CDK token such as ``Aws.PARTITION``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from workflows.cdk.tenant_template import TENANT_ROLE_RESOURCE

ACCOUNTS_KEY = "saas:tenantAccounts"
PROVISIONING_KEY = "saas:provisioningRoleName"
BOUNDARY_KEY = "saas:tenantBoundaryName"
PLATFORM_KEY = "saas:platformAccount"
DEFAULT_PROVISIONING_ROLE = "saas-tenant-provisioning"
DEFAULT_BOUNDARY = "saas-tenant-boundary"
#: the deploy-time placeholders of a machine built with placement, and what fills them
PLACEMENT_PLACEHOLDERS = frozenset({"TenantAccounts", "ProvisioningRoleName", "TenantBoundaryName"})
_ACCOUNT = re.compile(r"[0-9]{12}")
# IAM's own limits: a role name is 1-64 of these characters, a managed policy name 1-128
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
_POLICY_NAME = re.compile(r"[\w+=,.@-]{1,128}")


class TenantAccountsError(ValueError):
    """The tenant accounts' CDK context is not usable: an id that is not 12 digits, an account named twice,
    no platform account, or a role or policy name IAM would refuse; or it does not fit the project: machines
    that place tenant stacks and no tenant accounts, or tenant accounts and no machine that places there."""


@dataclass(frozen=True)
class TenantAccounts:
    """The accounts tenant stacks are placed in, and the platform account whose machines place them.

    ``platform`` is the account of the platform stack (its machines' roles are the only principals the
    provisioning roles trust); it must be known at synth because the tenant accounts' stacks name it.
    """

    platform: str
    accounts: tuple[str, ...]
    provisioning_role_name: str = DEFAULT_PROVISIONING_ROLE
    boundary_name: str = DEFAULT_BOUNDARY

    def __post_init__(self) -> None:
        object.__setattr__(self, "accounts", tuple(self.accounts))
        bad = [a for a in (self.platform, *self.accounts) if not isinstance(a, str) or not _ACCOUNT.fullmatch(a)]
        if bad:
            raise TenantAccountsError(f"AWS account id(s) {', '.join(map(repr, bad))} are not 12 digits")
        if not self.accounts:
            raise TenantAccountsError(f"{ACCOUNTS_KEY} names no account (leave it unset for a single account)")
        twice = sorted({a for a in self.accounts if self.accounts.count(a) > 1})
        if twice:
            raise TenantAccountsError(f"{ACCOUNTS_KEY} names account(s) {', '.join(twice)} more than once")
        if not isinstance(self.provisioning_role_name, str) or not _ROLE_NAME.fullmatch(self.provisioning_role_name):
            raise TenantAccountsError(f"{PROVISIONING_KEY}={self.provisioning_role_name!r} is not an IAM role name")
        if not isinstance(self.boundary_name, str) or not _POLICY_NAME.fullmatch(self.boundary_name):
            raise TenantAccountsError(f"{BOUNDARY_KEY}={self.boundary_name!r} is not an IAM policy name")

    @classmethod
    def from_context(cls, scope: Any) -> TenantAccounts | None:
        """From CDK context: ``saas:tenantAccounts`` (a list, or comma-separated from ``-c``),
        ``saas:platformAccount`` (required with it), ``saas:provisioningRoleName`` (default
        ``saas-tenant-provisioning``), ``saas:tenantBoundaryName`` (default ``saas-tenant-boundary``).
        None when no tenant account is named: one account, as before."""
        get = scope.node.try_get_context
        accounts = get(ACCOUNTS_KEY)
        if accounts is None or accounts == "" or accounts == []:
            return None
        if isinstance(accounts, str):
            accounts = [part.strip() for part in accounts.split(",")]
        if not isinstance(accounts, list):
            raise TenantAccountsError(f"{ACCOUNTS_KEY} must be a list of 12-digit account ids, got {accounts!r}")
        platform = get(PLATFORM_KEY)
        if platform is None:
            raise TenantAccountsError(f"{ACCOUNTS_KEY} is set but {PLATFORM_KEY} is not: the tenant accounts' "
                                      "provisioning roles trust the platform account's machines")
        return cls(platform=str(platform), accounts=tuple(str(a) if isinstance(a, int) else a for a in accounts),
                   provisioning_role_name=get(PROVISIONING_KEY) or DEFAULT_PROVISIONING_ROLE,
                   boundary_name=get(BOUNDARY_KEY) or DEFAULT_BOUNDARY)

    def substitutions(self) -> dict[str, str]:
        """The three placement placeholders' deploy values."""
        return {"TenantAccounts": ",".join(self.accounts), "ProvisioningRoleName": self.provisioning_role_name,
                "TenantBoundaryName": self.boundary_name}

    def provisioning_role_arns(self, partition: str = "aws") -> list[str]:
        """The provisioning role of every tenant account, in the order the accounts are named."""
        return [role_arn(account, self.provisioning_role_name, partition) for account in self.accounts]

    def tenant_role_arns(self, partition: str = "aws") -> list[str]:
        """Every tenant role of every tenant account (``role/tenant-role/*``)."""
        return [role_arn(account, TENANT_ROLE_RESOURCE, partition) for account in self.accounts]


def role_arn(account: str, name: str, partition: str = "aws") -> str:
    """``arn:<partition>:iam::<account>:role/<name>``"""
    return f"arn:{partition}:iam::{account}:role/{name}"
