"""ms per evaluation of the project's DynamoDB unmarshal expression: jsonata-python vs the engine's evaluator.

The expression is the query resolver's (``unmarshal_list_expr("$states.result.Items")``) composed as
moto composes it (``($states:=<JSON>;<expression>)``, the page embedded as JSON text), on a 20- and a
200-item page. "old" is jsonata-python alone (the evaluator before jlens); "new" is the engine's
evaluator (jlens, jsonata-python deciding errors and null results). Both outputs must be equal.
Interleaved, median of n. Run: python bench/jsonata_engines.py [evaluations per engine]
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any, Callable

from workflows.local.adaptations.jsonata import make_evaluator
from workflows.patterns.dynamodb_json import unmarshal_list_expr


class _QueryError(Exception):
    def __init__(self, error: str, details: str) -> None:
        super().__init__(error, details)


def page(n: int) -> dict[str, Any]:
    """A query result of n items with every DynamoDB type the unmarshaller reads."""
    return {"Count": n, "ScannedCount": n, "Items": [
        {"pk": {"S": "ta#Note"}, "sk": {"S": f"NOTE#n{i}"}, "id": {"S": f"n{i}"}, "title": {"S": f"title {i}"},
         "stars": {"N": str(i)}, "price": {"N": "12.50"}, "big": {"N": "1.5E+125"}, "done": {"BOOL": i % 2 == 0},
         "gone": {"NULL": True}, "tags": {"SS": ["a", "b"]}, "scores": {"NS": ["1", "2.5"]},
         "meta": {"M": {"owner": {"S": "u1"}, "history": {"L": [{"N": "1"}, {"S": "x"}]}}}}
        for i in range(n)]}


def composed(n: int) -> str:
    states = {"input": {"arguments": {}}, "result": page(n)}
    return f"($states:={json.dumps(states, separators=(',', ':'))};{unmarshal_list_expr('$states.result.Items')})"


def main(n: int = 5) -> None:
    engines: dict[str, Callable[[str], Any]] = {
        "old jsonata-python": make_evaluator(_QueryError, fast=False),
        "new jlens": make_evaluator(_QueryError),
    }
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"{'items':>5} {'engine':20} {'ms/eval':>8} {'x old':>7}")
    for items in (20, 200):
        text = composed(items)
        outputs = {label: fn(text) for label, fn in engines.items()}
        assert outputs["new jlens"] == outputs["old jsonata-python"], "engines disagree"
        times: dict[str, list[float]] = {label: [] for label in engines}
        for _ in range(n):
            for label, fn in engines.items():
                start = time.perf_counter()
                fn(text)
                times[label].append((time.perf_counter() - start) * 1000)
        base = statistics.median(times["old jsonata-python"])
        for label in engines:
            ms = statistics.median(times[label])
            print(f"{items:>5} {label:20} {ms:>8.2f} {base / ms:>6.1f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
