"""Where the fixtures run a project's machines: the in-process engine, a local endpoint, or a deployed stack.

Why one interface: a team's tests should read the same whether they run on the embedded engine (the
default, nothing to start), against ``workflows local`` in another process (as a CI job or another
language's client would use it), or against the stack deployed in a real account. Each target
answers ``client(service)``, ``machine_arn(workflow)`` and ``placeholders`` (the values of
``${Name}`` there); the two local ones are also set up by :func:`prepare` (tables, execution
roles, the project's machines), while a deployed stack is only read (its CloudFormation outputs).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import boto3
from botocore.config import Config

from workflows.core import StateMachine
from workflows.registry import Resolver
from workflows.testing.stack_outputs import DeployedStack, read_stack
from workflows.testing.tables import TableSpec, create_tables

__all__ = ["Target", "TargetError", "engine_target", "endpoint_target", "stack_target", "prepare",
           "local_placeholders", "RESOLVER_ROLE", "MACHINE_ROLE"]

LOCAL_REGION = "us-east-1"
#: execution role of the resolver machines and of every other machine that runs tenant tasks (task
#: ``Credentials``): it may assume tenant roles and nothing else (as infra/ deploys it), and it is the role
#: the tenant template's trust policy names locally (tenant_stacks.PLATFORM_PLACEHOLDERS["TenantCallers"])
RESOLVER_ROLE = "saas-workflows-test-resolvers"
#: execution role of the other machines (the engine does not evaluate an execution role's own policies)
MACHINE_ROLE = "saas-workflows-test-machines"
_TRUST_STATES = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


class TargetError(RuntimeError):
    """The target cannot serve the project: a machine or placeholder value is missing, a stack is not ready."""


@dataclass
class Target:
    """A Step Functions endpoint holding the project's machines, and the AWS clients that go with it."""

    kind: str                                   # "engine" | "endpoint" | "stack"
    region: str
    account: str
    make_client: Callable[[str], Any]
    placeholders: dict[str, str] = field(default_factory=dict)
    machines: dict[str, str] = field(default_factory=dict)   # known workflow -> ARN (a stack's; local: created)
    #: state outlives the test module (an endpoint or a real account): tenant ids get a per-run suffix
    shared: bool = False
    description: str = ""
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` on this target (one per service, reused)."""
        if service not in self._clients:
            self._clients[service] = self.make_client(service)
        return self._clients[service]

    def machine_arn(self, workflow: str) -> str:
        """The ARN of the project's workflow ``workflow`` on this target."""
        if workflow in self.machines:
            return self.machines[workflow]
        if self.kind == "stack":
            raise TargetError(f"the stack {self.description} has no state machine for workflow {workflow!r} "
                              f"(it has: {', '.join(sorted(self.machines)) or 'none'})")
        return f"arn:aws:states:{self.region}:{self.account}:stateMachine:{workflow}"

    def start_sync(self, **request: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """StartSyncExecution with ``request`` (stateMachineArn, input, name ...).

        Returns (the parsed response or botocore's error response, the raw HTTP answer as AppSync's HTTP
        data source hands it to a resolver: ``{"statusCode", "headers", "body"}``).
        """
        sfn = self.client("stepfunctions")
        raw: dict[str, Any] = {}

        def capture(http_response: Any, **_: Any) -> None:
            raw.update(statusCode=http_response.status_code, headers=dict(http_response.headers),
                       body=http_response.content.decode("utf-8"))

        hook = f"saas-workflows-testing-{uuid.uuid4().hex}"
        sfn.meta.events.register("after-call.sfn.StartSyncExecution", capture, unique_id=hook)
        try:
            parsed = sfn.start_sync_execution(**request)
        except sfn.exceptions.ClientError as exc:
            parsed = exc.response
        finally:
            sfn.meta.events.unregister("after-call.sfn.StartSyncExecution", unique_id=hook)
        return parsed, raw


def _local_client(endpoint_url: str | None) -> Callable[[str], Any]:
    def make(service: str) -> Any:
        # inject_host_prefix=False: boto3 would send StartSyncExecution to "sync-<host>", which does not resolve
        return boto3.client(service, endpoint_url=endpoint_url, region_name=LOCAL_REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing",
                            config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
    return make


def engine_target(engine: Any, placeholders: Mapping[str, str]) -> Target:
    """The in-process engine (an active ``LocalEngine``); its clients are the engine's own."""
    return Target("engine", engine.region, engine.account_id, engine.client, dict(placeholders),
                  description="the in-process engine")


def endpoint_target(url: str, placeholders: Mapping[str, str]) -> Target:
    """A Step Functions endpoint such as ``workflows local`` (``http://127.0.0.1:PORT``)."""
    make = _local_client(url)
    account = make("sts").get_caller_identity()["Account"]
    return Target("endpoint", LOCAL_REGION, account, make, dict(placeholders), shared=True, description=url)


def stack_target(stack_name: str, placeholder_names: set[str], *, required: set[str] = frozenset(),
                 session: Any = None) -> Target:
    """A deployed stack in a real account (credentials and region from the environment, as for boto3).

    ``placeholder_names`` are looked for among its outputs; a missing one of ``required`` is a TargetError.
    """
    session = session or boto3.Session()
    deployed: DeployedStack = read_stack(session.client("cloudformation"), stack_name, placeholder_names)
    missing = sorted(set(required) - set(deployed.placeholders))
    if missing:
        raise TargetError(f"stack {stack_name!r} has no output for placeholder(s) {', '.join(missing)}: add a "
                          "CfnOutput named like each placeholder whose value is what the deployed machines use")
    return Target("stack", deployed.region, deployed.account,
                  lambda service: session.client(service, region_name=deployed.region),
                  deployed.placeholders, dict(deployed.machines), shared=True, description=repr(stack_name))


def local_placeholders(machines: Mapping[str, StateMachine]) -> dict[str, str]:
    """Each placeholder's local default, from the machines' ``StateMachine(placeholders=...)``.

    Two machines giving one placeholder different defaults would put one table under two names:
    a TargetError naming both.
    """
    values: dict[str, tuple[str, str]] = {}
    for name, machine in machines.items():
        for key, value in machine.placeholders.items():
            known = values.setdefault(key, (value, name))
            if known[0] != value:
                raise TargetError(f"${{{key}}} defaults to {known[0]!r} in {known[1]} but {value!r} in {name}")
    return {key: value for key, (value, _) in values.items()}


def runs_tenant_tasks(definition: Any) -> bool:
    """True when some Task of the ASL ``definition`` (a dict) has ``Credentials``: it assumes tenant roles."""
    if isinstance(definition, dict):
        if definition.get("Type") == "Task" and "Credentials" in definition:
            return True
        return any(runs_tenant_tasks(value) for value in definition.values())
    if isinstance(definition, list):
        return any(runs_tenant_tasks(value) for value in definition)
    return False


def _ensure_role(iam: Any, name: str, policy: dict[str, Any]) -> str:
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(_TRUST_STATES))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy))
    return arn


def prepare(target: Target, machines: Mapping[str, StateMachine], resolvers: Mapping[str, Resolver],
            tables: Mapping[str, TableSpec]) -> None:
    """Create the tables, the execution roles and the project's machines on a local target.

    On an endpoint an existing machine is updated to what the workflow compiles to now, so the tests
    run the current code even against a ``workflows local`` started before the last edit. A deployed
    stack is left as it is.
    """
    if target.kind == "stack":
        return
    create_tables(target.client("dynamodb"), tables, target.placeholders)
    iam = target.client("iam")
    resolver_role = _ensure_role(iam, RESOLVER_ROLE, {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": f"arn:aws:iam::{target.account}:role/tenant-role/*"}]})
    machine_role = _ensure_role(iam, MACHINE_ROLE, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["*", "sts:AssumeRole"], "Resource": "*"}]})
    sfn = target.client("stepfunctions")
    for name, machine in machines.items():
        definition = machine.substituted(target.placeholders)
        # tenant roles trust only the tenant-task machines' role (issue 12): a stream cleanup that deletes with
        # the tenant's role needs it as much as a resolver does
        role = resolver_role if name in resolvers or runs_tenant_tasks(machine.to_asl()) else machine_role
        arn = target.machine_arn(name)
        try:
            sfn.describe_state_machine(stateMachineArn=arn)
        except sfn.exceptions.StateMachineDoesNotExist:
            arn = sfn.create_state_machine(name=name, definition=definition, roleArn=role,
                                           type=machine.type)["stateMachineArn"]
        else:
            sfn.update_state_machine(stateMachineArn=arn, definition=definition, roleArn=role)
        target.machines[name] = arn
