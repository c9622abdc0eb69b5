"""Shape checks the JSONPath typed builder once lacked, held to the same contract in both modes.

A list element of another type than declared (``L[*].S`` would skip it), a record without eventID
or eventName in skip mode, and failures inside lists of maps: each fails the batch with
``Stream.UnexpectedShape`` naming the record and the field, or (skip mode) leaves a report in the
record's place. Never a silent drop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from workflows.local.engine import LocalEngine
from workflows.patterns.pipes import SHAPE_ERROR, SKIPPED_DETAIL_TYPE, flatten_stream, typed_events


@dataclass
class Tag:
    k: str
    labels: list[str]


@dataclass
class Doc:
    id: str
    names: list[str]
    tags: list[Tag]
    scores: set[int]
    aliases: list[str] | None = None


def s_list(*values: str) -> dict[str, Any]:
    return {"L": [{"S": v} for v in values]}


def tag(k: str, *labels: str) -> dict[str, Any]:
    return {"M": {"k": {"S": k}, "labels": s_list(*labels)}}


def doc(event_id: str, name: str = "INSERT", **overrides: Any) -> dict[str, Any]:
    image: dict[str, Any] = {"id": {"S": event_id}, "names": s_list("a", "b"),
                             "tags": {"L": [tag("t0", "x"), tag("t1", "y", "z")]}, "scores": {"NS": ["1", "2"]}}
    image.update(overrides)
    return {"eventID": event_id, "eventName": name, "dynamodb": {"Keys": {"id": {"S": event_id}},
                                                                "NewImage": image, "SequenceNumber": f"9{event_id}"}}


MODES = ["jsonata", "jsonpath"]

# (bad record, field the cause must name: the first bad element, by index, in both modes)
BAD_ELEMENTS: list[tuple[Callable[[], dict[str, Any]], str]] = [
    (lambda: doc("e-n", names={"L": [{"S": "a"}, {"N": "1"}, {"BOOL": True}]}), "dynamodb.NewImage.names[1]"),
    (lambda: doc("e-only", names={"L": [{"M": {}}]}), "dynamodb.NewImage.names[0]"),
    (lambda: doc("e-opt", aliases={"L": [{"S": "a"}, {"S": "b"}, {"NULL": True}]}), "dynamodb.NewImage.aliases[2]"),
    (lambda: doc("e-item", tags={"L": [tag("t0"), {"S": "not a map"}]}), "dynamodb.NewImage.tags[1]"),
    (lambda: doc("e-item-field", tags={"L": [tag("t0"), {"M": {"k": {"N": "5"}, "labels": s_list()}}]}),
     "dynamodb.NewImage.tags[1].k"),
    (lambda: doc("e-item-list", tags={"L": [tag("t0", "x"), {"M": {"k": {"S": "t1"}, "labels": {"L": [
        {"S": "ok"}, {"SS": ["no"]}]}}}]}), "dynamodb.NewImage.tags[1].labels[1]"),
]


@pytest.fixture
def local_engine(shared_engine: LocalEngine) -> LocalEngine:
    """One engine for the module (tests/patterns/conftest.py): the parametrized tests deploy the same few
    machines again and again, and each CreateStateMachine parses and validates its definition anew."""
    return shared_engine


def deploy(engine: LocalEngine, machine: Any) -> str:
    """``machine`` under its name (the fail and skip variants of MACHINES share a name: the module's
    engine holds whichever the test deployed last)."""
    engine.deploy_state_machine(machine.name, machine.substituted(), type=machine.type)
    return machine.name


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad,field", BAD_ELEMENTS, ids=[f for _, f in BAD_ELEMENTS])
def test_bad_list_element_fails_or_is_reported_in_place(local_engine, mode, bad, field):
    batch = [doc("ok-1"), bad(), doc("ok-2")]
    bad_id = batch[1]["eventID"]
    failing = deploy(local_engine, typed_events(f"el-f-{mode}", Doc, mode=mode))
    failed = local_engine.run(failing, batch)
    assert failed.status == "FAILED" and failed.error == SHAPE_ERROR
    assert failed.cause.startswith(f"record {bad_id} field {field}: "), failed.cause

    skipping = deploy(local_engine, typed_events(f"el-s-{mode}", Doc, mode=mode, on_bad_record="skip"))
    result = local_engine.run(skipping, batch)
    assert result.ok(), result.cause
    assert [e.get("id") for e in result.output] == ["ok-1", None, "ok-2"]
    report = result.output[1]["skipped"]
    assert report["eventId"] == bad_id and report["eventName"] == "INSERT" and report["batchIndex"] == 1
    assert report["error"] == SHAPE_ERROR
    assert report["cause"].startswith(f"record {bad_id} field {field}: "), report["cause"]


@pytest.mark.parametrize("mode", MODES)
def test_good_lists_still_project_every_element(local_engine, mode):
    batch = [doc("a", names=s_list(), aliases=s_list("x", "y")), doc("b", tags={"L": []})]
    result = local_engine.run(deploy(local_engine, typed_events(f"good-{mode}", Doc, mode=mode)), batch)
    assert result.ok(), result.cause
    first, second = result.output
    assert first["names"] == [] and first["aliases"] == ["x", "y"]
    assert first["tags"] == [{"k": "t0", "labels": ["x"]}, {"k": "t1", "labels": ["y", "z"]}]
    assert sorted(first["scores"]) == [1, 2]
    assert second["tags"] == [] and second["names"] == ["a", "b"] and "aliases" not in second


@pytest.mark.parametrize("mode", MODES)
def test_ns_element_that_is_not_a_number_is_named(local_engine, mode):
    batch = [doc("ok"), doc("e-ns", scores={"NS": ["1", "one"]})]
    result = local_engine.run(deploy(local_engine, typed_events(f"ns-{mode}", Doc, mode=mode)), batch)
    assert result.error == SHAPE_ERROR
    assert result.cause.startswith("record e-ns field dynamodb.NewImage.scores[1]: "), result.cause
    assert "not a decimal number" in result.cause


def no_event_id(sequence: bool) -> dict[str, Any]:
    rec = doc("gone")
    del rec["eventID"]
    if not sequence:
        del rec["dynamodb"]["SequenceNumber"]
    return rec


def no_event_name() -> dict[str, Any]:
    rec = doc("nameless")
    del rec["eventName"]
    return rec


MACHINES = {  # the typed builders keep INSERT only here, so a report's batchIndex differs from its output position
    "typed-jsonata": lambda on_bad: typed_events("ids-a", Doc, mode="jsonata", keep=["INSERT"], on_bad_record=on_bad),
    "typed-jsonpath": lambda on_bad: typed_events("ids-p", Doc, mode="jsonpath", keep=["INSERT"],
                                                  on_bad_record=on_bad),
    "generic": lambda on_bad: flatten_stream("ids-g", on_bad_record=on_bad),
}

# (malformed record, expected cause; it sits at index 2 of the batch, after a MODIFY record)
MALFORMED = [
    (lambda: no_event_id(True), "record at index 2 (no eventID, SequenceNumber 9gone) field eventID: missing"),
    (lambda: no_event_id(False), "record at index 2 (no eventID) field eventID: missing"),
    (no_event_name, "record nameless field eventName: missing"),
]


@pytest.mark.parametrize("kind", sorted(MACHINES))
@pytest.mark.parametrize("bad,cause", MALFORMED, ids=["id-seq", "id-index", "name"])
def test_record_without_ids_fails_naming_it(local_engine, kind, bad, cause):
    batch = [doc("ok-1"), doc("mod", "MODIFY"), bad(), doc("ok-2")]
    result = local_engine.run(deploy(local_engine, MACHINES[kind]("fail")), batch)
    assert result.status == "FAILED" and result.error == SHAPE_ERROR
    assert result.cause.startswith(cause), result.cause


@pytest.mark.parametrize("kind", sorted(MACHINES))
@pytest.mark.parametrize("bad,cause", MALFORMED, ids=["id-seq", "id-index", "name"])
def test_record_without_ids_is_reported_in_skip_mode(local_engine, kind, bad, cause):
    batch = [doc("ok-1"), doc("mod", "MODIFY"), bad(), doc("ok-2")]
    result = local_engine.run(deploy(local_engine, MACHINES[kind]("skip")), batch)
    assert result.ok(), result.cause
    reports = [e["skipped"] for e in result.output if "skipped" in e]
    assert len(reports) == 1, result.output
    assert reports[0]["batchIndex"] == 2 and reports[0]["error"] == SHAPE_ERROR
    assert reports[0]["cause"].startswith(cause), reports[0]["cause"]
    ids = [e.get("id") or e.get("eventId") or "report" for e in result.output]
    if kind == "generic":
        assert ids == ["ok-1", "mod", "report", "ok-2"]
    else:  # the MODIFY record is dropped by keep=["INSERT"], the report keeps the batch position
        assert ids == ["ok-1", "report", "ok-2"]


def test_eventbridge_shape_wraps_the_malformed_report(local_engine):
    machine = typed_events("ids-eb", Doc, mode="jsonpath", keep={"INSERT": "DocCreated"}, shape="eventbridge",
                           on_bad_record="skip")
    result = local_engine.run(deploy(local_engine, machine), [no_event_id(False), doc("ok")])
    assert result.ok(), result.cause
    assert result.output[0]["detailType"] == SKIPPED_DETAIL_TYPE
    assert result.output[0]["detail"]["batchIndex"] == 0
    event = result.output[1]
    assert event["detailType"] == "DocCreated" and event["detail"]["id"] == "ok"
    assert event["detail"]["tags"] == [{"k": "t0", "labels": ["x"]}, {"k": "t1", "labels": ["y", "z"]}]


def test_asl_validator_accepts_every_jsonpath_variant(tmp_path):
    """The new states (element counts, finder Maps, the Map catch, ids checks) in every option mix."""
    from tests.core.test_judges import _asl_validator

    paths = []
    for on_bad in ("fail", "skip"):
        for shape in ("flat", "eventbridge"):
            for old in (False, True):
                machine = typed_events(f"v-{on_bad}-{shape}-{str(old).lower()}", Doc, mode="jsonpath", on_bad_record=on_bad,
                                       shape=shape, include_old_image=old)
                machine.validate()
                paths.append(tmp_path / f"{machine.name}.json")
                paths[-1].write_text(machine.substituted())
    result = _asl_validator(paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("is valid") == len(paths)
