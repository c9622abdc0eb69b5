"""CPU milliseconds per execution without the parse cache (adaptations/parse_cache.py), with a cached
ANTLR tree only (a fresh program per execution, the cache's first version) and with the shared program.

Question: what does parsing each definition's text once, instead of at every execution, save? Side by
side in one process, same engine, alternating blocks so that load drifts hit all three: the lifecycle's
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


MODES = {"no cache": (False, False), "tree only": (True, False), "tree+program": (True, True)}


def cpu_ms_per_run(run: Callable[[int], Any], runs: int, mode: str, offset: int) -> float:
    cached, shared = MODES[mode]
    parse_cache.CACHE.max_entries = parse_cache.MAX_ENTRIES if cached else 0
    parse_cache.SHARE_PROGRAMS = shared
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
        print(f"{'machine':<22}" + "".join(f"{mode:>15}" for mode in MODES) + f"{'ratio':>22}")
        for name, run in cases.items():
            samples: dict[str, list[float]] = {mode: [] for mode in MODES}
            for block in range(3):
                for k, mode in enumerate(MODES):
                    samples[mode].append(cpu_ms_per_run(run, runs, mode, 1000 * block + 300 * k))
            medians = [sorted(samples[mode])[1] for mode in MODES]
            ratios = " : ".join(f"{medians[0] / m:.2f}" for m in medians)
            print(f"{name:<22}" + "".join(f"{m:>12.1f} ms" for m in medians) + f"{ratios:>22}")
    parse_cache.CACHE.max_entries = parse_cache.MAX_ENTRIES
    parse_cache.SHARE_PROGRAMS = True


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
