"""Malformed numbers and set elements: a named Stream.UnexpectedShape, never a States.Runtime.

JSONPath mode converts int/float N and NS values with States.StringToJson; on a bad string that
intrinsic raises States.Runtime, which no Catch handles on AWS. So the batch is checked before any
conversion and both modes must name the record and the field (or report it in skip mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterator

import pytest

from workflows.local.engine import LocalEngine
from workflows.patterns.pipes import SHAPE_ERROR, flatten_stream, typed_events


@dataclass
class Part:
    qty: int
    weights: set[float]


@dataclass
class Spec:
    size: int
    price: Decimal


@dataclass
class Item:
    id: str
    count: int
    spec: Spec
    parts: list[Part]
    ids: set[int]
    labels: set[str]
    blobs: set[bytes]
    rating: float | None = None


def part(qty: str, *weights: str) -> dict[str, Any]:
    return {"M": {"qty": {"N": qty}, "weights": {"NS": list(weights)}}}


def item(event_id: str, **overrides: Any) -> dict[str, Any]:
    image: dict[str, Any] = {
        "id": {"S": event_id}, "count": {"N": "3"},
        "spec": {"M": {"size": {"N": "-1.5e2"}, "price": {"N": "12.3400000000000000001"}}},
        "parts": {"L": [part("1", "0.5"), part("2", "1", "2.25")]}, "ids": {"NS": ["7", "8"]},
        "labels": {"SS": ["a", "b"]}, "blobs": {"BS": ["AAE="]},
    }
    image.update(overrides)
    return {"eventID": event_id, "eventName": "INSERT",
            "dynamodb": {"Keys": {"id": {"S": event_id}}, "NewImage": image, "SequenceNumber": "1"}}


MODES = ["jsonpath", "jsonata"]

# (bad record, the field the cause must name, a piece of the problem text)
BAD: list[tuple[Callable[[], dict[str, Any]], str, str]] = [
    (lambda: item("n-scalar", count={"N": "abc"}), "dynamodb.NewImage.count", "not a decimal number: abc"),
    (lambda: item("n-optional", rating={"N": "1.2.3"}), "dynamodb.NewImage.rating", "not a decimal number"),
    (lambda: item("n-nested", spec={"M": {"size": {"N": "x1"}, "price": {"N": "1"}}}),
     "dynamodb.NewImage.spec.size", "not a decimal number: x1"),
    (lambda: item("n-exact", spec={"M": {"size": {"N": "1"}, "price": {"N": "12,5"}}}),
     "dynamodb.NewImage.spec.price", "not a decimal number: 12,5"),
    (lambda: item("n-item", parts={"L": [part("1"), part("two")]}), "dynamodb.NewImage.parts[1].qty",
     "not a decimal number: two"),
    (lambda: item("ns-item", parts={"L": [part("1", "0.5", "half")]}), "dynamodb.NewImage.parts[0].weights[1]",
     "NS element is not a decimal number: half"),
    (lambda: item("ns-top", ids={"NS": ["1", "true"]}), "dynamodb.NewImage.ids[1]",
     "NS element is not a decimal number: true"),
    (lambda: item("n-json", count={"N": 7}), "dynamodb.NewImage.count", "N must hold a JSON string"),
    (lambda: item("ss-elem", labels={"SS": ["a", 5]}), "dynamodb.NewImage.labels[1]", "SS element is not a string"),
    (lambda: item("bs-elem", blobs={"BS": [{"B": "AA=="}]}), "dynamodb.NewImage.blobs[0]",
     "BS element is not a string"),
]


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    with LocalEngine() as e:
        for mode in MODES:
            for on_bad in ("fail", "skip"):
                m = typed_events(f"num-{mode}-{on_bad}", Item, mode=mode, on_bad_record=on_bad)
                e.create_state_machine(m.name, m.substituted(), type=m.type)
        yield e


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad,field,problem", BAD, ids=[b[1].rsplit(".", 1)[-1] + "-" + b[2][:12] for b in BAD])
def test_bad_value_fails_or_is_reported(engine, mode, bad, field, problem):
    batch = [item("ok-1"), bad(), item("ok-2")]
    bad_id = batch[1]["eventID"]
    failed = engine.run(f"num-{mode}-fail", batch)
    assert failed.status == "FAILED" and failed.error == SHAPE_ERROR, (failed.error, failed.cause)
    assert failed.cause.startswith(f"record {bad_id} field {field}: "), failed.cause
    assert problem in failed.cause, failed.cause

    skipped = engine.run(f"num-{mode}-skip", batch)
    assert skipped.ok(), skipped.cause
    assert [e.get("id") for e in skipped.output] == ["ok-1", None, "ok-2"]
    report = skipped.output[1]["skipped"]
    assert report["eventId"] == bad_id and report["batchIndex"] == 1 and report["error"] == SHAPE_ERROR
    assert report["cause"].startswith(f"record {bad_id} field {field}: ") and problem in report["cause"]


@pytest.mark.parametrize("value", ["+1", ".5", "5.", "007"])
def test_jsonpath_mode_names_numbers_stringtojson_cannot_read(engine, value):
    """DynamoDB accepts these forms (and emits them normalized); JSON does not, so the JSONPath
    conversion would raise States.Runtime: the check names them instead. JSONata mode converts them."""
    batch = [item("odd", count={"N": value})]
    failed = engine.run("num-jsonpath-fail", batch)
    assert failed.error == SHAPE_ERROR, (failed.error, failed.cause)
    assert failed.cause == f"record odd field dynamodb.NewImage.count: N is not in JSON number form " \
                           f"(States.StringToJson needs it): {value}"
    converted = engine.run("num-jsonata-fail", batch)
    assert converted.ok(), converted.cause
    assert converted.output[0]["count"] == float(value)


@pytest.mark.parametrize("mode", MODES)
def test_good_numbers_convert_in_both_modes(engine, mode):
    result = engine.run(f"num-{mode}-fail", [item("g", rating={"N": "4.5"})])
    assert result.ok(), result.cause
    event = result.output[0]
    assert event["count"] == 3 and event["rating"] == 4.5 and sorted(event["ids"]) == [7, 8]
    assert event["spec"] == {"size": -150, "price": "12.3400000000000000001"}
    assert [p["qty"] for p in event["parts"]] == [1, 2]
    assert sorted(event["parts"][1]["weights"]) == [1, 2.25]


def _fail_states(asl: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in asl.get("States", {}).values():
        if state["Type"] == "Fail":
            yield state
        for sub in [*state.get("Branches", []), *([state["ItemProcessor"]] if "ItemProcessor" in state else [])]:
            yield from _fail_states(sub)


def test_no_fail_state_can_raise_a_states_name():
    """AWS rejects a Fail whose Error is a States.* name; a fixed Error rules that out."""
    machines = [flatten_stream(on_bad_record=o) for o in ("fail", "skip")]
    machines += [typed_events("f", Item, mode=m, on_bad_record=o, shape=s, include_old_image=old)
                 for m in MODES for o in ("fail", "skip") for s in ("flat", "eventbridge") for old in (False, True)]
    seen = 0
    for machine in machines:
        for state in _fail_states(machine.to_asl()):
            seen += 1
            assert "ErrorPath" not in state and state["Error"] == SHAPE_ERROR, state
    assert seen > 0
