"""Bounded history at 1,000,000 tenant rows: the real tenant-stack-update parent on the local engine,
with the expensive parts mocked, side by side with the previous machine (whose history grows with rows).

What runs: the parent machines exactly as built (``tenant_stack_update()``'s ASL and
``bench/previous_tenant_stack_update.asl.json``), except
- the scans are mocked (Step Functions Local's mock config, README "The local engine"): each page is
  what DynamoDB would return for a table of N rows, with a ``LastEvaluatedKey`` until the table's
  end; the rollout's rest pass gets the pages its Limits ask for (waves 1, 10, 100, then full pages),
  its canary pass empty pages (no tenant marked), as a real table would give;
- the child (the Distributed Map's ItemProcessor) is a stub Pass returning ``updated``: a Distributed
  Map's children are executions of their own on AWS, so they are not in the parent's history, and
  the parent's events per page do not depend on them;
- the successor is mocked too (``StartSuccessor`` returns an execution ARN) and this script starts
  that execution itself with the input the real task would give (``{"continue": <record>}``): moto's
  StartExecution cannot pass a mock test case on.
Reported per machine: pages, executions chained, events (all executions), max events of one
execution against AWS's 25,000 (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html).

The previous machine is one execution for the whole table; at 1,000,000 rows that is 10,000 pages in
one history. Run fully with ``--previous-rows 1000000``; by default it runs ``--previous-rows``
(200,000) and its 1,000,000-row figure is extrapolated linearly (its events per page are constant),
marked as such.

Each mocked page holds at most ``--items-per-page`` items (default 1, standing for the page's rows):
the page count, the cursor chain, the passes, waves and successors are those of the full table, and a
Distributed Map's events in its parent do not depend on its item count, while one stub child per row
would cost about 13 ms each here (3.6 h at 1,000,000 rows). The summary's ``updated`` then counts the
items returned, not the rows.

Run: ``python bench/tenant_stacks_history.py 1000000`` (about 45 min on a loaded 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path
from typing import Any, Sequence

from workflows.local.engine import LocalEngine
from workflows.patterns.tenant_stacks import PLACEHOLDERS, tenant_stack_update

LIMIT = 25_000
PREVIOUS = Path(__file__).with_name("previous_tenant_stack_update.asl.json")
TABLE = PLACEHOLDERS["TenantsTable"]
EVENT = {"detail": {"bucket": {"name": "tenant-templates"}, "object": {"key": "tenant-stack.json"}}}
SCANS = ("ScanTenants", "ScanMoreTenants")


def page_plan(rows: int, page_size: int, waves: Sequence[int] = (), canary_pass: bool = False) -> list[int]:
    """Tenants per page, in order, as DynamoDB pages a table of ``rows`` unmarked, live tenants for the
    machine's Limits: a canary pass of empty pages (none marked) if any, then pages bounded by the waves."""
    plan = [0] * max(1, math.ceil(rows / page_size)) if canary_pass else []
    left, wave_sizes = rows, list(waves)
    while left > 0:
        limit = page_size
        if wave_sizes:
            limit = min(limit, wave_sizes[0])
        take = min(limit, left)
        plan.append(take)
        left -= take
        if wave_sizes:
            wave_sizes[0] -= take
            if wave_sizes[0] == 0:
                wave_sizes.pop(0)
    return plan


def _page(items: int, more: bool) -> dict[str, Any]:
    result: dict[str, Any] = {"Items": [{"pk": {"S": f"t{i}"}, "stackName": {"S": f"tenant-t{i}"},
                                         "status": {"S": "ACTIVE"}} for i in range(items)],
                              "Count": items, "ScannedCount": items}
    if more:
        result["LastEvaluatedKey"] = {"pk": {"S": "cursor"}}
    return result


def _ranges(responses: list[str]) -> dict[str, str]:
    """Invocation numbers -> response names, consecutive equal responses as one range ("0-98")."""
    out: dict[str, str] = {}
    start = 0
    for i in range(1, len(responses) + 1):
        if i == len(responses) or responses[i] != responses[start]:
            out[f"{start}-{i - 1}" if i - 1 > start else str(start)] = responses[start]
            start = i
    return out


def mock_config(machine: str, executions: list[list[tuple[str, int, bool]]], items_per_page: int) -> dict[str, Any]:
    """One test case per execution: its pages (state, tenants, more?) in order, numbered per state; a
    page holds at most ``items_per_page`` items."""
    responses: dict[str, dict[str, Any]] = {}
    cases: dict[str, dict[str, str]] = {}
    for k, pages in enumerate(executions):
        case: dict[str, str] = {"StartSuccessor": "Successor"}
        for state in SCANS:
            names = []
            for name, items, more in pages:
                if name == state:
                    items = min(items, items_per_page)
                    key = f"page-{items}-{'more' if more else 'end'}"
                    responses.setdefault(key, {"Return": _page(items, more)})
                    names.append(key)
            if names:
                ranges = _ranges(names)
                response = f"{state}-{k}"
                responses[response] = {r: responses[n] for r, n in ranges.items()}
                case[state] = response
        cases[f"part{k + 1}"] = case
    mocked = {n: r for n, r in responses.items() if not n.startswith("page-")}
    mocked["Successor"] = {"0": {"Return": {"ExecutionArn": "arn:aws:states:us-east-1:123456789012:execution:x:next",
                                            "StartDate": "2026-01-01T00:00:00Z"}}}
    return {"StateMachines": {machine: {"TestCases": cases}}, "MockedResponses": mocked}


def rollout_executions(plan: list[int], pages_per_execution: int,
                       canary_pages: int) -> list[list[tuple[str, int, bool]]]:
    """Split the plan as the parent does (a successor after ``pages_per_execution`` pages, whatever the
    pass); the first page of each pass is ``ScanTenants``, later ones ``ScanMoreTenants``."""
    pages = []
    for i, items in enumerate(plan):
        first_of_pass = i == 0 or i == canary_pages
        last_of_pass = i == len(plan) - 1 or i == canary_pages - 1
        pages.append(("ScanTenants" if first_of_pass else "ScanMoreTenants", items, not last_of_pass))
    return [pages[i:i + pages_per_execution] for i in range(0, len(pages), pages_per_execution)]


def stub_child(asl: dict[str, Any], tenant_path: str) -> dict[str, Any]:
    """The machine with its Distributed Map's child replaced by a Pass returning ``updated``."""
    processor = asl["States"]["UpdatePage"]["ItemProcessor"]
    asl["States"]["UpdatePage"]["ItemProcessor"] = {
        "ProcessorConfig": processor["ProcessorConfig"], "StartAt": "Stub",
        "States": {"Stub": {"Type": "Pass", "Parameters": {"tenantId.$": tenant_path, "outcome": "updated"},
                            "End": True}}}
    return asl


def simulate_rollout(rows: int, *, page_size: int = 100, pages_per_execution: int = 100,
                     waves: Sequence[int] = (1, 10, 100), marked_canaries: bool = True,
                     items_per_page: int = 1, timeout: float = 3600) -> dict[str, Any]:
    """Run the rollout parent over a simulated table of ``rows``; every execution of its chain."""
    plan = page_plan(rows, page_size, waves, canary_pass=marked_canaries)
    canary_pages = len(plan) - len(page_plan(rows, page_size, waves)) if marked_canaries else 0
    executions = rollout_executions(plan, pages_per_execution, canary_pages)
    machine = tenant_stack_update(page_size=page_size, pages_per_execution=pages_per_execution, waves=waves,
                                  marked_canaries=marked_canaries)
    asl = stub_child(json.loads(machine.substituted()), "$.row.pk.S")
    started = time.perf_counter()
    with LocalEngine(mock_config=mock_config("sim-rollout", executions, items_per_page)) as engine:
        engine.create_state_machine("sim-rollout", json.dumps(asl))
        events, payload = [], EVENT
        for k in range(len(executions)):
            result = engine.run("sim-rollout", payload, test_case=f"part{k + 1}", timeout=timeout)
            assert result.ok(), (k, result.error, (result.cause or "")[:300])
            events.append(len(result.history))
            output = result.output
            if k < len(executions) - 1:
                assert "continuedAs" in output, (k, output)
                payload = {"continue": {key: v for key, v in output.items() if key != "continuedAs"}}
        returned = sum(min(n, items_per_page) for n in plan)
        assert "continuedAs" not in output and output["updated"] == returned, (returned, output)
    return {"rows": rows, "pages": len(plan), "executions": len(events), "events": sum(events),
            "max_events": max(events), "per_execution": events, "seconds": time.perf_counter() - started}


def simulate_previous(rows: int, *, page_size: int = 100, items_per_page: int = 1,
                      timeout: float = 7200) -> dict[str, Any]:
    """Run the previous parent (one execution for the whole table) over a simulated table of ``rows``."""
    plan = page_plan(rows, page_size)
    pages = [("ScanTenants" if i == 0 else "ScanMoreTenants", n, i < len(plan) - 1) for i, n in enumerate(plan)]
    asl = stub_child(json.loads(PREVIOUS.read_text().replace("${TenantsTable}", TABLE)), "$.tenantId")
    started = time.perf_counter()
    with LocalEngine(mock_config=mock_config("sim-previous", [pages], items_per_page)) as engine:
        engine.create_state_machine("sim-previous", json.dumps(asl))
        result = engine.run("sim-previous", EVENT, test_case="part1", timeout=timeout)
        returned = sum(min(n, items_per_page) for n in plan)
        assert result.ok() and result.output["updated"] == returned, (result.error, str(result.output)[:300])
    events = len(result.history)
    return {"rows": rows, "pages": len(plan), "executions": 1, "events": events, "max_events": events,
            "per_execution": [events], "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rows", type=int, nargs="?", default=1_000_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--pages-per-execution", type=int, default=100)
    parser.add_argument("--previous-rows", type=int, default=200_000)
    parser.add_argument("--items-per-page", type=int, default=1)
    args = parser.parse_args()
    print(f"simulated table: {args.rows:,} live tenant rows, page size {args.page_size}, rollout "
          f"{args.pages_per_execution} pages per execution; AWS limit {LIMIT:,} events per execution", flush=True)
    rollout = simulate_rollout(args.rows, page_size=args.page_size, pages_per_execution=args.pages_per_execution,
                               items_per_page=args.items_per_page)
    print(f"rollout done in {rollout['seconds']:.0f} s", flush=True)
    previous_rows = min(args.rows, args.previous_rows)
    previous = simulate_previous(previous_rows, page_size=args.page_size, items_per_page=args.items_per_page)
    print(f"previous done in {previous['seconds']:.0f} s ({previous_rows:,} rows)", flush=True)
    print()
    print("| machine | rows | pages | executions | events (all executions) | max events of one execution | "
          "vs 25,000 | local run s |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for name, m in (("rollout", rollout), ("previous", previous)):
        verdict = "within" if m["max_events"] <= LIMIT else f"{m['max_events'] / LIMIT:.1f}x over"
        print(f"| {name} | {m['rows']:,} | {m['pages']:,} | {m['executions']:,} | {m['events']:,} | "
              f"{m['max_events']:,} | {verdict} | {m['seconds']:.0f} |")
    if previous_rows < args.rows:
        per_page = (previous["events"] - 10) / previous["pages"]
        pages = math.ceil(args.rows / args.page_size)
        events = round(10 + per_page * pages)
        print(f"| previous (EXTRAPOLATED, linear in pages from {previous_rows:,} rows) | {args.rows:,} | {pages:,} | "
              f"1 | ~{events:,} | ~{events:,} | {events / LIMIT:.1f}x over | |")
        print(f"previous: {per_page:.2f} events per page -> one execution passes {LIMIT:,} events at "
              f"~{LIMIT / per_page * args.page_size:,.0f} rows")
    counts = sorted(set(rollout["per_execution"]))
    print(f"rollout: events per execution {counts[0]:,}..{counts[-1]:,} (first, middle and last differ a little); "
          f"{rollout['events'] / rollout['pages']:.2f} events per page over all executions")


if __name__ == "__main__":
    main()
