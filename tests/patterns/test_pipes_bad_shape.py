"""Bad records: a named error naming the eventID and the field, or a report element in skip mode.

Never a silent drop: in skip mode the bad record's place in the output holds the report.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from workflows.examples.users.machines.pipes import User
from workflows.core import BuildError
from workflows.local.engine import LocalEngine
from workflows.patterns.pipes import SHAPE_ERROR, SKIPPED_DETAIL_TYPE, flatten_stream, typed_events


def record(event_id: str, name: str = "INSERT", **image_overrides: Any) -> dict[str, Any]:
    image: dict[str, Any] = {
        "pk": {"S": event_id}, "id": {"S": event_id}, "email": {"S": f"{event_id}@x.io"},
        "firstName": {"S": "A"}, "lastName": {"S": "B"}, "groups": {"L": [{"S": "admin"}]},
        "address": {"M": {"street": {"S": "1 Main"}, "city": {"S": "Rome"}}},
    }
    for key, value in image_overrides.items():
        if value is None:
            image.pop(key)
        else:
            image[key] = value
    return {"eventID": event_id, "eventName": name, "eventSource": "aws:dynamodb",
            "dynamodb": {"Keys": {"pk": {"S": event_id}}, "NewImage": image, "SequenceNumber": "1",
                         "ApproximateCreationDateTime": 1700000000}}


def removed(event_id: str) -> dict[str, Any]:
    rec = record(event_id, "REMOVE")
    rec["dynamodb"]["OldImage"] = rec["dynamodb"].pop("NewImage")
    return rec


MACHINES = {
    "typed-jsonata": lambda skip: typed_events("t-a", User, mode="jsonata", keep=["INSERT", "REMOVE"],
                                               on_bad_record=skip),
    "typed-jsonpath": lambda skip: typed_events("t-p", User, mode="jsonpath", keep=["INSERT", "REMOVE"],
                                                on_bad_record=skip),
}

# (bad record, field the cause must name)
BAD = [
    (lambda: removed("ev-rm"), "dynamodb.NewImage"),
    (lambda: record("ev-n", email={"N": "5"}), "dynamodb.NewImage.email"),
    (lambda: record("ev-miss", firstName=None), "dynamodb.NewImage.firstName"),
    (lambda: record("ev-nested", address={"M": {"street": {"BOOL": True}, "city": {"S": "x"}}}),
     "dynamodb.NewImage.address.street"),
    (lambda: record("ev-opt", age={"S": "old"}), "dynamodb.NewImage.age"),
]


def run(engine: LocalEngine, machine: Any, batch: list[Any]) -> Any:
    engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
    return engine.run(machine.name, batch)


@pytest.mark.parametrize("kind", sorted(MACHINES))
@pytest.mark.parametrize("bad,field", BAD, ids=[f for _, f in BAD])
def test_typed_fail_names_event_id_and_field(local_engine, kind, bad, field):
    bad_record = bad()
    batch = [record("ok-1"), bad_record, record("ok-2")]
    result = run(local_engine, MACHINES[kind]("fail"), batch)
    assert result.status == "FAILED"
    assert result.error == SHAPE_ERROR
    assert result.cause.startswith(f"record {bad_record['eventID']} field {field}: "), result.cause


@pytest.mark.parametrize("kind", sorted(MACHINES))
def test_typed_skip_reports_in_place(local_engine, kind):
    batch = [record("ok-1"), record("ev-n", email={"N": "5"}), record("ev-mod", "MODIFY"), record("ok-2")]
    result = run(local_engine, MACHINES[kind]("skip"), batch)
    assert result.ok(), result.cause
    assert [e.get("id") or e["skipped"]["eventId"] for e in result.output] == ["ok-1", "ev-n", "ok-2"]
    report = result.output[1]["skipped"]
    assert report["eventName"] == "INSERT" and report["error"] == SHAPE_ERROR
    assert report["cause"].startswith("record ev-n field dynamodb.NewImage.email")


def test_optional_fields_absent_or_null_do_not_fail(local_engine):
    batch = [record("a"), record("b", age={"NULL": True}, active={"BOOL": False}),
             record("c", address={"M": {"street": {"S": "s"}, "city": {"S": "c"}, "zip": {"S": "01234"}}})]
    for mode in ("jsonata", "jsonpath"):
        machine = typed_events(f"opt-{mode}", User, mode=mode)
        result = run(local_engine, machine, batch)
        assert result.ok(), result.cause
        assert "age" not in result.output[0] and "age" not in result.output[1], mode
        assert result.output[1]["active"] is False and result.output[2]["address"]["zip"] == "01234", mode


@pytest.mark.parametrize("mode", ["jsonata", "jsonpath"])
def test_typed_list_element_of_wrong_type_is_named(local_engine, mode):
    machine = typed_events(f"l-{mode}", User, mode=mode)
    result = run(local_engine, machine, [record("ev-l", groups={"L": [{"S": "a"}, {"N": "1"}]})])
    assert result.error == SHAPE_ERROR
    assert result.cause.startswith("record ev-l field dynamodb.NewImage.groups[1]"), result.cause


GENERIC_BAD = [
    (lambda: {**record("g1"), "dynamodb": {"Keys": {"pk": {"S": "g1"}}, "NewImage": {"x": {"Q": "1"}}}},
     "record g1 field dynamodb.NewImage.x: unknown type descriptor Q"),
    (lambda: {**record("g2"), "dynamodb": {"Keys": {"pk": {"S": "g2"}},
                                             "NewImage": {"l": {"L": [{"M": {"n": {"N": "1e"}}}]}}}},
     "record g2 field dynamodb.NewImage.l[0].n: N is not a decimal number: 1e"),
    (lambda: {"eventName": "INSERT", "dynamodb": {}}, "record at index 1 (no eventID) field eventID"),
    (lambda: {**record("g3"), "dynamodb": {"NewImage": {}}}, "record g3 field dynamodb.Keys: missing"),
]


@pytest.mark.parametrize("bad,cause", GENERIC_BAD, ids=[c for _, c in GENERIC_BAD])
def test_generic_fail_and_skip(local_engine, bad, cause):
    batch = [record("ok-1"), bad(), record("ok-2")]
    failed = run(local_engine, flatten_stream("g-fail"), copy.deepcopy(batch))
    assert failed.error == SHAPE_ERROR and failed.cause.startswith(cause), failed.cause
    skipped = run(local_engine, flatten_stream("g-skip", on_bad_record="skip", shape="eventbridge"), batch)
    assert skipped.ok(), skipped.cause
    assert len(skipped.output) == 3
    assert [e.get("eventId") for e in skipped.output] == ["ok-1", None, "ok-2"]
    assert skipped.output[1]["detailType"] == SKIPPED_DETAIL_TYPE
    assert skipped.output[1]["detail"]["cause"].startswith(cause)


def test_generic_rejects_a_batch_that_is_not_an_array(local_engine):
    result = run(local_engine, flatten_stream(), {"Records": []})
    assert result.error == SHAPE_ERROR and "(batch)" in result.cause


def test_options_are_checked_at_build_time():
    with pytest.raises(BuildError, match="on_bad_record"):
        flatten_stream(on_bad_record="drop")  # type: ignore[arg-type]
    with pytest.raises(BuildError, match="keep names stream event names"):
        typed_events("x", User, keep={"CREATE": "UserCreated"})
    with pytest.raises(BuildError, match="mode must be"):
        typed_events("x", User, mode="xpath")  # type: ignore[arg-type]
    with pytest.raises(BuildError, match="image must be"):
        typed_events("x", User, image="Image")


@pytest.mark.parametrize("mode", ["jsonata", "jsonpath"])
def test_include_old_image_flat(local_engine, mode):
    insert = record("i1")
    modify = record("m1", "MODIFY", email={"S": "new@x.io"})
    modify["dynamodb"]["OldImage"] = record("m1")["dynamodb"]["NewImage"]
    machine = typed_events(f"old-{mode}", User, mode=mode, include_old_image=True)
    result = run(local_engine, machine, [insert, modify])
    assert result.ok(), result.cause
    assert result.output[0]["oldImage"] is None and result.output[0]["groups"] == ["admin"]
    assert result.output[1]["email"] == "new@x.io" and result.output[1]["oldImage"]["email"] == "m1@x.io"
    assert result.output[1]["oldImage"]["address"] == {"street": "1 Main", "city": "Rome"}
