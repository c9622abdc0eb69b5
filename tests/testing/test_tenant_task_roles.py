"""The fixtures' execution roles match the tenant template's trust (issue 12 item 6).

Tenant roles trust only the execution role of the machines that run tenant tasks: a task's
``Credentials.RoleArn`` is assumed by the state machine's execution role
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html). Locally
that is ``RESOLVER_ROLE``; every machine with a ``Credentials`` task must run under it (a stream cleanup
deleting with the tenant's role as much as a resolver), and the lifecycle machines must not.
"""

from __future__ import annotations

import json

from workflows.local.engine import LocalEngine
from workflows.patterns.tenant_stacks import PLACEHOLDERS, tenant_template
from workflows.project import example_project
from workflows.testing.seed import seed
from workflows.testing.targets import MACHINE_ROLE, RESOLVER_ROLE, engine_target, runs_tenant_tasks

CLEANUP = "appsync-unique-cleanup"


def test_every_machine_with_tenant_tasks_runs_under_the_role_tenant_roles_trust() -> None:
    project = example_project()
    machines = {name: flow.build() for name, flow in project.workflows().items()}
    assert runs_tenant_tasks(machines[CLEANUP].to_asl()) and CLEANUP not in project.resolvers()
    with LocalEngine() as engine:
        target = engine_target(engine, {})
        seeded = seed(target, machines, project.resolvers(), ["acme"])
        sfn, iam = engine.client("stepfunctions"), engine.client("iam")
        roles = {name: sfn.describe_state_machine(stateMachineArn=arn)["roleArn"].rsplit("/", 1)[-1]
                 for name, arn in seeded.machines.items()}
        for name, machine in machines.items():
            expected = RESOLVER_ROLE if runs_tenant_tasks(machine.to_asl()) else MACHINE_ROLE
            assert roles[name] == expected, name
        assert roles["tenant-stack-create"] == MACHINE_ROLE
        role_name = seeded.tenants["acme"].role_arn.rsplit("/", 1)[-1]
        trust = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"AWS": [PLACEHOLDERS["TenantCallers"]]}
        assert PLACEHOLDERS["TenantCallers"].endswith(f":role/{RESOLVER_ROLE}")
        assert "TenantCallerRoleArns" in json.loads(tenant_template())["Parameters"]
