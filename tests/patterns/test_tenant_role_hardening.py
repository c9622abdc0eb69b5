"""Issue 12 items 6 and 7 end to end: tenant stacks from the shipped template, on the local engine.

6. A tenant role is assumed only by the execution roles the stack names (``TenantCallerRoleArns``): a task's
   ``Credentials.RoleArn`` is assumed by the state machine's execution role, and the target role's trust
   policy must allow that role (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html).
   Another machine of the same account, even one whose own policy allows ``sts:AssumeRole`` on every
   tenant role, fails the task with ``States.TaskFailed``.
7. The permissions boundary caps the role whatever the template grants: the effective permissions are
   the intersection of identity policies and boundary
   (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html). A template changed to
   grant ``dynamodb:*`` on ``*`` still reaches only the tenant's own keys of the app table.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterator

import pytest

from workflows.local.engine import LocalEngine
from workflows.patterns.tenant_stacks import PLACEHOLDERS, boundary_document, tenant_template

ACCOUNT = "123456789012"
REGION = "us-east-1"
APP = PLACEHOLDERS["AppTable"]
CALLERS = PLACEHOLDERS["TenantCallers"]
BOUNDARY = PLACEHOLDERS["TenantBoundary"]
OTHER_MACHINES = f"arn:aws:iam::{ACCOUNT}:role/lifecycle-machines"
_names = itertools.count()


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def changed_template() -> str:
    """What someone who can write the template object might upload: the role's own policy grants everything."""
    template = json.loads(tenant_template())
    [policy] = template["Resources"]["TenantRole"]["Properties"]["Policies"]
    policy["PolicyDocument"]["Statement"] = [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]
    return json.dumps(template)


def tenant_stack(engine: LocalEngine, tenant: str, template: str) -> str:
    cfn = engine.client("cloudformation")
    parameters = {"TenantId": tenant, "RoleName": f"r-{tenant}", "AppTableName": APP,
                  "TenantCallerRoleArns": CALLERS, "PermissionsBoundaryArn": BOUNDARY}
    cfn.create_stack(StackName=f"tenant-{tenant}", TemplateBody=template, Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()])
    [stack] = cfn.describe_stacks(StackName=f"tenant-{tenant}")["Stacks"]
    assert stack["StackStatus"] == "CREATE_COMPLETE", stack
    return stack["Outputs"][0]["OutputValue"]


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    with LocalEngine() as engine:
        ddb, iam = engine.client("dynamodb"), engine.client("iam")
        ddb.create_table(TableName=APP, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        for pk in ("acme", "acme#order-1", "globex"):
            ddb.put_item(TableName=APP, Item={"pk": {"S": pk}})
        table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{APP}"
        iam.create_policy(PolicyName=BOUNDARY.rsplit("/", 1)[-1], PolicyDocument=json.dumps(boundary_document(table_arn)))
        for arn in (CALLERS, OTHER_MACHINES):  # both may assume every tenant role by their own policy
            name = arn.rsplit("/", 1)[-1]
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=_doc(
                {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}))
            iam.put_role_policy(RoleName=name, PolicyName="assume", PolicyDocument=_doc(
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/tenant-role/*"}))
        roles = {"acme": tenant_stack(engine, "acme", tenant_template()),
                 "initech": tenant_stack(engine, "initech", changed_template())}
        yield {"engine": engine, "roles": roles}


def call(aws: dict[str, Any], tenant: str, action: str, parameters: dict[str, Any],
         execution_role: str = CALLERS) -> Any:
    engine: LocalEngine = aws["engine"]
    name = f"hardening{next(_names)}"
    states = {"T": {"Type": "Task", "Resource": f"arn:aws:states:::aws-sdk:dynamodb:{action}",
                    "Credentials": {"RoleArn": aws["roles"][tenant]}, "Parameters": parameters, "End": True}}
    engine.create_state_machine(name, {"StartAt": "T", "States": states}, role_arn=execution_role)
    return engine.run(name, {})


def get(pk: str) -> dict[str, Any]:
    return {"TableName": APP, "Key": {"pk": {"S": pk}}}


def test_the_named_machines_assume_the_tenant_role(aws: dict[str, Any]) -> None:
    result = call(aws, "acme", "getItem", get("acme"))
    assert result.status == "SUCCEEDED", result


def test_another_machine_of_the_account_cannot_assume_it(aws: dict[str, Any]) -> None:
    """Before: the template trusted the account root, so any machine allowed sts:AssumeRole read acme's data."""
    result = call(aws, "acme", "getItem", get("acme"), execution_role=OTHER_MACHINES)
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert aws["roles"]["acme"] in result.cause
    assert f"its trust policy does not allow sts:AssumeRole by {OTHER_MACHINES}" in result.cause


def test_a_template_granting_everything_still_reaches_only_the_tenants_own_keys(aws: dict[str, Any]) -> None:
    """initech's stack came from a template whose policy allows dynamodb:* on *: the boundary still holds."""
    assert call(aws, "initech", "putItem", {"TableName": APP, "Item": {"pk": {"S": "initech#x"}}}).ok()
    for action, parameters in [
        ("getItem", get("globex")),
        ("putItem", {"TableName": APP, "Item": {"pk": {"S": "globex"}, "owned": {"S": "initech"}}}),
        ("query", {"TableName": APP, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": {"S": "acme"}}}),
        ("scan", {"TableName": APP}),                 # no leading key, not an item action: outside the boundary
        ("deleteTable", {"TableName": APP}),
        ("describeTable", {"TableName": APP}),
    ]:
        result = call(aws, "initech", action, parameters)
        assert result.status == "FAILED", (action, result)
        assert "because no permissions boundary allows" in result.cause, (action, result.cause)
    assert aws["engine"].client("dynamodb").get_item(**get("globex"))["Item"] == {"pk": {"S": "globex"}}


def test_the_unchanged_template_keeps_the_same_reach(aws: dict[str, Any]) -> None:
    own = call(aws, "acme", "query", {"TableName": APP, "KeyConditionExpression": "pk = :p",
                                      "ExpressionAttributeValues": {":p": {"S": "acme#order-1"}}})
    assert own.status == "SUCCEEDED", own
    other = call(aws, "acme", "getItem", get("globex"))
    assert other.status == "FAILED"
    assert "because no identity-based policy allows" in other.cause  # its own policy refuses first
