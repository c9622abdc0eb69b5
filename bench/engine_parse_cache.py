"""CPU milliseconds per execution with the parse cache (adaptations/parse_cache.py) and without it.

Question: what does parsing each definition's text once, instead of at every execution, save? Side by
side in one process, same engine, alternating blocks so that load drifts hit both: the lifecycle's
tenant-stack-create (~37 KB of ASL, real moto CloudFormation/IAM/DynamoDB calls) and a 3-state machine.
CPU time (all threads) rather than wall time: the machine this runs on is shared.

Run: python bench/engine_parse_cache.py [runs per block, default 10]
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Callable

from engine_latency import JSONPATH  # bench/ is on sys.path when a bench script runs

from workflows.local.adaptations import parse_cache
from workflows.local.engine import LocalEngine
from workflows.local.resources import create_bucket, create_table
from workflows.patterns.tenant_stacks import PLACEHOLDERS, tenant_stack_create, tenant_template

SMALL = JSONPATH  # engine_latency's 3-state machine


def _deploy_tenant_template(engine: LocalEngine) -> None:
    create_bucket(engine, PLACEHOLDERS["TemplateBucket"])
    engine.client("s3").put_object(Bucket=PLACEHOLDERS["TemplateBucket"], Key=PLACEHOLDERS["TemplateKey"],
                                   Body=tenant_template())


def cpu_ms_per_run(run: Callable[[int], Any], runs: int, cached: bool, offset: int) -> float:
    parse_cache.CACHE.max_entries = parse_cache.MAX_ENTRIES if cached else 0
    parse_cache.CACHE.clear()
    started = time.process_time()
    for i in range(runs):
        result = run(offset + i)
        assert result.ok(), (result.error, result.cause)
    return (time.process_time() - started) * 1000 / runs


def main(runs: int = 10) -> None:
    logging.disable(logging.CRITICAL)
    with LocalEngine() as engine:
        create_table(engine, PLACEHOLDERS["TenantsTable"], sk=None)
        _deploy_tenant_template(engine)
        machine = tenant_stack_create()
        engine.create_state_machine(machine.name, machine.substituted())
        engine.create_state_machine("small", SMALL)
        cases = {
            "tenant-stack-create": lambda i: engine.run(
                "tenant-stack-create", {"source": "tenants", "detail-type": "Tenant Created", "detail": {"tenantId": f"b{i}"}}),
            "3-state JSONPath": lambda i: engine.run("small", {"id": f"t{i}", "n": i}),
        }
        for run in cases.values():  # warm-up: imports, ANTLR's DFA caches
            run(10**6).ok()
        print(f"{'machine':<22}{'without cache':>16}{'with cache':>14}{'ratio':>8}")
        for name, run in cases.items():
            without, with_ = [], []
            for block in range(3):
                without.append(cpu_ms_per_run(run, runs, False, 1000 * block))
                with_.append(cpu_ms_per_run(run, runs, True, 1000 * block + 500))
            a, b = sorted(without)[1], sorted(with_)[1]
            print(f"{name:<22}{a:>13.1f} ms{b:>11.1f} ms{a / b:>7.2f}x")
    parse_cache.CACHE.max_entries = parse_cache.MAX_ENTRIES


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
