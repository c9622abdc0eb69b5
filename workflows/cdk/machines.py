"""One deployed state machine: the asl/ text unchanged, its ``${Name}`` substitutions, its own role.

Why ``DefinitionBody.from_string``: it keeps ``DefinitionString`` the exact asl/ text (with
``DefinitionSubstitutions`` beside it), which cfn-lint validates and a test compares byte for byte;
``from_file`` would make an S3 asset and ``from_chainable`` an ``Fn::Join``.
Why an explicit machine name: a Distributed Map's role must name its own machine's ARN, which would
otherwise be a dependency cycle (role -> machine -> role).
With tenant accounts (``accounts``): a tenant task may also assume the tenant roles of every tenant
account, and a provisioning task (``TaskUse.as_provisioner``) may assume exactly the accounts'
provisioning roles -- its CloudFormation call is then made, and authorized, in the tenant's account, so
the machine's own role gets no CloudFormation permission for it. ``role_name`` fixes the role's name, so
that another account's stack can name the role (a generated name is unknown outside this stack).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from workflows.cdk.accounts import TenantAccounts
from workflows.cdk.sources import MachineSource
from workflows.cdk.task_permissions import TaskUse, UnsupportedTask, runs_distributed_map, task_uses
from workflows.cdk.tenant_template import tenant_role_arns


class WorkflowMachine(Construct):
    """A machine from asl/ with logging, tracing and a role granted exactly what its tasks call."""

    def __init__(self, scope: Construct, construct_id: str, source: MachineSource, *, prefix: str,
                 substitutions: Mapping[str, str], tables: Mapping[str, dynamodb.ITable],
                 stack_arn: str | None = None, queues: Mapping[str, sqs.IQueue] | None = None,
                 accounts: TenantAccounts | None = None, role_name: str | None = None) -> None:
        super().__init__(scope, construct_id)
        missing = set(source.placeholders) - set(substitutions)
        if missing:
            raise UnsupportedTask(f"{source.name}: no deploy value for placeholders {sorted(missing)}")
        stack = cdk.Stack.of(self)
        self.machine_name = f"{prefix}-{source.name}"
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
                             description=f"Execution role of {source.name}", role_name=role_name)
        log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        self.machine = sfn.StateMachine(
            self, "Machine", state_machine_name=self.machine_name,
            state_machine_type=sfn.StateMachineType[source.type],
            definition_body=sfn.DefinitionBody.from_string(source.definition),
            # None, not {}: an empty DefinitionSubstitutions is invalid CloudFormation (cfn-lint E3002)
            definition_substitutions={name: substitutions[name] for name in source.placeholders} or None,
            role=self.role, tracing_enabled=True,
            # payloads stay out of the shared log group: they carry tenants' data
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False))
        #: the CloudFormation actions this machine makes as a tenant account's provisioning role
        self.provisioning_actions: set[str] = set()
        self.actions = self._grant(source, tables, stack_arn, queues or {}, accounts)
        self.distributed = runs_distributed_map(source.asl)
        if self.distributed:
            own = self._own_arn()
            runs = stack.format_arn(service="states", resource="execution", resource_name=f"{self.machine_name}/*",
                                    arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)
            self.role.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"], resources=[own]))
            self.role.add_to_policy(iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:StopExecution"], resources=[runs]))

    def _own_arn(self) -> str:
        return cdk.Stack.of(self).format_arn(service="states", resource="stateMachine",
                                             resource_name=self.machine_name,
                                             arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME)

    def _grant(self, source: MachineSource, tables: Mapping[str, dynamodb.ITable],
               stack_arn: str | None, queues: Mapping[str, sqs.IQueue],
               accounts: TenantAccounts | None) -> set[str]:
        # resources (one statement each group) -> actions
        by_resource: dict[tuple[str, ...], set[str]] = defaultdict(set)
        partition = cdk.Stack.of(self).partition
        tenant_roles = (tenant_role_arns(self), *(accounts.tenant_role_arns(partition) if accounts else ()))

        def named(use: TaskUse, arns: dict[str, str], kind: str) -> list[str]:
            """The ARNs of the resources a task names by placeholder; a task naming none is refused."""
            found = [arns[p] for p in use.placeholders if p in arns]
            if not found:
                raise UnsupportedTask(f"{source.name}.{use.state}: {use.action} names no known {kind}")
            return found

        for use in task_uses(source.asl):
            if use.as_tenant:
                by_resource[tenant_roles].add("sts:AssumeRole")
            elif use.as_provisioner:
                if accounts is None:
                    raise UnsupportedTask(f"{source.name}.{use.state}: {use.action} runs as a tenant account's "
                                          "provisioning role, but no tenant accounts are named")
                by_resource[tuple(accounts.provisioning_role_arns(partition))].add("sts:AssumeRole")
                self.provisioning_actions.add(use.action)
            elif use.action.startswith("dynamodb:"):
                for arn in named(use, {p: table.table_arn for p, table in tables.items()}, "table"):
                    by_resource[(arn,)].add(use.action)
            elif use.action == "sqs:SendMessage":
                for arn in named(use, {p: queue.queue_arn for p, queue in queues.items()}, "queue"):
                    by_resource[(arn,)].add(use.action)
            elif use.action == "states:StartExecution":
                # a machine handing its work to a successor execution of itself (bounded history):
                # its own ARN only, so it can start no other machine
                by_resource[(self._own_arn(),)].add(use.action)
            elif use.action.startswith("cloudformation:") and stack_arn is not None:
                by_resource[(stack_arn,)].add(use.action)
            else:
                raise UnsupportedTask(f"{source.name}.{use.state}: no resource rule for {use.action}")
        for resources, actions in by_resource.items():
            self.role.add_to_policy(iam.PolicyStatement(actions=sorted(actions), resources=list(resources)))
        return {action for actions in by_resource.values() for action in actions}
