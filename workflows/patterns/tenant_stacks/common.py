"""What the lifecycle machines share: names, placeholders, the tenants-table record, the tenant-id check
and the DynamoDB retry (every tenants-table and app-table step uses ``ddb_call``: one throttle must not
leave a row CREATING with a live stack, or ACTIVE pointing at a deleted role)."""

from __future__ import annotations

import json
from typing import TypedDict

from workflows.core import JSONATA, Choice, Fail, Pass, Retry, State, Chain, Task, Var
from workflows.patterns.stack_polling import initial_poll

CREATE_FAILED = "TenantStack.CreateFailed"
DELETE_FAILED = "TenantStack.DeleteFailed"
UPDATE_FAILED = "TenantStack.UpdateFailed"
INVALID_TENANT_ID = "TenantStack.InvalidTenantId"
# A create refused or undone because a delete of the same tenant is ordered after it (see create.py).
TENANT_DELETED = "TenantStack.TenantDeleted"
ALREADY_EXISTS = "CloudFormation.AlreadyExistsException"
# Stack names allow [A-Za-z0-9-] (starting with a letter, which STACK_PREFIX provides); 64 is the
# tenant template's TenantId limit. Stricter than the template's AllowedPattern, which also takes '_'.
TENANT_ID_PATTERN = "^[A-Za-z0-9-]{1,64}$"
# The machine does not use TENANT_ID_PATTERN's anchors: in AWS's JSONata (JavaScript) '$' is the end of
# the string, but in Python's re (jsonata-python, the local engine) it also matches before a final
# newline, so "acme\n" would pass locally. "No character outside the set, 1-64 of them" means the
# same in both engines.
_TENANT_ID_OUTSIDE = "/[^A-Za-z0-9-]/"
_TENANT_ID_MAX = 64
# How often update-all re-describes a CREATING tenant whose stack does not exist yet (backoff
# 5, 10, 20, 40, then 60 s: about 5 minutes, well past CreateStack's own throttling retries).
MISSING_POLLS = 8

# DynamoDB's throttling and transient errors as Step Functions names them. No AWS page lists them, so
# both spellings each integration can produce are named (a name that never occurs costs nothing):
# - optimized ``arn:aws:states:::dynamodb:*``: ``DynamoDB.<code>``; moto (and the error code on the
#   wire) gives the bare code (``RequestLimitExceeded``, ``InternalServerError``), AWS's Java SDK v1
#   class names add ``Exception``, and an unmodelled code (``ThrottlingException``,
#   ``ServiceUnavailable``) becomes ``DynamoDB.AmazonDynamoDBException`` on AWS;
# - ``aws-sdk:dynamodb:*``: the SDK for Java v2 class, ``DynamoDb.<Shape>Exception``, and an
#   unmodelled code becomes the base class ``DynamoDb.DynamoDbException``.
# The two catch-alls also match non-transient errors (a ValidationException): retried a few times, then
# the same error surfaces, so nothing is hidden.
_TRANSIENT_CODES = ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
                    "RequestLimitExceededException", "InternalServerError", "InternalServerErrorException",
                    "ServiceUnavailable", "ServiceUnavailableException")
DYNAMODB_TRANSIENT = (tuple(f"DynamoDB.{c}" for c in _TRANSIENT_CODES) + ("DynamoDB.AmazonDynamoDBException",)
                      + tuple(f"DynamoDb.{c}" for c in _TRANSIENT_CODES if c.endswith("Exception"))
                      + ("DynamoDb.DynamoDbException",))


def dynamodb_retry() -> Retry:
    """1, 2, 4 ... s (at most 20 s apart), 6 retries, full jitter: about a minute of throttling is
    sat out, and many tenants' executions do not retry in step."""
    return Retry(DYNAMODB_TRANSIENT, interval_seconds=1, max_attempts=6, backoff_rate=2.0, max_delay_seconds=20,
                 jitter_strategy="FULL")


def ddb_call(task: Task) -> Task:
    """A DynamoDB step: throttling and transient errors are retried with backoff."""
    return task.add_retry(dynamodb_retry())


# Local defaults of the platform's values every tenant stack gets: the execution role(s) its role trusts
# (the fixtures' resolver role, workflows.testing.targets.RESOLVER_ROLE) and its permissions boundary
# (created by the fixtures, workflows.testing.tenants.ensure_boundary). Deployed: TenantApiStack's.
LOCAL_ACCOUNT = "123456789012"
PLATFORM_PLACEHOLDERS = {
    "TenantCallers": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/saas-workflows-test-resolvers",
    "TenantBoundary": f"arn:aws:iam::{LOCAL_ACCOUNT}:policy/saas-workflows-tenant-boundary",
}
# With an AccountPlacement (placement.py): the tenant accounts in placement order, and the names of the
# provisioning role and of the boundary policy each of them holds. Local defaults: three accounts the
# fixtures set up (tests/patterns/tenant_stacks_fakes.py, tenant_accounts).
LOCAL_TENANT_ACCOUNTS = ("111111111111", "222222222222", "333333333333")
PLACEMENT_PLACEHOLDERS = {
    "TenantAccounts": ",".join(LOCAL_TENANT_ACCOUNTS),
    "ProvisioningRoleName": "saas-tenant-provisioning",
    "TenantBoundaryName": "saas-workflows-tenant-boundary",
}
PLACEHOLDERS = {
    "TenantsTable": "tenants",
    "AppTable": "app-table",
    "TemplateBucket": "tenant-templates",
    "TemplateKey": "tenant-stack.json",
    **PLATFORM_PLACEHOLDERS,
}
_TABLE_ONLY = {"TenantsTable": PLACEHOLDERS["TenantsTable"]}
# A child execution that ended without a result (it should not: every path ends in a record) is
# counted as failed under its tenant id rather than silently dropped from the summary.
_RESULTS = ("$map($states.input.results, function($r, $i) {$r ? $r : {'tenantId': "
            "$states.input.page.Items[$i].pk.S, 'outcome': 'failed', 'status': 'UNKNOWN', "
            "'reason': 'the tenant update ended without a result'}})")
STACK_PREFIX = "tenant-"
# the tenant's own parameters: an update keeps each one's previous value
TENANT_PARAMETERS = ("TenantId", "RoleName", "AppTableName")
# the platform's: create and update pass the current value (a new resolver machine is then trusted by every
# tenant role after the next update; and a stack created before a parameter existed has no previous value)
PLATFORM_PARAMETERS = {"TenantCallerRoleArns": "${TenantCallers}", "PermissionsBoundaryArn": "${TenantBoundary}"}
# every parameter of the tenant template, in its order
TEMPLATE_PARAMETERS = (*TENANT_PARAMETERS, *PLATFORM_PARAMETERS)


def platform_parameters(placed: bool = False) -> list[dict]:
    """CreateStack/UpdateStack ``Parameters`` entries for PLATFORM_PARAMETERS (placeholders, substituted on deploy);
    ``placed``: the boundary is the one in the tenant's account (``$.account.boundary``, placement.py)."""
    return [{"ParameterKey": key, "ParameterValue.$": "$.account.boundary"}
            if placed and key == "PermissionsBoundaryArn" else {"ParameterKey": key, "ParameterValue": value}
            for key, value in PLATFORM_PARAMETERS.items()]
UPDATABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
             "IMPORT_ROLLBACK_COMPLETE")


class TenantStackRef(TypedDict):
    """What update-all reads of a tenants table item."""

    pk: str
    stackName: str
    status: str


def placeholders_for(base: dict[str, str], placement: object | None, *, placing: bool = True) -> dict[str, str]:
    """A machine's placeholders: ``base``, plus the placement's when placed (the boundary is then each
    tenant account's ``${TenantBoundaryName}``, not ``${TenantBoundary}``); ``placing``: the machine
    places new tenants (``${TenantAccounts}``), else it only acts in the account a row names."""
    if placement is None:
        return base
    added = {k: v for k, v in PLACEMENT_PLACEHOLDERS.items() if placing or k != "TenantAccounts"}
    return {**{k: v for k, v in base.items() if k != "TenantBoundary"}, **added}


def _is_any(path: str, values: tuple[str, ...]):  # -> Condition
    condition = Var(path) == values[0]
    for value in values[1:]:
        condition = condition | (Var(path) == value)
    return condition


def _tenant_key() -> dict:
    return {"pk": {"S.$": "$.tenantId"}}


def _record(name: str, status: str, *, extra_set: str = "", extra_values: dict | None = None,
            condition: str | None = None, condition_values: dict | None = None) -> Task:
    """UpdateItem on the tenant's item: status plus optional attributes (no Credentials: these
    machines are the platform's, not a tenant's); retried on throttling."""
    values = {":s": {"S": status}, **(extra_values or {})}
    parameters = {
        "TableName": "${TenantsTable}", "Key": _tenant_key(),
        "UpdateExpression": f"SET #status = :s{extra_set}",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": values,
    }
    if condition is not None:
        parameters["ConditionExpression"] = condition
        values.update(condition_values or {})
    return ddb_call(Task.dynamodb("updateItem", name, parameters=parameters, result_path=None))


def _read_row(name: str, result_path: str = "$.row", *, account: bool = False) -> Task:
    """GetItem of the tenant's row (strongly consistent: it decides between a create and a delete);
    ``account``: with the tenant's ``accountId`` (placement.py)."""
    return ddb_call(Task.dynamodb("getItem", name, parameters={
        "TableName": "${TenantsTable}", "Key": _tenant_key(), "ConsistentRead": True,
        "ProjectionExpression": "#status, tenantRoleArn" + (", accountId" if account else ""),
        "ExpressionAttributeNames": {"#status": "status"},
    }, result_path=result_path))


def _start(event_field: str = "detail.tenantId") -> Pass:
    """The execution's working state. ``eventTime`` orders a tenant's creates and deletes: the event's
    ``time`` (EventBridge sets it), else the execution's start time."""
    tenant = f"$states.input.{event_field}"
    return Pass("ReadTenant", query_language=JSONATA, output=(
        f"{{% {{'tenantId': {tenant}, 'stackName': '{STACK_PREFIX}' & {tenant}, "
        f"'poll': {json.dumps(initial_poll())}, "
        "'eventTime': $type($states.input.time) = 'string' ? $states.input.time : $states.context.Execution.StartTime"
        "} %}"))


def _valid_tenant_id(then: State | Chain) -> Choice:
    """Go on to ``then`` only for a stack-name-safe ``detail.tenantId`` (JSONata: a JSONPath Choice
    has only ``*`` wildcards, no character classes); else fail before any call."""
    tenant = "$states.input.detail.tenantId"
    valid = (f"{{% $type({tenant}) = 'string' and $length({tenant}) >= 1 and $length({tenant}) <= {_TENANT_ID_MAX}"
             f" and $not($contains({tenant}, {_TENANT_ID_OUTSIDE})) %}}")
    cause = (f"{{% $exists({tenant}) ? 'tenantId ' & $substring($string({tenant}), 0, 100) & "
             f"' is not 1-64 letters, digits or hyphens (it names the stack {STACK_PREFIX}<tenantId>)' "
             f": 'the event has no detail.tenantId' %}}")
    invalid = Fail("InvalidTenantId", query_language=JSONATA, error=INVALID_TENANT_ID, cause=cause)
    return Choice("CheckTenantId", query_language=JSONATA).when(valid, then).otherwise(invalid)


