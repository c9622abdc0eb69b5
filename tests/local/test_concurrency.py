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
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from workflows.local.engine import LocalEngine
from workflows.local.server import ACCOUNT_ID, LOCAL_ROLE_ARN, REGION, LocalEndpoint, machine_arn

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


TENANT_STACKS = 100  # issue 13: at 100 concurrent tenant-stack-create, 16-44 % stayed RUNNING on moto alone


def _tenant_created(tenant: str) -> str:
    from workflows.examples.users import demo

    return json.dumps({"source": demo.TENANT_EVENT_SOURCE, "detail-type": "Tenant Created", "detail": {"tenantId": tenant}})


def _start_all_then_wait(clients: list[Any], tenants: list[str], machine: str) -> list[tuple[str, str | None]]:
    """Each client starts its tenant's execution, all at once; one poll waits until none is RUNNING (100
    callers polling each their own would spend the CPU the executions share); each client then reads its own."""
    def start(i: int) -> str:
        return str(clients[i].start_execution(stateMachineArn=machine, input=_tenant_created(tenants[i]))["executionArn"])

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        arns = list(pool.map(start, range(len(clients))))
    deadline = time.monotonic() + 600
    while clients[0].list_executions(stateMachineArn=machine, statusFilter="RUNNING")["executions"]:
        assert time.monotonic() < deadline, "executions still RUNNING after 600 s"
        time.sleep(0.5)
    described = [clients[i].describe_execution(executionArn=arn) for i, arn in enumerate(arns)]
    return [(d["status"], d.get("error")) for d in described]


def _assert_tenant_rows(dynamodb: Any, tenants: list[str]) -> None:
    from workflows.examples.users import demo

    for tenant in tenants:
        item = dynamodb.get_item(TableName=demo.TENANTS_TABLE, Key={"pk": {"S": tenant}})["Item"]
        assert item["tenantRoleArn"]["S"].startswith(f"arn:aws:iam::{ACCOUNT_ID}:role/tenant-role/")


def test_100_concurrent_tenant_stack_create_all_succeed() -> None:
    from workflows.examples.users import demo

    with LocalEngine() as engine:
        holder = type("Holder", (), {})()
        holder.engine = engine
        demo.setup(holder)
        tenants = [f"t{i:03d}" for i in range(TENANT_STACKS)]
        clients = [engine.client("stepfunctions") for _ in tenants]
        results = _start_all_then_wait(clients, tenants, machine_arn("tenant-stack-create"))
        assert results == [("SUCCEEDED", None)] * len(tenants)
        _assert_tenant_rows(engine.client("dynamodb"), tenants)
        # and afterwards, one at a time, still
        assert engine.run("tenant-stack-create", json.loads(_tenant_created("after")), timeout=60).status == "SUCCEEDED"


class _EndpointAsEngine:
    """What the demo's setup needs of an engine, served by ``workflows local`` (every call over HTTP)."""

    account_id = ACCOUNT_ID
    region = REGION

    def __init__(self, endpoint: LocalEndpoint) -> None:
        self.endpoint = endpoint

    def client(self, service: str) -> Any:
        return self.endpoint.client(service)

    def create_state_machine(self, name: str, definition: Any, *, type: str = "STANDARD",
                             role_arn: str | None = None) -> str:
        text = definition if isinstance(definition, str) else json.dumps(definition)
        return str(self.client("stepfunctions").create_state_machine(
            name=name, definition=text, roleArn=role_arn or LOCAL_ROLE_ARN, type=type)["stateMachineArn"])


def test_100_concurrent_tenant_stack_create_through_the_endpoint_with_100_clients() -> None:
    from workflows.examples.users import demo

    with LocalEndpoint() as endpoint:
        holder = type("Holder", (), {})()
        holder.engine = _EndpointAsEngine(endpoint)
        demo.setup(holder)
        tenants = [f"e{i:03d}" for i in range(TENANT_STACKS)]
        clients = [endpoint.client("stepfunctions") for _ in tenants]  # one per caller, made up front
        results = _start_all_then_wait(clients, tenants, machine_arn("tenant-stack-create"))
        assert results == [("SUCCEEDED", None)] * len(tenants)
        _assert_tenant_rows(endpoint.client("dynamodb"), tenants)


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
