"""What does the HTTP endpoint cost per execution compared with the in-process engine?

One small EXPRESS machine (a DynamoDB getItem task, then a Pass) runs the same input
three ways, in this one process:

- in-process, ``LocalEngine.run`` (the test API: StartSyncExecution plus the history read);
- in-process, a bare ``start_sync_execution`` on the engine's client (same call as over HTTP);
- through ``LocalEndpoint``: ``start_sync_execution`` over HTTP, where moto's interpreter also
  reaches DynamoDB over HTTP (``localhost:$MOTO_PORT``).

The engine and the endpoint share moto's process-wide backends, so they cannot be active at
the same time: each round runs them one after the other, and rounds alternate to spread drift.
Run: ``python bench/engine_endpoint.py [--executions 60] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from workflows.local.engine import LocalEngine
from workflows.local.server import LocalEndpoint, machine_arn

TABLE = "bench-tenants"
MACHINE = "get-then-pass"
DEFINITION = {
    "StartAt": "Get",
    "States": {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": TABLE, "Key": {"pk": {"S.$": "$.id"}}},
            "ResultSelector": {"plan.$": "$.Item.plan.S"},
            "Next": "Shape",
        },
        "Shape": {"Type": "Pass", "Parameters": {"tenantPlan.$": "$.plan"}, "End": True},
    },
}
INPUT = json.dumps({"id": "tenant-1"})
EXPECTED = {"tenantPlan": "gold"}
WARMUP = 5


def seed_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": "tenant-1"}, "plan": {"S": "gold"}})


def timed_ms(run_once: Callable[[], Any], executions: int) -> list[float]:
    """Milliseconds per call, after a warm-up; every result is checked, so a broken path shows."""
    for _ in range(WARMUP):
        check(run_once())
    samples = []
    for _ in range(executions):
        start = time.perf_counter()
        result = run_once()
        samples.append((time.perf_counter() - start) * 1000)
        check(result)
    return samples


def check(output: Any) -> None:
    if output != EXPECTED:
        raise SystemExit(f"benchmark machine returned {output!r}, expected {EXPECTED!r}")


def sync_output(sfn: Any, arn: str) -> Any:
    result = sfn.start_sync_execution(stateMachineArn=arn, input=INPUT)
    return json.loads(result["output"]) if result["status"] == "SUCCEEDED" else result


def in_process_round(executions: int) -> tuple[list[float], list[float]]:
    with LocalEngine() as engine:
        seed_table(engine.client("dynamodb"))
        arn = engine.create_state_machine(MACHINE, DEFINITION, type="EXPRESS")
        sfn = engine.client("stepfunctions")
        run_api = timed_ms(lambda: engine.run(MACHINE, json.loads(INPUT)).output, executions)
        bare = timed_ms(lambda: sync_output(sfn, arn), executions)
    return run_api, bare


def endpoint_round(executions: int) -> list[float]:
    with LocalEndpoint(machines=[(MACHINE, json.dumps(DEFINITION), "EXPRESS")]) as endpoint:
        seed_table(endpoint.client("dynamodb"))
        sfn = endpoint.client("stepfunctions")
        return timed_ms(lambda: sync_output(sfn, machine_arn(MACHINE)), executions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--executions", type=int, default=60, help="timed executions per path per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    samples: dict[str, list[float]] = {"engine.run": [], "in-process sync": [], "endpoint sync (HTTP)": []}
    for _ in range(args.rounds):
        run_api, bare = in_process_round(args.executions)
        samples["engine.run"] += run_api
        samples["in-process sync"] += bare
        samples["endpoint sync (HTTP)"] += endpoint_round(args.executions)

    baseline = statistics.median(samples["in-process sync"])
    print(f"{MACHINE}: getItem + Pass, EXPRESS; {args.rounds} rounds x {args.executions} executions per path")
    print(f"{'path':<24}{'median ms':>10}{'p90 ms':>9}{'vs in-process sync':>20}")
    for name, values in samples.items():
        median = statistics.median(values)
        p90 = statistics.quantiles(values, n=10)[-1]
        print(f"{name:<24}{median:>10.2f}{p90:>9.2f}{median / baseline:>19.2f}x")


if __name__ == "__main__":
    main()
