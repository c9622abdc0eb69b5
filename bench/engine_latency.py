"""Median milliseconds per in-process execution: a small JSONPath machine vs a small JSONata one.

Run: python bench/engine_latency.py  (both measured side by side in one process, same engine).
"""

from __future__ import annotations

import statistics
import time

from workflows.local.engine import LocalEngine

JSONPATH = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Parameters": {"id.$": "$.id", "n.$": "States.MathAdd($.n, 1)"}, "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "C"}], "Default": "C"},
        "C": {"Type": "Pass", "End": True},
    },
}
JSONATA = {
    "QueryLanguage": "JSONata",
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Output": "{% {'id': $states.input.id, 'n': $states.input.n + 1} %}", "Next": "B"},
        "B": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.n > 1 %}", "Next": "C"}], "Default": "C"},
        "C": {"Type": "Pass", "End": True},
    },
}


def median_ms(engine: LocalEngine, machine: str, runs: int) -> float:
    samples = []
    for i in range(runs):
        started = time.perf_counter()
        result = engine.run(machine, {"id": f"t{i}", "n": i})
        samples.append((time.perf_counter() - started) * 1000)
        assert result.ok(), result.cause
    return statistics.median(samples)


def main(runs: int = 50) -> None:
    with LocalEngine() as engine:
        rows = []
        for name, definition, kind in (
            ("jsonpath", JSONPATH, "STANDARD"),
            ("jsonata", JSONATA, "STANDARD"),
            ("jsonpath-express", JSONPATH, "EXPRESS"),
            ("jsonata-express", JSONATA, "EXPRESS"),
        ):
            engine.create_state_machine(name, definition, type=kind)
            median_ms(engine, name, 5)  # warm-up
            rows.append((name, kind, median_ms(engine, name, runs)))
    base = rows[0][2]
    print(f"{'machine':<18} {'type':<9} {'median ms':>10} {'ratio':>7}")
    for name, kind, ms in rows:
        print(f"{name:<18} {kind:<9} {ms:>10.2f} {ms / base:>7.2f}")


if __name__ == "__main__":
    main()
