"""tenant-stack-update, the rollout (waves, durable outcomes, successor executions) side by side with the
previous machine (``bench/previous_tenant_stack_update.asl.json``: main's ASL before the rollout), on
the local engine with real moto stacks; then the bounded-history projection to 1,000,000 rows.

Per size: seed N tenants once (stacks + rows), run the previous machine with template v2, then the
rollout with template v3 (both do a real UpdateStack per tenant). Reported: wall time, parent events
(every execution of the rollout chain), events of one child execution (the ItemProcessor run as a
machine of its own on sample tenants: moto does not report Distributed Map children as executions),
and CloudFormation / DynamoDB calls per tenant.

Run: ``python bench/tenant_stacks_rollout.py 1000 5000`` (about 0.2-0.25 s per tenant per machine on a
loaded 2-core machine; 5,000 tenants took 40 min in all).
"""

from __future__ import annotations

import collections
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from moto.cloudformation.models import CloudFormationBackend
from moto.dynamodb.models import DynamoDBBackend

from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_bucket, create_table
from workflows.patterns.tenant_stacks import PLACEHOLDERS, PLATFORM_PARAMETERS, tenant_stack_update, tenant_template

LIMIT = 25_000
PAGE = 100
PAGES_PER_EXECUTION = 100
PREVIOUS = Path(__file__).with_name("previous_tenant_stack_update.asl.json")
CALLS: collections.Counter = collections.Counter()
BUCKET, KEY, TABLE = PLACEHOLDERS["TemplateBucket"], PLACEHOLDERS["TemplateKey"], PLACEHOLDERS["TenantsTable"]
URL = f"https://{BUCKET}.s3.amazonaws.com/{KEY}"
EVENT = {"detail": {"bucket": {"name": BUCKET}, "object": {"key": KEY}}}


def _count(backend: type, name: str, label: str) -> None:
    original = getattr(backend, name)

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        CALLS[label] += 1
        return original(self, *args, **kwargs)

    setattr(backend, name, counted)


for _name in ("describe_stacks", "update_stack"):
    _count(CloudFormationBackend, _name, "cfn")
for _name in ("scan", "update_item"):
    _count(DynamoDBBackend, _name, "ddb")


def previous_definition() -> str:
    """The previous machine's ASL, its UpdateStack keeping the platform parameters the tenant template
    gained since (``UsePreviousValue``, as it keeps its own three): else every update is refused."""
    asl = json.loads(PREVIOUS.read_text().replace("${TenantsTable}", TABLE))

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            params = node.get("Parameters")
            if isinstance(params, list) and {"ParameterKey": "TenantId", "UsePreviousValue": True} in params:
                params.extend({"ParameterKey": k, "UsePreviousValue": True} for k in PLATFORM_PARAMETERS)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(asl)
    return json.dumps(asl)


def template(version: int) -> str:
    extra = "".join(f'", "dynamodb:DescribeTable{i}' for i in range(version - 1))
    return tenant_template().replace("dynamodb:Query", "dynamodb:Query" + extra)


def seed(engine: LocalEngine, tenants: int) -> None:
    create_table(engine, TABLE, sk=None)
    create_bucket(engine, BUCKET)
    s3, cfn, ddb = engine.client("s3"), engine.client("cloudformation"), engine.client("dynamodb")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=template(1))
    for i in range(tenants):
        cfn.create_stack(StackName=f"tenant-t{i}", TemplateURL=URL, Capabilities=["CAPABILITY_NAMED_IAM"],
                         Parameters=[{"ParameterKey": "TenantId", "ParameterValue": f"t{i}"},
                                     {"ParameterKey": "RoleName", "ParameterValue": f"r{i}"},
                                     {"ParameterKey": "AppTableName", "ParameterValue": "app-table"},
                                     *({"ParameterKey": k, "ParameterValue": PLACEHOLDERS[v[2:-1]]}
                                       for k, v in PLATFORM_PARAMETERS.items())])
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": f"t{i}"}, "stackName": {"S": f"tenant-t{i}"},
                                            "status": {"S": "ACTIVE"}})


def wait(engine: LocalEngine, arn: str) -> dict[str, Any]:
    sfn = engine.client("stepfunctions")
    while (described := sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        time.sleep(0.05)
    return described


def child_events(engine: LocalEngine, asl: dict, name: str, input_of: Any, version: int) -> float:
    """Events of one child execution: the ItemProcessor as its own machine, on 5 tenants."""
    processor = {k: v for k, v in asl["States"]["UpdatePage"]["ItemProcessor"].items() if k != "ProcessorConfig"}
    engine.create_state_machine(name, json.dumps(processor))
    engine.client("s3").put_object(Bucket=BUCKET, Key=KEY, Body=template(version))
    sizes = []
    for i in range(5):
        result = engine.run(name, input_of(i))
        assert result.ok(), (result.error, result.cause)
        sizes.append(len(result.history))
    return sum(sizes) / len(sizes)


def run(engine: LocalEngine, name: str, definition: str, tenants: int, version: int) -> dict[str, float]:
    engine.create_state_machine(name, definition)
    engine.client("s3").put_object(Bucket=BUCKET, Key=KEY, Body=template(version))
    CALLS.clear()
    started = time.perf_counter()
    result = engine.run(name, EVENT, timeout=3600)
    executions, events, output = 1, [len(result.history)], result.output
    while isinstance(output, dict) and "continuedAs" in output:
        described = wait(engine, output["continuedAs"])
        output = json.loads(described.get("output") or "null")
        events.append(len(engine.history(described["executionArn"])))
        executions += 1
    elapsed = time.perf_counter() - started
    assert result.ok(), (result.error, (result.cause or "")[:500])
    assert output["updated"] == tenants, output
    scans = sum(1 for e in result.history if e["type"] == "TaskScheduled"
                and e["taskScheduledEventDetails"]["resource"] == "scan")
    return {"seconds": elapsed, "events": sum(events), "max_events": max(events), "executions": executions,
            "pages": scans, "cfn": CALLS["cfn"] / tenants, "ddb": CALLS["ddb"] / tenants}


def measure(tenants: int) -> dict[str, dict[str, float]]:
    with LocalEngine() as engine:
        seed(engine, tenants)
        previous_asl = previous_definition()
        rollout = tenant_stack_update(page_size=PAGE, pages_per_execution=PAGES_PER_EXECUTION)
        out = {"previous": run(engine, "previous", previous_asl, tenants, 2),
               "rollout": run(engine, "rollout", rollout.substituted(), tenants, 3)}
        row = lambda i: {"pk": {"S": f"t{i}"}, "status": {"S": "ACTIVE"}}  # noqa: E731
        out["previous"]["child"] = child_events(engine, json.loads(previous_asl), "previous-child", lambda i: {
            "tenantId": f"t{i}", "stackName": f"tenant-t{i}", "tenantStatus": "ACTIVE", "templateUrl": URL,
            "poll": {"seconds": 5}, "missing": {"count": 0}}, 4)
        out["rollout"]["child"] = child_events(engine, json.loads(rollout.substituted()), "rollout-child", lambda i: {
            "row": row(i), "templateUrl": URL, "rolloutId": "bench"}, 5)
        return out


def main(sizes: list[int]) -> None:
    print(f"page size {PAGE}; rollout: waves 1, 10, 100, then the rest; {PAGES_PER_EXECUTION} pages per execution; "
          f"STANDARD history limit {LIMIT:,} events per execution")
    print("| tenants | machine | run s | ms/tenant | parent events (max per execution) | executions | "
          "events per child | CFN calls/tenant | DynamoDB calls/tenant |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = {}
    for n in sizes:
        rows[n] = measure(n)
        for which, m in rows[n].items():
            print(f"| {n:,} | {which} | {m['seconds']:.1f} | {1000 * m['seconds'] / n:.0f} | {m['events']:,.0f} "
                  f"({m['max_events']:,.0f}) | {m['executions']:.0f} | {m['child']:.0f} | {m['cfn']:.2f} | "
                  f"{m['ddb']:.2f} |", flush=True)
    if len(sizes) < 2:
        return
    n1, n2 = sizes[-2], sizes[-1]
    print()
    print("Extrapolated (linear in pages, from the two largest measured sizes):")
    for which in ("previous", "rollout"):
        a, b = rows[n1][which], rows[n2][which]
        per_page = (b["events"] - a["events"]) / max(1, b["pages"] - a["pages"])
        fixed = b["events"] - per_page * b["pages"]
        per_tenant_s = (b["seconds"] - a["seconds"]) / (n2 - n1)
        for target in (10_000, 1_000_000):
            # the rollout: a canary pass (none marked: empty pages), then the waves (their ends cut 3 pages short)
            pages = math.ceil(target / PAGE) + (math.ceil(target / PAGE) + 3 if which == "rollout" else 0)
            if which == "previous":
                events, executions, worst = fixed + per_page * pages, 1, fixed + per_page * pages
            else:
                executions = math.ceil(pages / PAGES_PER_EXECUTION)
                events = executions * fixed + per_page * pages
                worst = fixed + per_page * min(pages, PAGES_PER_EXECUTION)
            verdict = "over the limit" if worst > LIMIT else "within the limit"
            print(f"- {which}, {target:,} tenants: {pages:,} pages, {per_page:.1f} events/page, "
                  f"{executions:,} execution(s), at most {worst:,.0f} events in one ({verdict}); "
                  f"~{b['seconds'] + per_tenant_s * (target - n2):,.0f} s locally")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 300])
