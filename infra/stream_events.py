"""App table changes as events: a pipe from the table's stream, enriched by an EXPRESS machine, to a bus.

Why the enrichment is a machine and not an input template: a pipe's template cannot flatten
DynamoDB JSON (lists, maps, numbers); the pipes-* machines can (workflows/patterns/pipes.py).
The pipe role is granted exactly its three parts: read this stream, run this machine, put on this bus.
"""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
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
