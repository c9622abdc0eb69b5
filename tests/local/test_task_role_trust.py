"""A task's role is assumed BY THE EXECUTION ROLE, within its permissions boundary, in the role's account.

AWS documentation these tests hold the engine to:
- Task ``Credentials``: "Specifies a target role assumed by the State Machine's execution role"
  (CDK ``aws_stepfunctions.Credentials``); the target role's trust policy must allow the source
  account's execution role, and the execution role needs ``sts:AssumeRole`` on it
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html,
  https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-access-cross-acct-resources.html).
  The service principal ``states.amazonaws.com`` assumes the execution role, not the task role.
- Condition keys of a role session: ``aws:PrincipalArn`` is the role's ARN, ``aws:PrincipalType``
  ``AssumedRole`` (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
- Permissions boundaries: an entity may do only what both its identity-based policies and its
  boundary allow (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html);
  the denial reads "because no permissions boundary allows the <action> action" / "with an explicit
  deny in a permissions boundary" (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
- A role that cannot be assumed fails the task with ``States.TaskFailed`` (the task's error; the
  cause names the role and the reason), caught by Retry/Catch like any task error.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterator

import pytest

from workflows.local.adaptations.credentials import in_account
from workflows.local.engine import ExecutionResult, LocalEngine

ACCOUNT = "123456789012"
OTHER = "210987654321"
REGION = "us-east-1"
TABLE = "trust-data"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
RESOLVERS = f"arn:aws:iam::{ACCOUNT}:role/resolvers"
LIFECYCLE = f"arn:aws:iam::{ACCOUNT}:role/lifecycle"
OPTIMIZED = "arn:aws:states:::dynamodb:getItem"
_names = itertools.count()
ITEM_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]


def _trust(principal: Any, condition: dict[str, Any] | None = None) -> str:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _own_keys(table_arn: str = TABLE_ARN) -> dict[str, Any]:
    """The tenant template's boundary: item actions on one table, keys of the role's TenantId tag only."""
    tenant = "${aws:PrincipalTag/TenantId}"
    return {"Effect": "Allow", "Action": ITEM_ACTIONS, "Resource": table_arn,
            "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [tenant, f"{tenant}#*"]}}}


def _table(ddb: Any, owner: str) -> None:
    ddb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    for pk in ("t1", "t2"):
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "owner": {"S": owner}})


def _role(iam: Any, name: str, trust: str, policy: str, **extra: Any) -> str:
    arn = iam.create_role(RoleName=name, Path="/tenant-role/", AssumeRolePolicyDocument=trust, **extra)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=policy)
    return arn


@pytest.fixture(scope="module")
def aws() -> Iterator[LocalEngine]:
    with LocalEngine() as engine:
        iam = engine.client("iam")
        _table(engine.client("dynamodb"), ACCOUNT)
        for name in ("resolvers", "lifecycle"):  # both may assume any tenant role: only trust tells them apart
            iam.create_role(RoleName=name, AssumeRolePolicyDocument=_trust({"Service": "states.amazonaws.com"}))
            iam.put_role_policy(RoleName=name, PolicyName="assume", PolicyDocument=_doc(
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}))
        everything = _doc({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"})
        _role(iam, "service-only", _trust({"Service": "states.amazonaws.com"}), everything)
        _role(iam, "resolvers-only", _trust({"AWS": RESOLVERS}), everything)
        _role(iam, "root-if-resolvers", _trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                                              {"ArnEquals": {"aws:PrincipalArn": RESOLVERS}}), everything)
        boundary = iam.create_policy(PolicyName="tenant-boundary", PolicyDocument=_doc(
            _own_keys(), {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"}))["Policy"]["Arn"]
        # the inline policy grants every DynamoDB action on every table: only the boundary limits it
        _role(iam, "bounded-t1", _trust({"AWS": RESOLVERS}), everything, PermissionsBoundary=boundary,
              Tags=[{"Key": "TenantId", "Value": "t1"}])
        _role(iam, "bounded-readonly", _trust({"AWS": RESOLVERS}), _doc(
            {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}), PermissionsBoundary=boundary,
            Tags=[{"Key": "TenantId", "Value": "t1"}])
        _role(iam, "bounded-untagged", _trust({"AWS": RESOLVERS}), everything, PermissionsBoundary=boundary)
        _role(iam, "lost-boundary", _trust({"AWS": RESOLVERS}), everything,
              PermissionsBoundary=f"arn:aws:iam::{ACCOUNT}:policy/deleted")
        # a second account: its own table (same name, other items) and a role trusting our resolvers
        other_iam = in_account(engine.client("iam"), OTHER)
        _table(in_account(engine.client("dynamodb"), OTHER), OTHER)
        other_arn = f"arn:aws:dynamodb:{REGION}:{OTHER}:table/{TABLE}"
        _role(other_iam, "remote-t2", _trust({"AWS": RESOLVERS}), _doc(
            {"Effect": "Allow", "Action": ITEM_ACTIONS, "Resource": other_arn,
             "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["t2"]}}}))
        _role(other_iam, "remote-untrusting", _trust({"AWS": LIFECYCLE}), everything)
        yield engine


def run(engine: LocalEngine, role: str, pk: str, execution_role: str = RESOLVERS, **extra: Any) -> ExecutionResult:
    name = f"trust{next(_names)}"
    states = {"G": {"Type": "Task", "Resource": OPTIMIZED, "Credentials": {"RoleArn": role},
                    "Parameters": {"TableName": TABLE, "Key": {"pk": {"S": pk}}}, "End": True, **extra}}
    engine.create_state_machine(name, {"StartAt": "G", "States": states}, role_arn=execution_role)
    return engine.run(name, {})


def arn(name: str, account: str = ACCOUNT) -> str:
    return f"arn:aws:iam::{account}:role/tenant-role/{name}"


def test_a_role_trusting_only_the_step_functions_service_is_not_assumable_by_a_task(aws: LocalEngine) -> None:
    """The service principal assumes the execution role; the task role is assumed by the execution role."""
    result = run(aws, arn("service-only"), "t1")
    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert arn("service-only") in result.cause
    assert f"its trust policy does not allow sts:AssumeRole by {RESOLVERS}" in result.cause


def test_only_the_execution_role_the_trust_policy_names_may_assume(aws: LocalEngine) -> None:
    assert run(aws, arn("resolvers-only"), "t1").status == "SUCCEEDED"
    refused = run(aws, arn("resolvers-only"), "t1", execution_role=LIFECYCLE)
    assert (refused.status, refused.error) == ("FAILED", "States.TaskFailed")
    assert f"does not allow sts:AssumeRole by {LIFECYCLE}" in refused.cause


def test_trust_conditions_see_the_execution_role_as_principal_arn(aws: LocalEngine) -> None:
    ok = run(aws, arn("root-if-resolvers"), "t1")
    assert ok.status == "SUCCEEDED", ok
    assert run(aws, arn("root-if-resolvers"), "t1", execution_role=LIFECYCLE).error == "States.TaskFailed"


def test_an_untrusted_role_is_caught_as_a_task_failure(aws: LocalEngine) -> None:
    name = f"trust{next(_names)}"
    states = {"G": {"Type": "Task", "Resource": OPTIMIZED, "Credentials": {"RoleArn": arn("resolvers-only")},
                    "Parameters": {"TableName": TABLE, "Key": {"pk": {"S": "t1"}}}, "End": True,
                    "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Refused"}]},
              "Refused": {"Type": "Pass", "Parameters": {"caught.$": "$.Error"}, "End": True}}
    aws.create_state_machine(name, {"StartAt": "G", "States": states}, role_arn=LIFECYCLE)
    result = aws.run(name, {})
    assert result.status == "SUCCEEDED", result
    assert result.output == {"caught": "States.TaskFailed"}


def test_the_permissions_boundary_limits_a_role_whose_policy_allows_everything(aws: LocalEngine) -> None:
    own = run(aws, arn("bounded-t1"), "t1")
    assert own.status == "SUCCEEDED", own
    assert own.output["Item"]["owner"] == {"S": ACCOUNT}
    other = run(aws, arn("bounded-t1"), "t2")
    assert (other.status, other.error) == ("FAILED", "DynamoDB.AccessDeniedException")
    assert (f"is not authorized to perform: dynamodb:GetItem on resource: {TABLE_ARN} "
            "because no permissions boundary allows the dynamodb:GetItem action") in other.cause


def test_an_explicit_deny_in_the_boundary_is_named(aws: LocalEngine) -> None:
    name = f"trust{next(_names)}"
    states = {"P": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                    "Credentials": {"RoleArn": arn("bounded-t1")},
                    "Parameters": {"TableName": TABLE, "Item": {"pk": {"S": "t1"}}}, "End": True}}
    aws.create_state_machine(name, {"StartAt": "P", "States": states}, role_arn=RESOLVERS)
    result = aws.run(name, {})
    assert result.error == "DynamoDB.AccessDeniedException"
    assert "with an explicit deny in a permissions boundary" in result.cause


def test_an_explicit_deny_in_the_boundary_wins_over_a_missing_allow(aws: LocalEngine) -> None:
    """AWS checks every policy type for an explicit Deny before it looks for an Allow."""
    name = f"trust{next(_names)}"
    states = {"P": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                    "Credentials": {"RoleArn": arn("bounded-readonly")},
                    "Parameters": {"TableName": TABLE, "Item": {"pk": {"S": "t1"}}}, "End": True}}
    aws.create_state_machine(name, {"StartAt": "P", "States": states}, role_arn=RESOLVERS)
    result = aws.run(name, {})
    assert result.error == "DynamoDB.AccessDeniedException"
    assert "with an explicit deny in a permissions boundary" in result.cause


def test_a_boundary_keyed_on_a_missing_tag_allows_nothing(aws: LocalEngine) -> None:
    result = run(aws, arn("bounded-untagged"), "t1")
    assert result.error == "DynamoDB.AccessDeniedException"
    assert "because no permissions boundary allows" in result.cause


def test_a_boundary_policy_that_does_not_exist_fails_the_task(aws: LocalEngine) -> None:
    result = run(aws, arn("lost-boundary"), "t1")
    assert result.error == "States.TaskFailed"
    assert f"permissions boundary arn:aws:iam::{ACCOUNT}:policy/deleted does not exist" in result.cause


def test_a_role_in_another_account_runs_its_call_in_that_account(aws: LocalEngine) -> None:
    result = run(aws, arn("remote-t2", OTHER), "t2")
    assert result.status == "SUCCEEDED", result
    assert result.output["Item"]["owner"] == {"S": OTHER}  # that account's table, not ours of the same name


def test_a_role_in_another_account_keeps_its_own_policies_and_trust(aws: LocalEngine) -> None:
    denied = run(aws, arn("remote-t2", OTHER), "t1")
    assert denied.error == "DynamoDB.AccessDeniedException"
    assert f"arn:aws:sts::{OTHER}:assumed-role/remote-t2/" in denied.cause
    assert f"arn:aws:dynamodb:{REGION}:{OTHER}:table/{TABLE}" in denied.cause
    untrusting = run(aws, arn("remote-untrusting", OTHER), "t2")
    assert untrusting.error == "States.TaskFailed"
    assert "its trust policy does not allow" in untrusting.cause


def test_a_role_is_looked_up_in_the_account_its_arn_names(aws: LocalEngine) -> None:
    # resolvers-only exists in our account only; the same path and name in the other account does not
    result = run(aws, arn("resolvers-only", OTHER), "t1")
    assert result.error == "States.TaskFailed"
    assert "the role does not exist" in result.cause
