"""Transitions and ms per AppSync request (get, query): our machines vs the hand-written shape, one run.

Hand-written shape (what issue 4 replaces): a no-op Pass before the Task, output left in DynamoDB
JSON. Ours: JSONata (guard folded, unmarshal in Output) and JSONPath (guard Choice, Task, JSONata
Unmarshal Pass). Same engine, same table, same tenant role, interleaved; figures are ratios to the
hand-written shape. Each of our machines runs under both JSONata evaluators, swapped in moto's hook
between requests: "old" is jsonata-python alone, "new" the engine's (jlens, jsonata-python deciding
errors and null results). Run: python bench/appsync_requests.py [requests per shape]
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from dataclasses import dataclass
from typing import Any

from workflows.core import JSONATA, JSONPATH
from workflows.local.adaptations.jsonata import make_evaluator
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync.layout import TenantTable

sys.path.insert(0, ".")
from tests.patterns.test_appsync_env import make_env  # noqa: E402


@dataclass
class Note:
    id: str
    title: str
    stars: int


def _hand_written(kind: str) -> dict[str, Any]:
    ctx = "$.identity.resolverContext"
    if kind == "get":
        task = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                "Credentials": {"RoleArn.$": f"{ctx}.tenantRoleArn"},
                "Parameters": {"TableName": "app-table", "Key": {
                    "pk": {"S.$": f"States.Format('{{}}#Note', {ctx}.tenantId)"},
                    "sk": {"S.$": "States.Format('NOTE#{}', $.arguments.id)"}}}, "End": True}
    else:
        task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
                "Credentials": {"RoleArn.$": f"{ctx}.tenantRoleArn"},
                "Parameters": {"TableName": "app-table", "KeyConditionExpression": "pk = :pk",
                               "ExpressionAttributeValues": {":pk": {"S.$": f"States.Format('{{}}#Note', {ctx}.tenantId)"}},
                               "Limit": 20}, "End": True}
    return {"StartAt": "Prepare", "States": {"Prepare": {"Type": "Pass", "Next": "Call"}, "Call": task}}


def main(n: int = 30) -> None:
    from moto.stepfunctions.parser.asl.jsonata import jsonata as hook

    with LocalEngine() as engine:  # installs the adaptations, the new evaluator among them
        new = hook._eval_jsonata
        evaluators = {"old": make_evaluator(hook.JSONataException, fast=False), "new": new}
        env = make_env(engine, ("ta",))
        shapes: dict[str, dict[str, str]] = {"get": {}, "query": {}}
        for kind in shapes:
            name = f"hand-{kind}"
            engine.create_state_machine(name, _hand_written(kind), type="EXPRESS", role_arn=env.exec_role)
            shapes[kind]["hand-written"] = name
            for ql in (JSONATA, JSONPATH):
                layout = TenantTable(Note, query_language=ql)
                machine = (appsync.get_item(layout, f"ours-{kind}-{ql.lower()}") if kind == "get"
                           else appsync.query_items(layout, f"ours-{kind}-{ql.lower()}"))
                env.deploy(machine)
                for engine_label in evaluators:
                    shapes[kind][f"{engine_label} {ql}"] = machine.name
        for i in range(20):
            engine.client("dynamodb").put_item(TableName="app-table", Item={
                "pk": {"S": "ta#Note"}, "sk": {"S": f"NOTE#n{i}"}, "id": {"S": f"n{i}"},
                "title": {"S": f"t{i}"}, "stars": {"N": str(i)}})
        request = env.ctx("ta") | {"arguments": {"id": "n3"}}
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
        print(f"{'request':6} {'shape':16} {'states':>6} {'transitions':>11} {'ms/request':>10} {'x hand':>7}  output")
        for kind, machines in shapes.items():
            times: dict[str, list[float]] = {label: [] for label in machines}
            results: dict[str, Any] = {}
            for _ in range(n):  # interleaved so drift hits every shape alike
                for label, machine in machines.items():
                    hook._eval_jsonata = evaluators["old" if label.startswith("old") else "new"]
                    start = time.perf_counter()
                    results[label] = engine.run(machine, request)
                    times[label].append((time.perf_counter() - start) * 1000)
            hook._eval_jsonata = new
            base = statistics.median(times["hand-written"])
            for label, machine in machines.items():
                r = results[label]
                assert r.ok(), (label, r.cause)
                ms = statistics.median(times[label])
                sample = r.output if kind == "get" else r.output.get("items", r.output.get("Items"))[0]
                print(f"{kind:6} {label:16} {len(r.states):>6} {r.transitions:>11} {ms:>10.1f} {ms / base:>7.2f}  "
                      f"{str(sample)[:60]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
