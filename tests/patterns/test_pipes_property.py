"""Property: any item of any DynamoDB type, through the generic flattener, equals TypeDeserializer's reading.

Items nest up to 5 levels with empty lists/maps, sets, and numbers at DynamoDB's edges; each
example is one execution (~15 ms), so examples stay modest.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.patterns.dynamodb_oracle import assert_matches, oracle, wire
from workflows.local.engine import LocalEngine
from workflows.patterns.pipes import flatten_stream

EDGE_NUMBERS = [Decimal("0"), Decimal("-1e-130"), Decimal("9.9999999999999999999999999999999999999E+125"),
                Decimal("12345678901234567890123456789012345678"), Decimal("-99999999999999999999999999999999999999"),
                Decimal("9007199254740992"), Decimal("9007199254740993"), Decimal("0.1"), Decimal("-1")]


@st.composite
def numbers(draw: Any) -> Decimal:
    digits = draw(st.text("0123456789", min_size=1, max_size=38).map(lambda s: s.lstrip("0") or "0"))
    top = len(digits) - 1
    exponent = draw(st.integers(min_value=-130, max_value=125 - top)) if digits != "0" else 0
    sign = draw(st.sampled_from(["", "-"]))
    return Decimal(f"{sign}{digits}E{exponent}")


scalars = st.one_of(
    st.text(max_size=8), st.sampled_from(EDGE_NUMBERS), numbers(), st.booleans(), st.none(), st.binary(max_size=6),
    st.sets(st.text(max_size=4), min_size=1, max_size=3), st.sets(st.sampled_from(EDGE_NUMBERS), min_size=1, max_size=3),
    st.sets(st.binary(min_size=1, max_size=3), min_size=1, max_size=3),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=5), inner, max_size=3)),
    max_leaves=12,
)
items = st.dictionaries(st.text(min_size=1, max_size=6), values, min_size=1, max_size=4)


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    with LocalEngine() as e:
        machine = flatten_stream()
        e.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        yield e


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(items.filter(lambda i: depth(i) <= 5), min_size=1, max_size=3))
def test_generic_flattener_equals_type_deserializer(engine: LocalEngine, batch: list[dict[str, Any]]) -> None:
    records = [{"eventID": f"e{i}", "eventName": "MODIFY",
                "dynamodb": {"Keys": {"pk": {"S": f"k{i}"}}, "NewImage": wire(item), "OldImage": wire(item),
                             "SequenceNumber": str(i), "ApproximateCreationDateTime": 1700000000 + i}}
               for i, item in enumerate(batch)]
    result = engine.run("pipes-flatten-stream", records)
    assert result.ok(), result.cause
    assert [e["eventId"] for e in result.output] == [r["eventID"] for r in records]
    for event, item in zip(result.output, batch):
        assert_matches(event["newImage"], oracle(item))
        assert_matches(event["oldImage"], oracle(item))
