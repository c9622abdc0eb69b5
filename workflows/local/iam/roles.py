"""Resolve a Task's ``Credentials.RoleArn`` against moto's IAM, checking what AWS checks.

Order (each failure a ``TaskRoleError`` naming the role and the reason): the value is a string,
it is a well-formed IAM role ARN, the role exists (same ARN, path included) in ITS account, its
trust policy lets the caller assume it, and -- when the state machine's execution role exists in
moto's IAM -- that role's policies allow ``sts:AssumeRole`` on the task role.

Who the caller is: the state machine's execution role. "Specifies a target role assumed by the
State Machine's execution role" (CDK ``aws_stepfunctions.Credentials``); the target role's trust
policy names the execution role or its account, and the execution role needs ``sts:AssumeRole``
on the target (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html,
.../tutorial-access-cross-acct-resources.html). The Step Functions service principal
``states.amazonaws.com`` is NOT the caller here (it assumes the execution role itself), so a trust
policy that names only the service does not admit a task (it did, laxly, before issue 12 item 6).
The trust policy's conditions see ``aws:PrincipalArn`` (the execution role), ``aws:PrincipalAccount``
and ``aws:PrincipalType`` = ``AssumedRole``, the global keys AWS sets for a role session.

The role's permissions boundary (``PermissionsBoundary`` of GetRole, a managed policy) is read too:
its calls are then allowed only where identity policies AND the boundary allow
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).

Several accounts: a role in another account than the execution role's is read from that account's
IAM (moto keeps state per account), and its calls run there (``AssumedRole.account``).

An execution role that moto's IAM does not know (tests often pass a made-up ARN) is not checked for
``sts:AssumeRole``: we cannot see its policies, and inventing a denial would break every machine
created without IAM set-up. The trust policy is still checked against its ARN.
Simplification: AWS skips the identity-policy check when a same-account trust policy names the
execution role's ARN itself; we always require it when the execution role is known.
IAM is read through the public IAM API (boto3 against moto), not moto's internals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping
from urllib.parse import unquote

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from workflows.local.iam.policy import (
    Decision,
    Request,
    TrustPrincipals,
    evaluate,
    trust_allows,
)

#: Matched with ``fullmatch`` (a ``$`` anchor would accept a trailing newline, which IAM does not).
ROLE_ARN = re.compile(
    r"arn:(?P<partition>aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::(?P<account>\d{12}):"
    r"role(?P<path>/(?:[\x21-\x2e\x30-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})", re.ASCII
)
#: The service principal that assumes the EXECUTION role; it is not who assumes a task's role.
STATES_SERVICE_PRINCIPAL = "states.amazonaws.com"


class TaskRoleError(Exception):
    """The task role cannot be used; ``error`` is the ASL error name the task fails with.

    ``States.Runtime`` when the RoleArn value itself is unusable (not a string), as for any
    field whose value has the wrong type; ``States.TaskFailed`` when the value is a string but
    the role cannot be assumed (malformed, missing, untrusted, not allowed).
    """

    def __init__(self, role_arn: object, reason: str, error: str = "States.TaskFailed") -> None:
        self.role_arn = role_arn
        self.reason = reason
        self.error = error
        super().__init__(f"Unable to assume the task role {role_arn!r}: {reason}")


@dataclass(frozen=True)
class AssumedRole:
    """A task role that passed every check, with the policies its calls are authorized against."""

    role_arn: str
    partition: str
    account: str
    name: str
    session_name: str
    policies: tuple[Mapping[str, Any], ...]
    tags: Mapping[str, str] = field(default_factory=dict)
    #: the permissions boundary's document, or None when the role has none
    boundary: Mapping[str, Any] | None = None
    boundary_arn: str | None = None

    @property
    def session_arn(self) -> str:
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.name}/{self.session_name}"

    def principal_context(self) -> dict[str, list[str]]:
        """Global condition keys AWS adds for an assumed-role principal."""
        context = {
            "aws:PrincipalArn": [self.role_arn],
            "aws:PrincipalAccount": [self.account],
            "aws:PrincipalType": ["AssumedRole"],
        }
        for key, value in self.tags.items():
            context[f"aws:PrincipalTag/{key}"] = [value]
        return context


def parse_role_arn(value: object) -> re.Match[str]:
    """Check type and shape of a role ARN; raise ``TaskRoleError`` saying what is wrong."""
    if not isinstance(value, str):
        raise TaskRoleError(value, f"RoleArn must be a string, got {type(value).__name__}", "States.Runtime")
    match = ROLE_ARN.fullmatch(value)
    if not match:
        raise TaskRoleError(
            value, "not a well-formed IAM role ARN (arn:<partition>:iam::<12 digits>:role/<path/>name)"
        )
    return match


def _document(raw: Any) -> Mapping[str, Any]:
    if isinstance(raw, str):
        return json.loads(unquote(raw) if raw.lstrip().startswith("%") else raw)
    return raw


def _get_role(iam: BaseClient, arn: str, name: str) -> Mapping[str, Any] | None:
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise
    return role if role["Arn"] == arn else None


def role_policies(iam: BaseClient, role_name: str) -> tuple[Mapping[str, Any], ...]:
    """Inline and attached managed policy documents of a role (default versions)."""
    documents: list[Mapping[str, Any]] = []
    for page in iam.get_paginator("list_role_policies").paginate(RoleName=role_name):
        for policy_name in page["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
            documents.append(_document(doc))
    for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role_name):
        for attached in page["AttachedPolicies"]:
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = iam.get_policy_version(
                PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"]
            )["PolicyVersion"]
            documents.append(_document(version["Document"]))
    return tuple(documents)


def _role_tags(iam: BaseClient, role_name: str) -> dict[str, str]:
    tags = iam.list_role_tags(RoleName=role_name).get("Tags", [])
    return {t["Key"]: t["Value"] for t in tags}


def managed_policy_document(iam: BaseClient, policy_arn: str) -> Mapping[str, Any] | None:
    """The default version's document of a managed policy, or None if it does not exist."""
    try:
        policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NoSuchEntity":
            return None
        raise
    version = iam.get_policy_version(PolicyArn=policy_arn, VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    return _document(version["Document"])


IamClients = Callable[[str], BaseClient]


def resolve_task_role(
    role_arn: object,
    execution_role_arn: str | None,
    iam: BaseClient | IamClients,
    session_name: str,
) -> AssumedRole:
    """Run the AWS checks in order and return the role the task's calls will run under.

    ``iam`` is one IAM client (every account the same, as before several accounts), or a function
    from an account id to that account's IAM client.
    """
    iam_in: IamClients = iam if callable(iam) and not isinstance(iam, BaseClient) else (lambda _account: iam)
    match = parse_role_arn(role_arn)
    assert isinstance(role_arn, str)
    partition, account, name = match["partition"], match["account"], match["name"]
    target_iam = iam_in(account)
    role = _get_role(target_iam, role_arn, name)
    if role is None:
        raise TaskRoleError(role_arn, "the role does not exist")

    exec_match = ROLE_ARN.fullmatch(execution_role_arn or "")
    caller_account = exec_match["account"] if exec_match else account
    caller = execution_role_arn if exec_match else None
    who = TrustPrincipals(aws=frozenset(filter(None, [caller, caller_account])))
    context = {"aws:PrincipalAccount": [caller_account], "aws:PrincipalType": ["AssumedRole"]}
    if caller:
        context["aws:PrincipalArn"] = [caller]
    trust = trust_allows(_document(role["AssumeRolePolicyDocument"]), who, context=context)
    if not trust.allowed:
        how = "explicitly denies" if trust.decision is Decision.EXPLICIT_DENY else "does not allow"
        raise TaskRoleError(
            role_arn, f"its trust policy {how} sts:AssumeRole by {execution_role_arn or caller_account} "
                      f"(the state machine's execution role assumes a task's role)"
        )

    if exec_match and execution_role_arn:
        exec_iam = iam_in(exec_match["account"])
        exec_role = _get_role(exec_iam, execution_role_arn, exec_match["name"])
        if exec_role is not None:
            result = evaluate(role_policies(exec_iam, exec_match["name"]), Request("sts:AssumeRole", role_arn))
            if not result.allowed:
                raise TaskRoleError(
                    role_arn,
                    f"the execution role {execution_role_arn} is not authorized to perform "
                    f"sts:AssumeRole on it ({result.decision.value})",
                )

    boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") or None
    boundary = None
    if boundary_arn:
        boundary = managed_policy_document(target_iam, boundary_arn)
        if boundary is None:
            raise TaskRoleError(role_arn, f"its permissions boundary {boundary_arn} does not exist")

    return AssumedRole(
        role_arn=role_arn,
        partition=partition,
        account=account,
        name=name,
        session_name=session_name,
        policies=role_policies(target_iam, name),
        tags=_role_tags(target_iam, name),
        boundary=boundary,
        boundary_arn=boundary_arn,
    )
