"""Tenant stacks over several AWS accounts: where a new tenant goes, and how the machines act there.

Why several accounts: each tenant stack makes one IAM role, and an account holds 1,000 roles by default
(raisable to a few thousand) and 2,000 CloudFormation stacks per region, so a SaaS with 10,000 tenants
needs its tenant stacks spread over several accounts.

Why this shape (``AccountPlacement``, a builder option of create, delete and update):
- The tenants table records each tenant's ``accountId``; every CloudFormation call then runs there with task
  ``Credentials``: the provisioning role ``${ProvisioningRoleName}`` of that account, which trusts only the
  lifecycle machines' execution roles. The stack's tenant role, boundary (``${TenantBoundaryName}``) and
  the tenant's app table live in that account; the tenant role still trusts the platform's TenantCallers,
  so the authorizer hands out the row's ``tenantRoleArn`` and tenant tasks assume it cross-account.
- Placement fills the accounts of ``${TenantAccounts}`` in order, each up to ``tenants_per_account``: one
  counter item per account in the tenants table (pk ``#account#<id>``, ``#`` never occurs in a tenant
  id), and ONE DynamoDB transaction both increments the counter (conditional on room) and writes the
  tenant's ``accountId`` (conditional on the tenant being CREATING and not yet placed), so a count never
  drifts from the rows: a repeated create finds ``accountId`` and keeps it, a delete frees the place in the
  same transaction that marks the tenant DELETED.
- Counter items carry ``status`` = DELETED: every scan of tenants (the rollout's) skips DELETED rows, and
  the authorizer refuses any status but ACTIVE, so a counter is never taken for a tenant.
- A cancelled transaction names its failed conditions in order ("... reasons [None, ConditionalCheckFailed]"):
  the counter's alone means the account is full (try the next); the row's means another execution placed
  the tenant or a delete won (read the row again); anything else (a conflict) is tried again after a wait.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable

from workflows.core import JSONATA, BuildError, Chain, Choice, Credentials, Pass, State, Task, Var
from workflows.patterns.stack_polling import CFN_ERROR, backoff
from workflows.patterns.tenant_stacks.common import dynamodb_retry

NO_ACCOUNT_CAPACITY = "TenantStack.NoAccountCapacity"
PROVISIONING_REFUSED = "TenantStack.ProvisioningRoleRefused"
COUNTER_PREFIX = "#account#"
COUNTER_ATTRIBUTE = "tenants"
TRANSACTION_CANCELED = "DynamoDb.TransactionCanceledException"
# the reasons of the two items, "[<row>, <counter>]"; no brackets in the patterns: the local engine's
# StringMatches reads "[...]" as a character class (AWS's only wildcard is "*")
ROW_REFUSED = "*ConditionalCheckFailed, *"
ACCOUNT_FULL = "*None, ConditionalCheckFailed*"


@dataclass(frozen=True)
class AccountPlacement:
    """Spread tenant stacks over the accounts of ``${TenantAccounts}``: fill each with
    ``tenants_per_account`` tenants, then the next (keep it below the account's IAM role quota)."""

    tenants_per_account: int

    def __post_init__(self) -> None:
        if isinstance(self.tenants_per_account, bool) or not isinstance(self.tenants_per_account, int) \
                or self.tenants_per_account < 1:
            raise BuildError(f"tenants_per_account must be a positive int, not {self.tenants_per_account!r}",
                             rule="placement")


def provisioned(task: Task, placement: AccountPlacement | None) -> Task:
    """``task`` run with the provisioning role of the tenant's account (``$.account.role``), if placed."""
    if placement is None:
        return task
    return dataclasses.replace(task, credentials=Credentials.from_path("$.account.role"))


def use_account(name: str, account: str = "$states.input.row.Item.accountId.S") -> Pass:
    """``$.account``: the tenant's account id, its provisioning role and its boundary policy ARNs."""
    return Pass(name, query_language=JSONATA, output=(
        f"{{% ($a := {account}; $merge([$states.input, {{'account': {{'id': $a, "
        "'role': 'arn:aws:iam::' & $a & ':role/${ProvisioningRoleName}', "
        "'boundary': 'arn:aws:iam::' & $a & ':policy/${TenantBoundaryName}'}}])) %}"))


def check_provisioning(then: State | Chain, refused: State | Chain) -> Chain:
    """Assume the provisioning role once before the stack's calls (a DescribeStacks of the tenant's stack,
    its answer ignored): a role that does not exist or does not trust this machine's execution role fails
    the task with ``States.TaskFailed``, which goes to ``refused`` (``$.failure`` set) -- here, outside the
    Parallel wrappers of stack_polling, where it is a plain Catch. Any CloudFormation answer goes on."""
    probe = Task.sdk("cloudformation", "describeStacks", "AssumeProvisioningRole",
                     parameters={"StackName.$": "$.stackName"}, result_path=None,
                     credentials=Credentials.from_path("$.account.role"))
    why = Pass("ProvisioningRefused", parameters={"status": "PROVISIONING_REFUSED", "reason.$": (
        "States.Format('the provisioning role {} could not be used: {}', $.account.role, $.caught.Cause)")},
        result_path="$.failure")
    probe = (probe.add_catch([CFN_ERROR], then, result_path=None)
             .add_catch(["States.TaskFailed"], why >> refused, result_path="$.caught"))
    return probe >> then


def counter_key(account_path: str) -> dict:
    return {"pk": {"S.$": f"States.Format('{COUNTER_PREFIX}{{}}', {account_path})"}}


def place(placement: AccountPlacement, *, placed: State | Chain, lost: State | Chain, full: State | Chain,
          expired: State | Chain, deadline: int, read_row: Callable[[str], State],
          guard: Callable[[State], State]) -> Chain:
    """Find the tenant's account (already recorded, or the first with room) and go on to ``placed``
    with ``$.account``. ``lost``: the row is no longer a CREATING tenant (a delete won); ``full``: every
    account is full (``$.failure`` says so); ``read_row(name)``: a GetItem of the row with ``accountId``;
    a transaction conflict is tried again after a wait (``backoff``, ``deadline``, then ``expired``);
    ``guard`` adds the caller's Catch for anything else."""
    limit = placement.tenants_per_account
    accounts = Pass("ListTenantAccounts", query_language=JSONATA, output=(
        "{% $merge([$states.input, {'placement': {'accounts': $split($replace('${TenantAccounts}', ' ', ''), ','), "
        "'index': -1}}]) %}"))
    step = Pass("NextTenantAccount", parameters={
        "accounts.$": "$.placement.accounts", "index.$": "States.MathAdd($.placement.index, 1)"},
        result_path="$.placement")
    again = Pass("SameTenantAccount", parameters={
        "accounts.$": "$.placement.accounts", "index.$": "States.MathAdd($.placement.index, -1)"},
        result_path="$.placement")
    current = "States.ArrayGetItem($.placement.accounts, $.placement.index)"
    transaction = Task.sdk("dynamodb", "transactWriteItems", "PlaceTenant", parameters={"TransactItems": [
        {"Update": {"TableName": "${TenantsTable}", "Key": {"pk": {"S.$": "$.tenantId"}},
                    "UpdateExpression": "SET accountId = :a",
                    "ConditionExpression": "#status = :creating AND attribute_not_exists(accountId)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":a": {"S.$": current}, ":creating": {"S": "CREATING"}}}},
        {"Update": {"TableName": "${TenantsTable}", "Key": counter_key(current),
                    "UpdateExpression": f"SET {COUNTER_ATTRIBUTE} = if_not_exists({COUNTER_ATTRIBUTE}, :zero) + :one, "
                                        "#status = :counter",
                    "ConditionExpression": f"attribute_not_exists({COUNTER_ATTRIBUTE}) OR {COUNTER_ATTRIBUTE} < :limit",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":zero": {"N": "0"}, ":one": {"N": "1"},
                                                  ":limit": {"N": str(limit)}, ":counter": {"S": "DELETED"}}}},
    ]}, result_path=None)
    no_room = Pass("NoAccountRoom", query_language=JSONATA, output=(
        "{% $merge([$states.input, {'failure': {'status': 'NO_ACCOUNT_CAPACITY', 'reason': "
        f"'every tenant account holds {limit} tenants (' & $join($states.input.placement.accounts, ', ') & "
        "'): add an account to TenantAccounts, then send Tenant Created again'}}]) %}"))
    reread = Chain.coerce(read_row("ReadPlacedRow")) >> (
        Choice("PlacedMeanwhile")
        .when(Var("$.row.Item.accountId.S").is_present(), Chain.coerce(use_account("UsePlacedAccount")) >> placed)
        .otherwise(lost))
    refused = (Choice("PlacementRefused")
               .when(Var("$.caught.Cause").matches(ROW_REFUSED), reread)
               .when(Var("$.caught.Cause").matches(ACCOUNT_FULL), step)
               .otherwise(backoff("Placement", again >> step, expired=expired, deadline=deadline)))
    attempt = guard(transaction.add_retry(dynamodb_retry())
                    .add_catch([TRANSACTION_CANCELED], refused, result_path="$.caught"))
    chosen = use_account("UseNewAccount", "$states.input.placement.accounts[$states.input.placement.index]")
    loop = step >> (Choice("AccountsLeft", query_language=JSONATA)
                    .when("{% $states.input.placement.index < $count($states.input.placement.accounts) %}",
                          attempt >> chosen >> placed)
                    .otherwise(no_room >> full))
    return Chain.coerce(read_row("ReadPlacement")) >> (
        Choice("TenantPlaced")
        .when(Var("$.row.Item.accountId.S").is_present(), Chain.coerce(use_account("UseRecordedAccount")) >> placed)
        .otherwise(accounts >> loop))


def free_account(gone: State) -> Task:
    """Mark the tenant DELETED (its role and account removed from the row) and take one from its account's
    counter, in one transaction: conditional on the row still naming ``$.account.id``, so a second delete
    (the event delivered twice) frees nothing twice; cancelled, it goes to ``gone``."""
    transaction = Task.sdk("dynamodb", "transactWriteItems", "FreeAccountAndMarkDeleted", parameters={"TransactItems": [
        {"Update": {"TableName": "${TenantsTable}", "Key": {"pk": {"S.$": "$.tenantId"}},
                    "UpdateExpression": "SET #status = :deleted REMOVE tenantRoleArn, accountId",
                    "ConditionExpression": "accountId = :a",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":a": {"S.$": "$.account.id"}, ":deleted": {"S": "DELETED"}}}},
        {"Update": {"TableName": "${TenantsTable}", "Key": counter_key("$.account.id"),
                    "UpdateExpression": f"SET {COUNTER_ATTRIBUTE} = if_not_exists({COUNTER_ATTRIBUTE}, :one) - :one, "
                                        "#status = :counter",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":counter": {"S": "DELETED"}}}},
    ]}, result_path=None)
    return transaction.add_retry(dynamodb_retry()).add_catch([TRANSACTION_CANCELED], gone, result_path=None)
