"""An empty batch is valid input (no events out); input that is not a batch is named in words.

Issue 14: ``echo '[]' | workflows run pipes-flatten-stream --input -`` failed with
``Stream.UnexpectedShape: record (no eventID) field :`` -- JSONata's ``$reduce`` over an empty array
returns its initial value (null), which the check took for a bad record. And a batch that is not an
array either read "record (no eventID) field (batch): ..." (fail mode) or surfaced as an anonymous
``States.QueryEvaluationError`` (skip mode).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from workflows.local.engine import LocalEngine
from workflows.patterns.pipes import SHAPE_ERROR, flatten_stream, typed_events


@dataclass
class Order:
    id: str
    total: int


BUILDERS = {
    "flatten-fail": lambda: flatten_stream("b-flatten-fail"),
    "flatten-skip": lambda: flatten_stream("b-flatten-skip", on_bad_record="skip"),
    "typed-jsonata-fail": lambda: typed_events("b-typed-jsonata-fail", Order),
    "typed-jsonata-skip": lambda: typed_events("b-typed-jsonata-skip", Order, on_bad_record="skip"),
    "typed-jsonpath-fail": lambda: typed_events("b-typed-jsonpath-fail", Order, mode="jsonpath"),
    "typed-jsonpath-skip": lambda: typed_events("b-typed-jsonpath-skip", Order, mode="jsonpath",
                                                on_bad_record="skip"),
}


@pytest.fixture(scope="module")
def engine() -> Any:
    from workflows.local.runner import quiet_moto

    quiet_moto()
    with LocalEngine() as local:
        for build in BUILDERS.values():
            machine = build()
            local.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        yield local


def _run(engine: LocalEngine, kind: str, batch: Any) -> Any:
    return engine.run(BUILDERS[kind]().name, batch)


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_an_empty_batch_gives_no_events(engine: LocalEngine, kind: str) -> None:
    result = _run(engine, kind, [])
    assert result.ok(), f"{result.error}: {result.cause}"
    assert result.output == []


NOT_A_BATCH = [({"Records": []}, "an object"), ("x", "a string"), (True, "a boolean"), (7, "a number")]


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize("batch,got", NOT_A_BATCH, ids=[g for _, g in NOT_A_BATCH])
def test_input_that_is_not_a_batch_is_named_in_words(engine: LocalEngine, kind: str, batch: Any, got: str) -> None:
    result = _run(engine, kind, batch)
    assert result.error == SHAPE_ERROR, f"{result.error}: {result.cause}"
    assert result.cause == (f"the enrichment input (batch) must be a JSON array of DynamoDB stream records, "
                            f"got {got}")
