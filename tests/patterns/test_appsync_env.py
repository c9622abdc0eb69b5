"""Shared set-up for the AppSync machine tests: tables, an execution role, tenant roles (no tests here).

The execution role may assume only roles under /tenant-role/ and read the tenants table; each
tenant role may touch only keys whose partition starts with its tenant id (dynamodb:LeadingKeys).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from workflows.core import StateMachine
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_role, create_table

ACCOUNT = "123456789012"
EXEC_ROLE = "appsync-resolver-execution"


def tenant_policy(tenant: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                                      "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"],
        "Resource": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/app-table",
                     f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/app-table/index/*"],
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [tenant, f"{tenant}#*"]}}}]}


@dataclass
class Env:
    engine: LocalEngine
    exec_role: str
    roles: dict[str, str]

    def ctx(self, tenant: str, role: str | None = None) -> dict[str, Any]:
        return {"identity": {"resolverContext": {"tenantId": tenant, "tenantRoleArn": role or self.roles[tenant]}}}

    def add_tenant(self, tenant: str) -> str:
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": self.exec_role}, "Action": "sts:AssumeRole"}]}
        # random-looking role names: nothing may derive a role from a tenant id
        arn = create_role(self.engine, f"tr-{hashlib.sha256(tenant.encode()).hexdigest()[:12]}", path="/tenant-role/",
                          policy_document=tenant_policy(tenant), trust=trust)
        self.roles[tenant] = arn
        # the row as tenant_stacks writes it (and the authorizer reads it): keyed pk
        self.engine.client("dynamodb").put_item(
            TableName="tenants", Item={"pk": {"S": tenant}, "tenantRoleArn": {"S": arn}, "status": {"S": "ACTIVE"}})
        return arn

    def deploy(self, machine: StateMachine) -> str:
        machine.validate() if machine.tenant_scoped else None
        return self.engine.create_state_machine(machine.name, machine.substituted(), type=machine.type,
                                                role_arn=self.exec_role)


def make_env(engine: LocalEngine, tenants: tuple[str, ...] = ("ta", "tb")) -> Env:
    create_table(engine, "app-table")
    create_table(engine, "tenants", pk="pk", sk=None)  # as workflows/cdk/stack.py creates it
    # where the unique cleanup sends the records it could not clean (its ${CleanupDeadLetterQueue} default)
    engine.client("sqs").create_queue(QueueName="unique-cleanup-dead-letters")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::{ACCOUNT}:role/tenant-role/*"},
        {"Effect": "Allow", "Action": "dynamodb:GetItem",
         "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/tenants"}]}
    exec_role = create_role(engine, EXEC_ROLE, policy_document=policy)
    env = Env(engine, exec_role, {})
    for t in tenants:
        env.add_tenant(t)
    return env


def stored(engine: LocalEngine) -> list[dict[str, Any]]:
    return engine.client("dynamodb").scan(TableName="app-table")["Items"]


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
