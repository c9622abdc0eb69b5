"""Read a table's DynamoDB stream the way EventBridge Pipes does, and hand records on as Pipes sends them.

Pipes delivers stream records as JSON: binary values base64, ApproximateCreationDateTime as epoch
seconds. boto3 parses them into bytes and datetimes, so tests and the demo convert them back before
sending a batch to an enrichment machine.
"""

from __future__ import annotations

import base64
import datetime
from typing import Any

from workflows.local.engine import LocalEngine


def as_pipes_json(value: Any) -> Any:
    """A boto-parsed record back to the JSON Pipes sends (bytes -> base64, datetimes -> epoch)."""
    if isinstance(value, dict):
        return {k: as_pipes_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_pipes_json(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    return value


def read_stream(engine: LocalEngine, table: str) -> list[dict[str, Any]]:
    """Every record of the table's stream, in order, as boto parses them (shards read to the end)."""
    arn = engine.client("dynamodb").describe_table(TableName=table)["Table"]["LatestStreamArn"]
    streams = engine.client("dynamodbstreams")
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records.extend(page["Records"])
            iterator = page.get("NextShardIterator") if page["Records"] else None
    return records
