"""Pipes enrichment machines on records produced for real by a DynamoDB stream on the local engine.

The records are read with the DynamoDB Streams API, as Pipes reads them, and sent as one batch in
the JSON Pipes sends (blobs base64, ApproximateCreationDateTime as epoch seconds). Every event is
compared with boto3's TypeDeserializer applied to the same images (tests/patterns/dynamodb_oracle).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tests.patterns.dynamodb_oracle import assert_matches
from workflows.examples.users.machines.pipes import User
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.local.streams import as_pipes_json, read_stream
from workflows.patterns.pipes import flatten_stream, typed_events

_DESER = TypeDeserializer()
_SER = TypeSerializer()


def plain(image: dict[str, Any] | None) -> dict[str, Any] | None:
    """The oracle: TypeDeserializer over a boto-parsed image (blobs as Binary)."""
    if image is None:
        return None
    return {k: _DESER.deserialize(v) for k, v in image.items()}


def put(engine: LocalEngine, table: str, item: dict[str, Any]) -> None:
    engine.client("dynamodb").put_item(TableName=table, Item={k: _SER.serialize(v) for k, v in item.items()})


ITEM = {
    "pk": "u#1", "sk": "profile",
    "s": "text", "n_small": Decimal("42"), "n_frac": Decimal("-0.125"), "n_zero": Decimal("0"),
    "n_wide": Decimal("12345678901234567890123456789012345678"), "n_tiny": Decimal("-1E-130"),
    "n_huge": Decimal("9.9999999999999999999999999999999999999E+125"),
    "t": True, "f": False, "nothing": None, "blob": b"\x00\xff binary",
    "ss": {"a", "b"}, "ns": {Decimal("1"), Decimal("2.5"), Decimal("123456789012345678")},
    "bs": {b"\x01", b"\x02"}, "empty_l": [], "empty_m": {},
    "nested": {"l": [1, "two", [3, {"four": [Decimal("4.0")]}]], "m": {"deep": {"deeper": {"x": True}}}},
}


@pytest.fixture
def stream_table(local_engine: LocalEngine) -> str:
    create_table(local_engine, "Items", stream=True)
    return "Items"


def test_generic_flattener_matches_type_deserializer_on_insert_modify_remove(local_engine, stream_table):
    put(local_engine, stream_table, ITEM)
    put(local_engine, stream_table, {**ITEM, "s": "changed", "ns": {Decimal("7")}})
    local_engine.client("dynamodb").delete_item(TableName=stream_table, Key={"pk": {"S": "u#1"}, "sk": {"S": "profile"}})
    records = read_stream(local_engine, stream_table)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY", "REMOVE"]

    machine = flatten_stream()
    local_engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
    result = local_engine.run(machine.name, as_pipes_json(records))
    assert result.ok(), result.cause
    assert len(result.output) == 3
    for event, record in zip(result.output, records):
        d = record["dynamodb"]
        assert event["eventName"] == record["eventName"] and event["eventId"] == record["eventID"]
        assert event["sequenceNumber"] == d["SequenceNumber"]
        assert event["approximateCreationTime"] == pytest.approx(d["ApproximateCreationDateTime"].timestamp())
        assert_matches(event["keys"], plain(d["Keys"]))
        for ours, theirs in ((event["newImage"], d.get("NewImage")), (event["oldImage"], d.get("OldImage"))):
            if theirs is None:
                assert ours is None
            else:
                assert_matches(ours, plain(theirs))
    assert result.output[2]["newImage"] is None and result.output[0]["oldImage"] is None


def user(i: int, *, optional: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "pk": f"u#{i:03d}", "sk": "user", "id": f"u{i}", "email": f"u{i}@example.com",
        "firstName": "Ada", "lastName": f"L{i}", "groups": ["admin", f"g{i}"] if i % 3 else [],
        "address": {"street": f"{i} Main St", "city": "Springfield"},
    }
    if optional:
        item["age"] = Decimal(i)
        item["active"] = i % 2 == 0
        item["address"]["zip"] = f"{i:05d}"
    return item


def expected_user(record: dict[str, Any]) -> dict[str, Any]:
    """The typed event from the oracle's reading: User's fields only, numbers as the entity says (int)."""
    image = plain(record["dynamodb"]["NewImage"])
    assert image is not None
    fields = {k: image[k] for k in ("id", "email", "firstName", "lastName", "groups") }
    fields["address"] = {k: v for k, v in image["address"].items() if k in ("street", "city", "zip")}
    for k in ("age", "active"):
        if k in image:
            fields[k] = image[k]
    return fields


@pytest.mark.parametrize("mode", ["jsonata", "jsonpath"])
@pytest.mark.parametrize("size", [1, 10, 100])
def test_typed_user_events_keep_count_and_order(local_engine, stream_table, mode, size):
    for i in range(size):
        put(local_engine, stream_table, user(i, optional=i % 2 == 0))
    # MODIFY and REMOVE records are in the batch too; only INSERT is kept (UserCreated)
    put(local_engine, stream_table, {**user(0, optional=False), "email": "new@example.com"})
    local_engine.client("dynamodb").delete_item(TableName=stream_table, Key={"pk": {"S": "u#000"}, "sk": {"S": "user"}})
    records = read_stream(local_engine, stream_table)
    assert len(records) == size + 2

    machine = typed_events("user-events", User, mode=mode, keep={"INSERT": "UserCreated"}, shape="eventbridge")
    machine.validate()
    local_engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
    result = local_engine.run(machine.name, as_pipes_json(records))
    assert result.ok(), result.cause
    inserts = [r for r in records if r["eventName"] == "INSERT"]
    assert len(result.output) == len(inserts) == size
    for event, record in zip(result.output, inserts):
        assert event["detailType"] == "UserCreated"
        assert_matches(event["detail"], expected_user(record))
