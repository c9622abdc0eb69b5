"""tenant-stack-update on the local engine: pages of the tenants table, a Distributed Map per page."""

from __future__ import annotations

import json

import pytest

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    PLATFORM_PARAMETER_LIST, StackScript, cfn_error_names, changed_template, deploy_template, stack_script,
)
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import (
    MISSING_POLLS, PLACEHOLDERS, TEMPLATE_PARAMETERS, UPDATE_FAILED, tenant_stack_update,
)

TABLE = PLACEHOLDERS["TenantsTable"]
PAGE = 20


def template_event() -> dict:
    return {"source": "aws.s3", "detail-type": "Object Created",
            "detail": {"bucket": {"name": PLACEHOLDERS["TemplateBucket"]},
                       "object": {"key": PLACEHOLDERS["TemplateKey"]}}}


def seed(engine: LocalEngine, count: int) -> list[str]:
    """``count`` tenants with CREATE_COMPLETE stacks from the current template (made directly, faster
    than running tenant-stack-create for each), plus one deleted tenant that must be skipped."""
    url = deploy_template(engine)
    cfn, ddb = engine.client("cloudformation"), engine.client("dynamodb")
    tenants = [f"t{i:04d}" for i in range(count)]
    for tenant in tenants:
        cfn.create_stack(StackName=f"tenant-{tenant}", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"],
                         Parameters=[{"ParameterKey": "TenantId", "ParameterValue": tenant},
                                     {"ParameterKey": "RoleName", "ParameterValue": f"r-{tenant}-x"},
                                     {"ParameterKey": "AppTableName", "ParameterValue": "app-table"},
                                     *PLATFORM_PARAMETER_LIST])
        ddb.put_item(TableName=TABLE, Item={"pk": {"S": tenant}, "stackName": {"S": f"tenant-{tenant}"},
                                            "status": {"S": "ACTIVE"}})
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": "gone"}, "stackName": {"S": "tenant-gone"},
                                        "status": {"S": "DELETED"}})
    return tenants


@pytest.fixture(scope="module")
def machines(module_engine: LocalEngine) -> None:
    """The rollout, created once for the module (tests/patterns/conftest.py)."""
    # one wave, never stopped: these tests are about each tenant's outcome (waves: test_tenant_stacks_rollout.py)
    machine = tenant_stack_update(page_size=PAGE, waves=(), max_failure_percent=None)
    module_engine.create_state_machine(machine.name, machine.substituted())


@pytest.fixture
def local_engine(shared_engine: LocalEngine, machines: None) -> LocalEngine:
    """The module's engine with empty backends but its machines (also what ``stack_script`` uses)."""
    return shared_engine


@pytest.fixture
def engine(local_engine: LocalEngine, stack_script: StackScript) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    return local_engine


def counts(summary: dict) -> dict:
    """The rollout record's counts and failure sample (the rest is the rollout's bookkeeping)."""
    return {k: summary[k] for k in ("updated", "unchanged", "failedCount", "failed")}


def uses_new_template(engine: LocalEngine, tenant: str) -> bool:
    body = engine.client("cloudformation").get_template(StackName=f"tenant-{tenant}")["TemplateBody"]
    return "dynamodb:DescribeTable" in (body if isinstance(body, str) else json.dumps(body))


def test_small_update_succeeds_with_summary(engine: LocalEngine, stack_script: StackScript) -> None:
    tenants = seed(engine, 5)
    deploy_template(engine, changed_template())
    result = engine.run("tenant-stack-update", template_event())
    assert result.ok(), (result.error, result.cause)
    assert counts(result.output) == {"updated": 5, "unchanged": 0, "failedCount": 0, "failed": []}
    assert all(uses_new_template(engine, t) for t in tenants)
    assert ("UpdateStack", "tenant-gone") not in stack_script.calls


def test_50_tenants_over_pages_one_failure_does_not_stop_others(
        engine: LocalEngine, stack_script: StackScript) -> None:
    # 50 tenants: three pages of 20 per pass, the last one partial -- the same pages this test had with
    # 100 tenants at 40 a page (the suite's time goes to tenants: each is a stack and a child execution;
    # bench/tenant_stacks_rollout.py runs 1,000 and 5,000)
    tenants = seed(engine, 50)
    new_url = deploy_template(engine, changed_template())
    cfn = engine.client("cloudformation")
    # already on the new template -> "No updates are to be performed"
    cfn.update_stack(StackName="tenant-t0011", TemplateURL=new_url, Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": k, "UsePreviousValue": True} for k in TEMPLATE_PARAMETERS])
    stack_script.hold("tenant-t0007", "CREATE_IN_PROGRESS", 2)  # still being created: waited for
    stack_script.after_update["tenant-t0013"] = ("UPDATE_ROLLBACK_COMPLETE", "TenantRole: policy too large")
    updates_before = sum(n for (call, _), n in stack_script.calls.items() if call == "UpdateStack")

    result = engine.run("tenant-stack-update", template_event(), timeout=300)

    assert result.status == "FAILED" and result.error == UPDATE_FAILED
    summary = json.loads(result.cause)
    assert counts(summary) == {"updated": 48, "unchanged": 1, "failedCount": 1, "failed": [
        {"tenantId": "t0013", "status": "UPDATE_ROLLBACK_COMPLETE", "reason": "TenantRole: policy too large"}]}
    assert all(uses_new_template(engine, t) for t in tenants if t != "t0013")
    calls = stack_script.calls
    # 49: the unchanged tenant's UpdateStack is refused by moto's API layer before its backend
    assert sum(n for (call, _), n in calls.items() if call == "UpdateStack") - updates_before == 49
    assert calls[("DescribeStacks", "tenant-t0007")] == 4  # 2 held + updatable + after update
    scans = [e for e in result.history if e["type"] == "TaskScheduled"
             and e["taskScheduledEventDetails"]["resourceType"] == "aws-sdk:dynamodb"]
    # 51 items (one deleted, filtered) at 20 per page, read twice: the canary pass finds none marked
    assert len(scans) == 6
    # the parent's history grows with pages, not tenants
    assert len(result.history) < 25 * len(scans)


def test_tenant_without_result_is_counted_failed(engine: LocalEngine, stack_script: StackScript) -> None:
    """moto 5.2.5 crashes a child whose UpdateStack hits its UsePreviousValue KeyError (a parameter
    left to its default at creation). On AWS a Distributed Map with no tolerated failures would then
    fail (https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html) and the
    parent end without a summary; the parent tolerates it, names the tenant and records it on its item."""
    seed(engine, 2)
    url = deploy_template(engine)
    engine.client("cloudformation").create_stack(
        StackName="tenant-old", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": "TenantId", "ParameterValue": "old"},
                    {"ParameterKey": "RoleName", "ParameterValue": "r-old-x"}, *PLATFORM_PARAMETER_LIST])
    engine.client("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": "old"}, "stackName": {"S": "tenant-old"},
                                                              "status": {"S": "ACTIVE"}})
    deploy_template(engine, changed_template())
    result = engine.run("tenant-stack-update", template_event())
    assert result.error == UPDATE_FAILED
    summary = json.loads(result.cause)
    assert summary["updated"] == 2 and summary["failedCount"] == 1
    assert summary["failed"] == [{"tenantId": "old", "status": "CHILD_FAILED",
                                  "reason": "the tenant update ended without a result"}]
    item = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "old"}})["Item"]
    assert item["lastRollout"]["M"]["outcome"] == {"S": "failed"}
    assert item["lastRollout"]["M"]["status"] == {"S": "CHILD_FAILED"}
    assert item["lastRollout"]["M"]["rolloutId"] == {"S": summary["id"]}


def add_row(engine: LocalEngine, tenant: str, status: str) -> None:
    engine.client("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": tenant}, "stackName": {"S": f"tenant-{tenant}"}, "status": {"S": status}})


def test_creating_tenant_is_waited_for_until_its_stack_appears(
        engine: LocalEngine, stack_script: StackScript) -> None:
    seed(engine, 2)
    add_row(engine, "late", "CREATING")  # registered; CreateStack not accepted yet
    # more "does not exist" answers than a throttling Retry would sit through (1 + 6 attempts)
    stack_script.appear_after("tenant-late", MISSING_POLLS - 1, "late")
    deploy_template(engine, changed_template())
    result = engine.run("tenant-stack-update", template_event())
    assert result.ok(), (result.error, result.cause)
    assert counts(result.output) == {"updated": 3, "unchanged": 0, "failedCount": 0, "failed": []}
    assert uses_new_template(engine, "late")
    # 7 "does not exist" + found (updatable) + polled after UpdateStack
    assert stack_script.calls[("DescribeStacks", "tenant-late")] == MISSING_POLLS + 1
    assert stack_script.calls[("UpdateStack", "tenant-late")] == 1


def test_missing_stacks_fail_without_retrying_as_throttling(engine: LocalEngine, stack_script: StackScript) -> None:
    seed(engine, 1)
    add_row(engine, "stuck", "CREATING")  # its stack never appears: bounded wait, then reported
    add_row(engine, "lost", "ACTIVE")  # an active tenant without a stack: reported at once
    deploy_template(engine, changed_template())
    result = engine.run("tenant-stack-update", template_event())
    assert result.error == UPDATE_FAILED
    summary = json.loads(result.cause)
    assert summary["updated"] == 1 and summary["unchanged"] == 0
    failed = {f.pop("tenantId"): f for f in summary["failed"]}
    assert sorted(failed) == ["lost", "stuck"] and {f["status"] for f in failed.values()} == {"DOES_NOT_EXIST"}
    # CloudFormation's own message (AWS appends "(Service: CloudFormation, ... Request ID: ...)")
    assert failed["lost"]["reason"].startswith("Stack with id tenant-lost does not exist")
    assert failed["stuck"]["reason"].startswith(
        f"the tenant was still CREATING after {MISSING_POLLS} polls: Stack with id tenant-stuck does not exist")
    assert stack_script.calls[("DescribeStacks", "tenant-lost")] == 1
    assert stack_script.calls[("DescribeStacks", "tenant-stuck")] == MISSING_POLLS + 1
