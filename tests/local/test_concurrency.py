"""Executions run concurrently, in-process and through the endpoint, and each ends with its own result.

moto 5.2.5 kept the parser's QueryLanguage scope stack on the ``Preprocessor`` class: parses running
at once (each execution parses its definition on its own worker thread) read each other's scopes, a
JSONPath machine was refused as JSONata, the worker died and the execution stayed RUNNING with no
history; the leaked scopes then broke later one-at-a-time runs too (``parser_scopes`` adaptation).
On the old code these tests failed: executions timed out RUNNING and "Unsupported declaration in
QueryLanguage=JSONPath block" was logged.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from workflows.local.engine import LocalEngine
from workflows.local.server import LocalEndpoint, machine_arn

JSONATA = {
    "QueryLanguage": "JSONata",
    "StartAt": "Double",
    "States": {
        "Double": {"Type": "Pass", "Output": "{% {'n': $states.input.n * 2} %}", "Next": "Inc"},
        "Inc": {"Type": "Pass", "Output": "{% {'n': $states.input.n + 1} %}", "End": True},
    },
}
JSONPATH = {
    "StartAt": "Wrap",
    "States": {
        "Wrap": {"Type": "Pass", "Parameters": {"n.$": "$.n", "tag.$": "States.Format('t-{}', $.n)"}, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}
# Longer definitions widen the window in which two parses overlap: a chain of 12 Pass states
# before each machine's first state.
for _machine, _extra in ((JSONATA, {"Output": "{% $states.input %}"}), (JSONPATH, {"Parameters": {"n.$": "$.n"}})):
    _first = _machine["StartAt"]
    for _i in range(12):
        _machine["States"][f"Extra{_i}"] = {"Type": "Pass", **_extra, "Next": f"Extra{_i + 1}" if _i < 11 else _first}
    _machine["StartAt"] = "Extra0"


def _expected(kind: str, n: int) -> dict[str, Any]:
    return {"n": 2 * n + 1} if kind == "jsonata" else {"n": n, "tag": f"t-{n}"}


def test_100_concurrent_mixed_query_languages_all_end_right() -> None:
    with LocalEngine() as engine:
        engine.create_state_machine("jsonata", JSONATA)
        engine.create_state_machine("jsonpath", JSONPATH)
        jobs = [("jsonata" if i % 2 else "jsonpath", i) for i in range(100)]

        def run(job: tuple[str, int]) -> tuple[str, Any]:
            result = engine.run(job[0], {"n": job[1]}, timeout=25)
            return result.status, result.output

        with ThreadPoolExecutor(max_workers=100) as pool:
            results = list(pool.map(run, jobs))
        assert results == [("SUCCEEDED", _expected(kind, n)) for kind, n in jobs]
        # and afterwards, one at a time, still (leaked scopes broke these on the old code)
        assert engine.run("jsonpath", {"n": 7}).output == _expected("jsonpath", 7)


def test_concurrent_tenant_stack_create_all_succeed() -> None:
    from workflows.examples.users import demo

    with LocalEngine() as engine:
        holder = type("Holder", (), {})()
        holder.engine = engine
        demo.setup(holder)
        tenants = [f"t{i:03d}" for i in range(20)]

        def create(tenant: str) -> tuple[str, str | None]:
            result = engine.run("tenant-stack-create", {"source": demo.TENANT_EVENT_SOURCE,
                                                         "detail-type": "Tenant Created", "detail": {"tenantId": tenant}},
                                timeout=120)
            return result.status, result.error

        with ThreadPoolExecutor(max_workers=len(tenants)) as pool:
            results = list(pool.map(create, tenants))
        assert results == [("SUCCEEDED", None)] * len(tenants)
        ddb = engine.client("dynamodb")
        for tenant in tenants:
            item = ddb.get_item(TableName=demo.TENANTS_TABLE, Key={"pk": {"S": tenant}})["Item"]
            assert item["tenantRoleArn"]["S"].startswith(f"arn:aws:iam::{engine.account_id}:role/tenant-role/")


def test_30_concurrent_clients_through_the_endpoint() -> None:
    machines = [("jsonata", json.dumps(JSONATA), "EXPRESS"), ("jsonpath", json.dumps(JSONPATH), "EXPRESS")]
    with LocalEndpoint(machines=machines) as endpoint:
        clients = [endpoint.client("stepfunctions") for _ in range(30)]  # one per caller, made up front

        def run(i: int) -> tuple[str, Any]:
            kind = "jsonata" if i % 2 else "jsonpath"
            response = clients[i].start_sync_execution(stateMachineArn=machine_arn(kind), input=json.dumps({"n": i}))
            return response["status"], json.loads(response.get("output", "null"))

        with ThreadPoolExecutor(max_workers=30) as pool:
            results = list(pool.map(run, range(30)))
        assert results == [("SUCCEEDED", _expected("jsonata" if i % 2 else "jsonpath", i)) for i in range(30)]
