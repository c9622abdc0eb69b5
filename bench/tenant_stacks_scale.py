"""Parent history events and CloudFormation calls per tenant for tenant-stack-update, side by side:
page-per-Distributed-Map (the catalog's design) vs one execution looping over every tenant (INLINE Map,
MaxConcurrency 1). Real moto stacks; run: ``python bench/tenant_stacks_scale.py 10 100 1000``.
"""

from __future__ import annotations

import collections
import sys
import time

from moto.cloudformation.models import CloudFormationBackend

from workflows.patterns.tenant_stacks import tenant_template
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_bucket, create_table
from workflows.patterns.tenant_stacks import PLACEHOLDERS, PLATFORM_PARAMETERS, tenant_stack_update

LIMIT = 25_000
PAGE = 100
CALLS: collections.Counter = collections.Counter()


def _count(name: str) -> None:
    original = getattr(CloudFormationBackend, name)

    def counted(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        CALLS[name] += 1
        return original(self, *args, **kwargs)

    setattr(CloudFormationBackend, name, counted)


for _name in ("describe_stacks", "update_stack", "get_stack"):
    _count(_name)


def measure(tenants: int, mode: str) -> tuple[int, float, float]:
    with LocalEngine() as engine:
        create_table(engine, PLACEHOLDERS["TenantsTable"], sk=None)
        create_bucket(engine, PLACEHOLDERS["TemplateBucket"])
        s3, cfn, ddb = engine.client("s3"), engine.client("cloudformation"), engine.client("dynamodb")
        s3.put_object(Bucket=PLACEHOLDERS["TemplateBucket"], Key=PLACEHOLDERS["TemplateKey"], Body=tenant_template())
        url = f"https://{PLACEHOLDERS['TemplateBucket']}.s3.amazonaws.com/{PLACEHOLDERS['TemplateKey']}"
        for i in range(tenants):
            cfn.create_stack(StackName=f"tenant-t{i}", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"],
                             Parameters=[{"ParameterKey": "TenantId", "ParameterValue": f"t{i}"},
                                         {"ParameterKey": "RoleName", "ParameterValue": f"r{i}"},
                                         {"ParameterKey": "AppTableName", "ParameterValue": "app-table"},
                                         *({"ParameterKey": k, "ParameterValue": PLACEHOLDERS[v[2:-1]]}
                                           for k, v in PLATFORM_PARAMETERS.items())])
            ddb.put_item(TableName=PLACEHOLDERS["TenantsTable"],
                         Item={"pk": {"S": f"t{i}"}, "stackName": {"S": f"tenant-t{i}"}, "status": {"S": "ACTIVE"}})
        s3.put_object(Bucket=PLACEHOLDERS["TemplateBucket"], Key=PLACEHOLDERS["TemplateKey"],
                      Body=tenant_template().replace("dynamodb:Query", "dynamodb:Query\", \"dynamodb:DescribeTable"))
        machine = tenant_stack_update(page_size=PAGE, mode=mode, max_concurrency=10 if mode == "DISTRIBUTED" else 1)
        engine.create_state_machine(machine.name, machine.substituted())
        CALLS.clear()
        started = time.perf_counter()
        result = engine.run(machine.name, {"detail": {"bucket": {"name": PLACEHOLDERS["TemplateBucket"]},
                                                      "object": {"key": PLACEHOLDERS["TemplateKey"]}}}, timeout=1800)
        elapsed = time.perf_counter() - started
        assert result.ok(), (result.error, result.cause)
        assert result.output["updated"] == tenants, result.output
        api_calls = CALLS["describe_stacks"] + CALLS["update_stack"]
        return len(result.history), api_calls / tenants, elapsed


def main(sizes: list[int]) -> None:
    print(f"page size {PAGE}; STANDARD history limit {LIMIT:,} events")
    print("| tenants | parent events (pages) | parent events (loop) | CFN calls/tenant | run s (pages / loop) |")
    print("|---:|---:|---:|---:|---:|")
    rows = []
    for n in sizes:
        paged, calls, t_paged = measure(n, "DISTRIBUTED")
        loop, _, t_loop = measure(n, "INLINE")
        rows.append((n, paged, loop))
        print(f"| {n:,} | {paged:,} | {loop:,} | {calls:.2f} | {t_paged:.1f} / {t_loop:.1f} |", flush=True)
    (n1, p1, l1), (n2, p2, l2) = rows[-2], rows[-1]
    per_page = (p2 - p1) / max(1, (n2 - n1) / PAGE)
    per_tenant = (l2 - l1) / (n2 - n1)
    for target in (10_000,):
        paged = p2 + per_page * (target - n2) / PAGE
        loop = l2 + per_tenant * (target - n2)
        print(f"| {target:,} (extrapolated) | {paged:,.0f} | {loop:,.0f} ({loop / LIMIT:.1f}x the limit) | | |")
    print(f"loop: {per_tenant:.1f} events/tenant -> breaks past ~{LIMIT / per_tenant:,.0f} tenants; "
          f"pages: {per_page:.1f} events/page")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100])
