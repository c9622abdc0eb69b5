"""tenant-stack-update as a rollout on the local engine: durable failures, waves, stop/resume/rollback,
successor executions. Small pages and the CloudFormation fake keep it fast."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    StackScript, cfn_error_names, changed_template, deploy_template, stack_script,
)
from tests.patterns.test_tenant_stacks_update import TABLE, seed, template_event, uses_new_template
from workflows.local.engine import ExecutionResult, LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import PLACEHOLDERS, UPDATE_FAILED, tenant_stack_update
from workflows.patterns.tenant_stacks.rollout import REASON_SAMPLE, ROLLOUT_ATTRIBUTE, SAMPLE
from workflows.patterns.tenant_stacks.update import ROLLOUT_STOPPED

CAUSE_LIMIT = 32_768  # Fail Cause / execution cause (Step Functions quotas)
STATE_LIMIT = 256 * 1024  # a state's input/output payload


@pytest.fixture
def table(local_engine: LocalEngine, stack_script: StackScript) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    return local_engine


def machine(engine: LocalEngine, **options: Any) -> str:
    built = tenant_stack_update(**options)
    name = f"rollout-{len(engine._machines)}"
    engine.create_state_machine(name, built.substituted())
    return name


def scan_order(engine: LocalEngine) -> list[str]:
    """Tenant ids in the order the machine's scans meet them (DynamoDB's order, not ours)."""
    items = engine.client("dynamodb").scan(TableName=TABLE)["Items"]
    return [i["pk"]["S"] for i in items if i["status"]["S"] != "DELETED"]


def updates(stack_script: StackScript) -> dict[str, int]:
    return {stack[len("tenant-"):]: n for (call, stack), n in stack_script.calls.items() if call == "UpdateStack"}


def last_rollout(engine: LocalEngine, tenant: str) -> dict[str, str] | None:
    item = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": tenant}})["Item"]
    record = item.get(ROLLOUT_ATTRIBUTE)
    return {k: v["S"] for k, v in record["M"].items()} if record else None


def payload_sizes(result: ExecutionResult) -> list[int]:
    sizes = []
    for event in result.history:
        for key, details in event.items():
            if key.endswith("EventDetails") and isinstance(details, dict):
                for field in ("input", "output"):
                    if isinstance(details.get(field), str):
                        sizes.append(len(details[field].encode()))
    return sizes


def entered(history: list[dict[str, Any]], state: str) -> list[dict[str, Any]]:
    """The inputs of each entry into ``state``."""
    return [json.loads(e["stateEnteredEventDetails"]["input"]) for e in history
            if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] == state]


def scans(history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(e["taskScheduledEventDetails"]["parameters"]) for e in history
            if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resource"] == "scan"]


def scan_limits(result: ExecutionResult, canary_pass: bool = False) -> list[int]:
    """The Limit of each scan of one pass (the canary pass's filter names the marked items)."""
    return [s["Limit"] for s in scans(result.history)
            if ("#canary = :canary" in s["FilterExpression"].replace("<>", "")) == canary_pass]


def test_many_failures_go_to_the_table_and_the_summary_stays_small(table: LocalEngine,
                                                                   stack_script: StackScript) -> None:
    """Issue 15 #7: 30 failing tenants with 4,000-character reasons. The old parent put every
    failure in its state and Fail cause (~155 failures pass 32,768 characters); now each is on
    its tenant's item, the cause holds counts and the first 20, and no payload grows with failures.

    Sized for the boundaries, not for "many" (each tenant costs a stack and a child execution; this
    test had 60 tenants with 2,000-character reasons at 10 a page): 30 failures are more than the
    sample of 20, their reasons together are the same ~120 KB (past the 64 KB payload bound below),
    and pages of 5 keep the 14 tallies and one page's reasons at the same ~20 KB."""
    tenants = seed(table, 30)
    for tenant in tenants:
        stack_script.after_update[f"tenant-{tenant}"] = ("UPDATE_ROLLBACK_COMPLETE", "policy too large " * 240)
    deploy_template(table, changed_template())
    result = table.run(machine(table, page_size=5, waves=(), max_failure_percent=None), template_event(), timeout=300)
    assert (result.status, result.error) == ("FAILED", UPDATE_FAILED)
    assert len(result.cause) < CAUSE_LIMIT
    summary = json.loads(result.cause)
    assert (summary["updated"], summary["failedCount"], len(summary["failed"])) == (0, 30, SAMPLE)
    assert all(len(f["reason"]) == REASON_SAMPLE for f in summary["failed"])
    assert ROLLOUT_ATTRIBUTE in summary["failures"] and summary["id"] in summary["failures"]
    # the full list: every tenant's item, with the rollout's id and the status
    records = {t: last_rollout(table, t) for t in tenants}
    assert all(r["rolloutId"] == summary["id"] and r["outcome"] == "failed"
               and r["status"] == "UPDATE_ROLLBACK_COMPLETE" for r in records.values())
    # bounded: the last page's tally is no bigger than once the sample was full
    tallies = [len(e["stateExitedEventDetails"]["output"]) for e in result.history
               if e["type"] == "PassStateExited" and e["stateExitedEventDetails"]["name"] == "TallyPage"]
    # 31 rows (one deleted) at 5 a page, read twice (the canary pass finds none marked); the sample is
    # full from the rest pass's page 5 at the latest
    assert len(tallies) == 14 and tallies[-1] <= tallies[7 + 4] + 50
    assert max(payload_sizes(result)) < 64 * 1024 < STATE_LIMIT


def test_row_missing_status_is_updated_not_crashed(table: LocalEngine, stack_script: StackScript) -> None:
    """Issue 15 #8: a row without ``status`` (or ``stackName``) must not crash the child: the stack
    name comes from the tenant id and the status is UNKNOWN (not CREATING, so no wait)."""
    seed(table, 2)
    table.client("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": "t0001"}})  # both fields gone
    deploy_template(table, changed_template())
    result = table.run(machine(table, page_size=10), template_event())
    assert result.ok(), (result.error, result.cause)
    assert (result.output["updated"], result.output["failedCount"]) == (2, 0)
    assert uses_new_template(table, "t0001") and last_rollout(table, "t0001")["outcome"] == "updated"


def test_canary_failure_stops_the_rollout_and_leaves_the_rest_untouched(
        table: LocalEngine, stack_script: StackScript) -> None:
    seed(table, 12)
    order = scan_order(table)
    stack_script.after_update[f"tenant-{order[0]}"] = ("UPDATE_ROLLBACK_COMPLETE", "bad template")
    deploy_template(table, changed_template())
    result = table.run(machine(table, page_size=5), template_event())
    assert (result.status, result.error) == ("FAILED", ROLLOUT_STOPPED)
    stopped = json.loads(result.cause)
    assert stopped["wave"] == 0 and stopped["stopped"].startswith("wave 0: 1 of 1 tenants failed")
    assert updates(stack_script) == {order[0]: 1}
    assert not any(uses_new_template(table, t) for t in order[1:])
    assert all(last_rollout(table, t) is None for t in order[1:])


def test_waves_grow_then_take_the_rest(table: LocalEngine, stack_script: StackScript) -> None:
    tenants = seed(table, 12)
    table.client("dynamodb").delete_item(TableName=TABLE, Key={"pk": {"S": "gone"}})  # exact Limits below
    deploy_template(table, changed_template())
    result = table.run(machine(table, page_size=3, waves=(1, 2, 4)), template_event())
    assert result.ok(), (result.error, result.cause)
    assert (result.output["updated"], result.output["wave"]) == (12, 3)
    # each scan asks for at most a page and at most the rest of its wave: 1 | 2 | 3+1 | 3+3 (the rest,
    # 5 tenants: the first scan ends with a LastEvaluatedKey, the second finds 2 and none)
    assert scan_limits(result) == [1, 2, 3, 1, 3, 3]
    # first the canary pass (none marked): pages of 3, no wave bound, no Map run
    assert scan_limits(result, canary_pass=True) == [3, 3, 3, 3]
    assert len(entered(result.history, "UpdatePage")) == 6
    assert all(uses_new_template(table, t) for t in tenants)


def test_count_threshold_stop_then_resume_then_rollback(table: LocalEngine, stack_script: StackScript) -> None:
    """A wave past ``max_failures`` stops; ``{"resume": record}`` goes on with the next wave;
    ``{"rollback": ...}`` puts back the previous template on exactly the tenants the rollout touched."""
    seed(table, 10)
    # the previous version (moto reads the newest object whatever ?versionId says, so another key)
    previous = "previous/tenant-stack.json"
    table.client("s3").copy_object(Bucket=PLACEHOLDERS["TemplateBucket"], Key=previous,
                                   CopySource={"Bucket": PLACEHOLDERS["TemplateBucket"],
                                               "Key": PLACEHOLDERS["TemplateKey"]})
    old_url = f"https://{PLACEHOLDERS['TemplateBucket']}.s3.amazonaws.com/{previous}"
    order = scan_order(table)
    for tenant in order[1:3]:  # two failures in wave 1 (tenants 1-3)
        stack_script.after_update[f"tenant-{tenant}"] = ("UPDATE_ROLLBACK_COMPLETE", "bad template")
    deploy_template(table, changed_template())
    name = machine(table, page_size=5, waves=(1, 3), max_failures=1, max_failure_percent=None)

    first = table.run(name, template_event())
    assert first.error == ROLLOUT_STOPPED
    stopped = json.loads(first.cause)
    assert (stopped["wave"], stopped["waveFailed"], stopped["failedCount"]) == (1, 2, 2)
    assert set(updates(stack_script)) == set(order[:4])
    assert "more than 1 failures" in stopped["stopped"]

    resumed = table.run(name, {"resume": stopped})
    assert resumed.error == UPDATE_FAILED  # the two failures stay counted
    summary = json.loads(resumed.cause)
    assert (summary["id"], summary["updated"], summary["failedCount"], summary["part"]) == (stopped["id"], 8, 2, 2)
    assert all(updates(stack_script)[t] == 1 for t in order)  # nobody updated twice
    assert all(uses_new_template(table, t) for t in order if t not in order[1:3])

    before = dict(updates(stack_script))
    stack_script.after_update.clear()  # (moto kept the new template on the two "rolled back" stacks)
    untouched = "late"  # a tenant the rollout never reached: the rollback leaves it alone
    table.client("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": untouched}, "status": {"S": "ACTIVE"}})
    back = table.run(name, {"rollback": {"rolloutId": stopped["id"], "templateUrl": old_url}})
    assert back.ok(), (back.error, back.cause)
    assert back.output["rollbackOf"] == stopped["id"] and back.output["updated"] + back.output["unchanged"] == 10
    assert not any(uses_new_template(table, t) for t in order)
    assert {t: n - before.get(t, 0) for t, n in updates(stack_script).items() if n != before.get(t, 0)} == {
        t: 1 for t in order}
    assert last_rollout(table, untouched) is None


def wait(engine: LocalEngine, arn: str, timeout: float = 120) -> ExecutionResult:
    """The execution ``arn`` (a successor started by the machine) once it has ended: the engine's own
    wait (it reads moto's status without a request; a sleep-and-describe loop cost a DescribeExecution
    every 50 ms)."""
    return engine.wait(arn, timeout=timeout)


def test_successor_executions_carry_the_cursor_and_counts(table: LocalEngine, stack_script: StackScript) -> None:
    """After ``pages_per_execution`` pages the parent starts its successor
    (arn:aws:states:::states:startExecution, https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html)
    with the rollout record and ends: each execution's history is bounded by that many pages."""
    tenants = seed(table, 14)
    deploy_template(table, changed_template())
    first = table.run(machine(table, page_size=3, waves=(), pages_per_execution=2), template_event())
    assert first.ok(), (first.error, first.cause)
    chain, output = [first], first.output
    while "continuedAs" in output:
        successor = wait(table, output["continuedAs"])
        assert successor.ok(), (successor.error, successor.cause)
        output = successor.output
        chain.append(successor.history)
    # 15 rows (one deleted) at 3 per page: 5 pages in each pass (canary, rest), 2 per execution
    assert len(chain) == 5
    assert (output["updated"], output["part"], output["id"]) == (14, 5, first.output["id"])
    assert all(uses_new_template(table, t) for t in tenants)
    sizes = [len(first.history)] + [len(h) for h in chain[1:]]
    assert max(sizes) < 2 * 25 + 15  # two pages' events plus the start and the hand-over
    assert chain[1][-1]["type"] == "ExecutionSucceeded" and json.loads(
        chain[1][0]["executionStartedEventDetails"]["input"])["continue"]["cursor"]


def test_event_version_pins_the_template_url(table: LocalEngine, stack_script: StackScript) -> None:
    """The S3 event's ``detail.object.version-id`` (a versioned bucket) is pinned in the URL every
    tenant gets, so one rollout applies one set of bytes even if the key is overwritten meanwhile."""
    seed(table, 2)
    deploy_template(table, changed_template())
    event = template_event()
    event["detail"]["object"]["version-id"] = "3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY"
    result = table.run(machine(table), event)
    assert result.ok(), (result.error, result.cause)
    assert result.output["templateUrl"].endswith("/tenant-stack.json?versionId=3HL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY")
    assert last_rollout(table, "t0000")["templateUrl"] == result.output["templateUrl"]


def test_outcome_of_a_tenant_removed_meanwhile_does_not_recreate_its_item(
        table: LocalEngine, stack_script: StackScript, monkeypatch: pytest.MonkeyPatch) -> None:
    """The outcome write is conditional (attribute_exists(pk)): a tenant whose item disappears
    during its update is still counted, but no item holding only ``lastRollout`` appears."""
    from moto.cloudformation.models import CloudFormationBackend

    seed(table, 2)
    deploy_template(table, changed_template())
    patched = CloudFormationBackend.update_stack

    def update_then_remove(self: CloudFormationBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "tenant-t0001":
            table.client("dynamodb").delete_item(TableName=TABLE, Key={"pk": {"S": "t0001"}})
        return patched(self, name, *args, **kwargs)

    monkeypatch.setattr(CloudFormationBackend, "update_stack", update_then_remove)
    result = table.run(machine(table), template_event())
    assert result.ok(), (result.error, result.cause)
    assert result.output["updated"] == 2
    assert "Item" not in table.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "t0001"}})
    assert last_rollout(table, "t0000")["outcome"] == "updated"


# -- marked canaries: tenants whose item has canary = true go first, as a wave of their own

def mark(engine: LocalEngine, tenants: list[str], value: bool = True) -> None:
    """How an operator marks a canary: ``SET canary = :t`` with ``{":t": {"BOOL": true}}``."""
    for tenant in tenants:
        engine.client("dynamodb").update_item(TableName=TABLE, Key={"pk": {"S": tenant}},
                                              UpdateExpression="SET canary = :t",
                                              ExpressionAttributeValues={":t": {"BOOL": value}})


def map_pages(history: list[dict[str, Any]]) -> list[tuple[str, int, list[str]]]:
    """(pass, wave, tenant ids) of each page a Distributed Map ran, in order."""
    return [(i["rollout"]["pass"], i["rollout"]["wave"], [item["pk"]["S"] for item in i["page"]["Items"]])
            for i in entered(history, "UpdatePage")]


def split_passes(pages: list[tuple[str, int, list[str]]]) -> tuple[list[str], list[str]]:
    """Tenants of the canary pass and of the rest pass; every canary page comes before every other."""
    kinds = [kind for kind, _, _ in pages]
    assert kinds == sorted(kinds), kinds  # 'canary' < 'rest': no canary page after a rest page
    return ([t for kind, _, ids in pages if kind == "canary" for t in ids],
            [t for kind, _, ids in pages if kind == "rest" for t in ids])


def wave_sizes(pages: list[tuple[str, int, list[str]]], kind: str = "rest") -> list[int]:
    """Tenants per counted wave of one pass (a filtered item counts for no wave: a scan's Limit may
    then return fewer, and the wave takes another page)."""
    sizes: dict[int, int] = {}
    for pass_, wave, ids in pages:
        if pass_ == kind:
            sizes[wave] = sizes.get(wave, 0) + len(ids)
    return [sizes[w] for w in sorted(sizes)]


def test_marked_canaries_go_first_in_a_wave_of_their_own(table: LocalEngine, stack_script: StackScript) -> None:
    """Tenants marked ``canary = true`` are updated before any other, in a wave of their own (a Scan
    cannot order: a first pass filters on the mark, https://docs.aws.amazon.com/amazondynamodb/latest/
    developerguide/Scan.html#Scan.FilterExpression); then the counted waves start at 1 as without marks.
    ``canary = false`` is not marked."""
    tenants = seed(table, 12)
    order = scan_order(table)
    canaries = [order[-1], order[5]]  # late in the scan order: a single scan would meet them last
    mark(table, canaries)
    mark(table, [order[0]], value=False)
    deploy_template(table, changed_template())
    result = table.run(machine(table, page_size=5, waves=(1, 2)), template_event())
    assert result.ok(), (result.error, result.cause)
    first, rest = split_passes(map_pages(result.history))
    assert sorted(first) == sorted(canaries)
    assert sorted(rest) == sorted(set(tenants) - set(canaries))
    assert rest[0] == order[0] and wave_sizes(map_pages(result.history)) == [1, 2, 7]  # waves 1, 2, the rest
    assert (result.output["canaries"], result.output["updated"], result.output["pass"]) == (2, 12, "rest")
    assert all(n == 1 for n in updates(stack_script).values()) and len(updates(stack_script)) == 12
    assert all(uses_new_template(table, t) for t in tenants)


def ten_tenants_with_a_failing_canary(table: LocalEngine, stack_script: StackScript, marked: tuple[int, ...],
                                      failing: int, page_size: int) -> tuple[list[str], list[str], str]:
    """10 tenants, those at ``marked`` (scan positions) canaries, the one at ``failing`` rolled back by
    the update, a changed template deployed: (scan order, canaries, the rollout machine's name)."""
    seed(table, 10)
    order = scan_order(table)
    canaries = [order[i] for i in marked]
    mark(table, canaries)
    stack_script.after_update[f"tenant-{order[failing]}"] = ("UPDATE_ROLLBACK_COMPLETE", "bad template")
    deploy_template(table, changed_template())
    return order, canaries, machine(table, page_size=page_size)


def test_canary_wave_over_threshold_stops_before_any_unmarked_tenant_then_resumes(
        table: LocalEngine, stack_script: StackScript) -> None:
    """1 of 3 marked canaries failing (33% > 10%) stops the rollout at the end of the canary pass: no
    unmarked tenant is updated or recorded. Resumed, the rollout goes on with the counted waves (from
    the table's start, canaries excluded) and updates nobody twice."""
    order, canaries, name = ten_tenants_with_a_failing_canary(table, stack_script, (3, 7, 8), failing=7, page_size=20)

    first = table.run(name, template_event())
    assert (first.status, first.error) == ("FAILED", ROLLOUT_STOPPED)
    stopped = json.loads(first.cause)
    assert stopped["pass"] == "canary" and stopped["stopped"].startswith("canary wave: 1 of 3 tenants failed")
    assert set(updates(stack_script)) == set(canaries)
    assert all(last_rollout(table, t) is None for t in order if t not in canaries)

    resumed = table.run(name, {"resume": stopped})
    assert resumed.error == UPDATE_FAILED  # the canary's failure stays counted
    summary = json.loads(resumed.cause)
    assert (summary["updated"], summary["failedCount"], summary["canaries"], summary["part"]) == (9, 1, 3, 2)
    assert wave_sizes(map_pages(resumed.history)) == [1, 6]  # the counted waves, from the first (1, 10)
    _, rest = split_passes(map_pages(resumed.history))
    assert sorted(rest) == sorted(set(order) - set(canaries))
    assert all(updates(stack_script)[t] == 1 for t in order)


def test_canary_stopped_mid_pass_resumes_with_the_canaries_left(
        table: LocalEngine, stack_script: StackScript) -> None:
    """A canary failing on the first page stops the rollout with the pass's cursor kept; resumed, the
    canaries left are updated before any unmarked tenant."""
    order, canaries, name = ten_tenants_with_a_failing_canary(table, stack_script, (0, 5, 9), failing=0, page_size=3)

    first = table.run(name, template_event())
    assert first.error == ROLLOUT_STOPPED
    stopped = json.loads(first.cause)
    assert stopped["pass"] == "canary" and stopped["cursor"] and stopped["stopped"].startswith("canary wave: 1 of 1")
    assert set(updates(stack_script)) == {order[0]}

    stack_script.after_update.clear()
    resumed = table.run(name, {"resume": stopped})
    assert resumed.error == UPDATE_FAILED
    left, rest = split_passes(map_pages(resumed.history))
    assert sorted(left) == sorted(canaries[1:]) and sorted(rest) == sorted(set(order) - set(canaries))
    summary = json.loads(resumed.cause)
    assert (summary["updated"], summary["failedCount"], summary["canaries"]) == (9, 1, 3)
    assert all(updates(stack_script)[t] == 1 for t in order)


def test_successor_executions_keep_the_pass(table: LocalEngine, stack_script: StackScript) -> None:
    """Successors (https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html)
    carry the pass with its cursor: one started mid canary pass goes on with the canaries, one started
    when the canary pass has just ended starts the rest pass from the table's start."""
    tenants = seed(table, 11)  # 12 rows with the deleted one: 4 pages of 3 in each pass
    order = scan_order(table)
    canaries = [order[1], order[10]]
    mark(table, canaries)
    deploy_template(table, changed_template())
    first = table.run(machine(table, page_size=3, waves=(), pages_per_execution=2), template_event())
    assert first.ok(), (first.error, first.cause)
    histories, output = [first.history], first.output
    while "continuedAs" in output:
        successor = wait(table, output["continuedAs"])
        assert successor.ok(), (successor.error, successor.cause)
        output = successor.output
        histories.append(successor.history)
    assert len(histories) == 4 and (output["updated"], output["canaries"]) == (11, 2)
    carried = [json.loads(h[0]["executionStartedEventDetails"]["input"])["continue"] for h in histories[1:]]
    assert (carried[0]["pass"], bool(carried[0]["cursor"])) == ("canary", True)
    assert (carried[1]["pass"], carried[1]["cursor"]) == ("rest", None)  # the hand-over at the pass's end
    first_pass, rest = split_passes([p for h in histories for p in map_pages(h)])
    assert sorted(first_pass) == sorted(canaries) and sorted(rest) == sorted(set(tenants) - set(canaries))
    assert all(n == 1 for n in updates(stack_script).values())


def _history_bench() -> Any:
    """bench/tenant_stacks_history.py, the simulation this test runs small (bench/ is not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "tenant_stacks_history.py"
    spec = importlib.util.spec_from_file_location("tenant_stacks_history", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_simulated_table_every_execution_stays_under_a_bound_independent_of_rows() -> None:
    """The bounded-history bench, small: the real parent over a mocked table (scans with
    LastEvaluatedKey, a stub child, the successor started by the harness), 5 pages per execution.
    Doubling the rows doubles the executions, not the events of any one; the previous machine's one
    history doubles. AWS caps a STANDARD execution at 25,000 events
    (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html)."""
    bench = _history_bench()
    # 100 and 200 rows (this test ran 150 and 300): both chains already hold several full executions of
    # 5 pages in each pass, so the largest execution is the same, and the previous machine's single
    # history (156 and 306 events) still doubles and passes the bound; every row is a stub child
    runs = {rows: bench.simulate_rollout(rows, page_size=10, pages_per_execution=5, waves=(1,), items_per_page=10)
            for rows in (100, 200)}
    # 100 rows: 10 empty pages of the canary pass, then 1 + 10 pages (wave 1, then the rest)
    assert (runs[100]["pages"], runs[100]["executions"]) == (21, 5)
    assert (runs[200]["pages"], runs[200]["executions"]) == (41, 9)
    bound = 5 * 25 + 30  # five pages' events, the start and the hand-over: no term in rows
    assert all(events < bound for run in runs.values() for events in run["per_execution"])
    assert runs[200]["max_events"] == runs[100]["max_events"]
    previous = {rows: bench.simulate_previous(rows, page_size=10, items_per_page=10)["events"] for rows in (100, 200)}
    assert previous[200] > 1.9 * previous[100] and previous[200] > bound
