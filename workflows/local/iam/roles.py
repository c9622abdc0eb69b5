"""Resolve a Task's ``Credentials.RoleArn`` against moto's IAM, checking what AWS checks.

Order (each failure a ``TaskRoleError`` naming the role and the reason): the value is a string,
it is a well-formed IAM role ARN, the role exists (same ARN, path included), its trust policy
lets the caller assume it (the execution role, its account's root, or ``states.amazonaws.com``),
and -- when the state machine's execution role exists in moto's IAM -- that role's policies allow
``sts:AssumeRole`` on the task role. An execution role that moto's IAM does not know (tests
often pass a made-up ARN) is not checked: we cannot see its policies, and inventing a denial
would break every machine created without IAM set-up.

Simplification: AWS skips the identity-policy check when a same-account trust policy names the
execution role's ARN itself; we always require it when the execution role is known.
IAM is read through the public IAM API (boto3 against moto), not moto's internals.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping
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


def resolve_task_role(
    role_arn: object,
    execution_role_arn: str | None,
    iam: BaseClient,
    session_name: str,
) -> AssumedRole:
    """Run the AWS checks in order and return the role the task's calls will run under."""
    match = parse_role_arn(role_arn)
    assert isinstance(role_arn, str)
    partition, account, name = match["partition"], match["account"], match["name"]
    role = _get_role(iam, role_arn, name)
    if role is None:
        raise TaskRoleError(role_arn, "the role does not exist")

    exec_match = ROLE_ARN.fullmatch(execution_role_arn or "")
    caller_account = exec_match["account"] if exec_match else account
    who = TrustPrincipals(
        aws=frozenset(filter(None, [execution_role_arn, caller_account])),
        service=frozenset({STATES_SERVICE_PRINCIPAL}),
    )
    trust = trust_allows(_document(role["AssumeRolePolicyDocument"]), who)
    if not trust.allowed:
        how = "explicitly denies" if trust.decision is Decision.EXPLICIT_DENY else "does not allow"
        raise TaskRoleError(
            role_arn, f"its trust policy {how} sts:AssumeRole by {execution_role_arn or caller_account}"
        )

    if exec_match and execution_role_arn:
        exec_role = _get_role(iam, execution_role_arn, exec_match["name"])
        if exec_role is not None:
            result = evaluate(role_policies(iam, exec_match["name"]), Request("sts:AssumeRole", role_arn))
            if not result.allowed:
                raise TaskRoleError(
                    role_arn,
                    f"the execution role {execution_role_arn} is not authorized to perform "
                    f"sts:AssumeRole on it ({result.decision.value})",
                )

    return AssumedRole(
        role_arn=role_arn,
        partition=partition,
        account=account,
        name=name,
        session_name=session_name,
        policies=role_policies(iam, name),
        tags=_role_tags(iam, name),
    )
