"""State transitions and ms per batch for Pipes enrichment shapes, side by side in one process.

(a) the seed's Map + Pass (string fields and a string list only, no checks), (b) the typed builder
(JSONPath and JSONata modes, with shape checks), (c) the generic JSONata flattener. Same user
records for all, batches of 10 and 100; median of a few runs on one LocalEngine.

Run: python bench/pipes_batches.py
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from workflows.examples.users.machines.pipes import User
from workflows.core import EXPRESS, Map, Pass, StateMachine
from workflows.local.engine import LocalEngine
from workflows.patterns.pipes import flatten_stream, typed_events

RUNS = 5


def seed_shape() -> StateMachine:
    """The seed's hand-written machine: one Pass per record, field by field."""
    image = "$.dynamodb.NewImage"
    pass_ = Pass("UserCreatedEnrichmentPass", parameters={
        "id.$": f"{image}.id.S", "email.$": f"{image}.email.S", "firstName.$": f"{image}.firstName.S",
        "groups.$": f"{image}.groups.L[*].S", "lastName.$": f"{image}.lastName.S"})
    return StateMachine("seed-map-pass", Map("UserCreatedEnrichmentMap", item_processor=pass_), type=EXPRESS)


def record(i: int) -> dict[str, Any]:
    image = {"id": {"S": f"u{i}"}, "email": {"S": f"u{i}@x.io"}, "firstName": {"S": "Ada"},
             "lastName": {"S": f"L{i}"}, "groups": {"L": [{"S": "admin"}, {"S": f"g{i}"}]},
             "address": {"M": {"street": {"S": f"{i} Main"}, "city": {"S": "Rome"}}}, "age": {"N": str(20 + i % 50)}}
    return {"eventID": f"e{i}", "eventName": "INSERT", "eventSource": "aws:dynamodb",
            "dynamodb": {"Keys": {"id": {"S": f"u{i}"}}, "NewImage": image, "SequenceNumber": str(i),
                         "ApproximateCreationDateTime": 1700000000 + i}}


def main() -> None:
    machines = {
        "(a) seed Map+Pass (strings only)": seed_shape(),
        "(b) typed, JSONPath": typed_events("typed-jsonpath", User, mode="jsonpath", keep={"INSERT": "UserCreated"}),
        "(b) typed, JSONata": typed_events("typed-jsonata", User, mode="jsonata", keep={"INSERT": "UserCreated"}),
        "(c) generic JSONata flattener": flatten_stream(),
    }
    rows = []
    with LocalEngine() as engine:
        for label, machine in machines.items():
            engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        for size in (10, 100):
            batch = [record(i) for i in range(size)]
            for label, machine in machines.items():
                times, result = [], None
                for _ in range(RUNS):
                    start = time.perf_counter()
                    result = engine.run(machine.name, batch)
                    times.append((time.perf_counter() - start) * 1000)
                assert result is not None and result.ok(), (label, result and result.cause)
                assert len(result.output) == size
                rows.append((size, label, machine.state_count(), result.transitions, statistics.median(times)))
    base = {size: ms for size, label, _, _, ms in rows if label.startswith("(a)")}
    print(f"{'batch':>5}  {'machine':<34} {'states':>6} {'transitions':>11} {'ms/batch':>9} {'vs (a)':>7}")
    for size, label, states, transitions, ms in rows:
        print(f"{size:>5}  {label:<34} {states:>6} {transitions:>11} {ms:>9.1f} {ms / base[size]:>6.2f}x")


if __name__ == "__main__":
    main()
