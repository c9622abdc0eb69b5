"""App table stream readers: changes as events on a bus, and the unique-constraint cleanup.

DynamoDB Streams serve at most two concurrent readers per shard; these two pipes are both.

Why the enrichment is a machine and not an input template: a pipe's template cannot flatten
DynamoDB JSON (lists, maps, numbers); the pipes-* machines can (workflows/patterns/pipes.py).
The pipe role is granted exactly its three parts: read this stream, run this machine, put on this bus.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
import json
from collections.abc import Mapping, Sequence

from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

EVENT_SOURCE = "saas-workflows.app-table"


class StreamToBus(Construct):
    """CfnPipe: table stream -> enrichment machine (REQUEST_RESPONSE) -> event bus."""

    def __init__(self, scope: Construct, construct_id: str, *, table: dynamodb.ITable,
                 enrichment: sfn.IStateMachine, bus: events.IEventBus, batch_size: int = 10) -> None:
        super().__init__(scope, construct_id)
        if table.table_stream_arn is None:
            raise ValueError(f"table {table.node.path} has no stream to read")
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"),
                             description="Pipe: read the app table stream, enrich, put events")
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            resources=[table.table_stream_arn]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:ListStreams"], resources=["*"]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["states:StartSyncExecution"],
                                                    resources=[enrichment.state_machine_arn]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["events:PutEvents"], resources=[bus.event_bus_arn]))
        self.pipe = pipes.CfnPipe(
            self, "Pipe", role_arn=self.role.role_arn, source=table.table_stream_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                dynamo_db_stream_parameters=pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty(
                    starting_position="LATEST", batch_size=batch_size, maximum_retry_attempts=3)),
            enrichment=enrichment.state_machine_arn,
            target=bus.event_bus_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                event_bridge_event_bus_parameters=pipes.CfnPipe.PipeTargetEventBridgeEventBusParametersProperty(
                    source=EVENT_SOURCE, detail_type="$.eventName")))
        self.pipe.node.add_dependency(self.role)


class StreamToMachine(Construct):
    """CfnPipe: table stream, filtered -> a machine started asynchronously (FIRE_AND_FORGET) with the batch.

    Why FIRE_AND_FORGET on an EXPRESS machine (not STANDARD): the cleanup is idempotent (a conditional
    delete of a record still owned by the old item), so Express's at-least-once start is enough and
    costs far less per record; the pipe only needs ``states:StartExecution`` and never waits on it.
    The machine receives the batch as an array of stream records.
    """

    def __init__(self, scope: Construct, construct_id: str, *, table: dynamodb.ITable, machine: sfn.IStateMachine,
                 filters: Sequence[Mapping], batch_size: int = 10) -> None:
        super().__init__(scope, construct_id)
        if table.table_stream_arn is None:
            raise ValueError(f"table {table.node.path} has no stream to read")
        if not filters:
            raise ValueError("a stream-to-machine pipe needs at least one filter pattern")
        self.role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"),
                             description="Pipe: read the app table stream, start the unique-constraint cleanup")
        self.role.add_to_policy(iam.PolicyStatement(
            actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
            resources=[table.table_stream_arn]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:ListStreams"], resources=["*"]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"],
                                                    resources=[machine.state_machine_arn]))
        self.pipe = pipes.CfnPipe(
            self, "Pipe", role_arn=self.role.role_arn, source=table.table_stream_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                dynamo_db_stream_parameters=pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty(
                    starting_position="LATEST", batch_size=batch_size, maximum_retry_attempts=3),
                filter_criteria=pipes.CfnPipe.FilterCriteriaProperty(filters=[
                    pipes.CfnPipe.FilterProperty(pattern=json.dumps(f, separators=(",", ":"), sort_keys=True))
                    for f in filters])),
            target=machine.state_machine_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                step_function_state_machine_parameters=pipes.CfnPipe.PipeTargetStateMachineParametersProperty(
                    invocation_type="FIRE_AND_FORGET")))
        self.pipe.node.add_dependency(self.role)
