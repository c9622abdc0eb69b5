"""App table stream readers: changes as events on a bus (enrichment), and a machine started with
filtered batches (e.g. the unique-constraint cleanup).

DynamoDB Streams serve at most two concurrent readers per shard: a stack wires two of these at most.

Why the enrichment is a machine and not an input template: a pipe's template cannot flatten
DynamoDB JSON (lists, maps, numbers); the pipes-* machines can (workflows/patterns/pipes.py).
Each pipe role is granted exactly its parts: read this stream, call its machine (and bus), send to its
own dead-letter queue.

Why a dead-letter queue per pipe: a batch that still fails after ``MAX_RETRIES`` would otherwise be
dropped silently while the stream moves on. The queue keeps what Pipes reports about the failed batch
for 14 days (stream records themselves expire after 24 hours), and one queue per pipe says at once
which reader failed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_pipes as pipes
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

EVENT_SOURCE = "saas-workflows.app-table"
MAX_RETRIES = 3


def _stream_reader(scope: Construct, table: dynamodb.ITable, description: str, batch_size: int
                   ) -> tuple[iam.Role, sqs.Queue, pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty]:
    """The parts both pipes share: a role that reads the stream, a dead-letter queue only it may send to,
    and the stream parameters that name that queue."""
    if table.table_stream_arn is None:
        raise ValueError(f"table {table.node.path} has no stream to read")
    role = iam.Role(scope, "Role", assumed_by=iam.ServicePrincipal("pipes.amazonaws.com"), description=description)
    role.add_to_policy(iam.PolicyStatement(
        actions=["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"],
        resources=[table.table_stream_arn]))
    role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:ListStreams"], resources=["*"]))
    # SQS-managed keys: encrypted at rest with no KMS key policy for the pipe role to need
    dead_letters = sqs.Queue(scope, "DeadLetters", encryption=sqs.QueueEncryption.SQS_MANAGED, enforce_ssl=True,
                             retention_period=cdk.Duration.days(14))
    role.add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[dead_letters.queue_arn]))
    stream = pipes.CfnPipe.PipeSourceDynamoDBStreamParametersProperty(
        starting_position="LATEST", batch_size=batch_size, maximum_retry_attempts=MAX_RETRIES,
        dead_letter_config=pipes.CfnPipe.DeadLetterConfigProperty(arn=dead_letters.queue_arn))
    return role, dead_letters, stream


class StreamToBus(Construct):
    """CfnPipe: table stream -> enrichment machine (REQUEST_RESPONSE) -> event bus; failed batches -> its DLQ."""

    def __init__(self, scope: Construct, construct_id: str, *, table: dynamodb.ITable,
                 enrichment: sfn.IStateMachine, bus: events.IEventBus, batch_size: int = 10) -> None:
        super().__init__(scope, construct_id)
        self.role, self.dead_letters, stream = _stream_reader(
            self, table, "Pipe: read the app table stream, enrich, put events", batch_size)
        self.role.add_to_policy(iam.PolicyStatement(actions=["states:StartSyncExecution"],
                                                    resources=[enrichment.state_machine_arn]))
        self.role.add_to_policy(iam.PolicyStatement(actions=["events:PutEvents"], resources=[bus.event_bus_arn]))
        self.pipe = pipes.CfnPipe(
            self, "Pipe", role_arn=self.role.role_arn, source=table.table_stream_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(dynamo_db_stream_parameters=stream),
            enrichment=enrichment.state_machine_arn,
            target=bus.event_bus_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                event_bridge_event_bus_parameters=pipes.CfnPipe.PipeTargetEventBridgeEventBusParametersProperty(
                    source=EVENT_SOURCE, detail_type="$.eventName")))
        self.pipe.node.add_dependency(self.role)


class StreamToMachine(Construct):
    """CfnPipe: table stream, filtered -> a machine started asynchronously (FIRE_AND_FORGET) with the batch.

    ``filters`` are EventBridge patterns over stream records (the unique cleanup's come from
    ``workflows.patterns.appsync.cleanup_filter``); the app passes them, as they belong to its entities.
    Why FIRE_AND_FORGET, fit for an EXPRESS machine: a machine fed this way must be idempotent (the
    unique cleanup is: a conditional delete of the record written for the old item version, matched by
    ownerId and uniqueToken), so Express's at-least-once start is enough and costs far less per record;
    the pipe only needs ``states:StartExecution`` and never waits on it.
    The machine receives the batch as an array of stream records. The pipe sees only a failed start
    (throttling, a missing machine): such a batch goes to its dead-letter queue after the retries; a
    failed execution is the machine's own (its log group).
    """

    def __init__(self, scope: Construct, construct_id: str, *, table: dynamodb.ITable, machine: sfn.IStateMachine,
                 filters: Sequence[Mapping], batch_size: int = 10) -> None:
        super().__init__(scope, construct_id)
        if not filters:
            raise ValueError("a stream-to-machine pipe needs at least one filter pattern")
        self.role, self.dead_letters, stream = _stream_reader(
            self, table, "Pipe: read the app table stream, start a machine with the filtered batches", batch_size)
        self.role.add_to_policy(iam.PolicyStatement(actions=["states:StartExecution"],
                                                    resources=[machine.state_machine_arn]))
        self.pipe = pipes.CfnPipe(
            self, "Pipe", role_arn=self.role.role_arn, source=table.table_stream_arn,
            source_parameters=pipes.CfnPipe.PipeSourceParametersProperty(
                dynamo_db_stream_parameters=stream,
                filter_criteria=pipes.CfnPipe.FilterCriteriaProperty(filters=[
                    pipes.CfnPipe.FilterProperty(pattern=json.dumps(f, separators=(",", ":"), sort_keys=True))
                    for f in filters])),
            target=machine.state_machine_arn,
            target_parameters=pipes.CfnPipe.PipeTargetParametersProperty(
                step_function_state_machine_parameters=pipes.CfnPipe.PipeTargetStateMachineParametersProperty(
                    invocation_type="FIRE_AND_FORGET")))
        self.pipe.node.add_dependency(self.role)
