"""tenant-stack-delete on the local engine."""

from __future__ import annotations

import pytest

from tests.patterns.tenant_stacks_fakes import StackScript, cfn_error_names, deploy_template, stack_script  # noqa: F401
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import DELETE_FAILED, PLACEHOLDERS, tenant_stack_create, tenant_stack_delete

TABLE = PLACEHOLDERS["TenantsTable"]
APP_TABLE = PLACEHOLDERS["AppTable"]


def event(kind: str, tenant: str) -> dict:
    return {"source": "tenants", "detail-type": f"Tenant {kind}", "detail": {"tenantId": tenant}}


@pytest.fixture
def engine(local_engine: LocalEngine, stack_script: StackScript) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    create_table(local_engine, APP_TABLE)
    deploy_template(local_engine)
    for machine in (tenant_stack_create(), tenant_stack_delete()):
        local_engine.create_state_machine(machine.name, machine.substituted())
    assert local_engine.run("tenant-stack-create", event("Created", "acme")).ok()
    return local_engine


def status(engine: LocalEngine) -> dict:
    item = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "acme"}})["Item"]
    return {k: next(iter(v.values())) for k, v in item.items()}


def test_waits_while_updating_then_deletes(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.hold("tenant-acme", "UPDATE_IN_PROGRESS", 3)
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.ok(), (result.error, result.cause)
    assert [s for kind, s in result.waits if kind == "Wait"] == [5, 10, 20]
    assert result.state_names.index("DeleteStack") > result.state_names.index("BusyWait")
    assert stack_script.calls[("DeleteStack", "tenant-acme")] == 1
    assert engine.client("cloudformation").describe_stacks()["Stacks"] == []
    assert engine.client("iam").list_roles(PathPrefix="/tenant-role/")["Roles"] == []
    item = status(engine)
    assert item["status"] == "DELETED" and "tenantRoleArn" not in item


def test_delete_twice_succeeds(engine: LocalEngine, stack_script: StackScript) -> None:
    assert engine.run("tenant-stack-delete", event("Deleted", "acme")).ok()
    again = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert again.ok(), (again.error, again.cause)
    assert "DeleteStack" not in again.state_names  # nothing left to delete
    assert stack_script.calls[("DeleteStack", "tenant-acme")] == 1
    assert status(engine)["status"] == "DELETED"


def test_delete_failed_is_named(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.after_delete["tenant-acme"] = ("DELETE_FAILED", "TenantRole: role has attached policies")
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.status == "FAILED" and result.error == DELETE_FAILED
    assert result.cause == "TenantRole: role has attached policies"
    item = status(engine)
    assert item["status"] == "DELETE_FAILED" and item["statusReason"] == "TenantRole: role has attached policies"


def test_throttled_describe_is_retried_not_taken_for_missing(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.throttle["tenant-acme"] = 2
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.ok(), result.cause
    assert stack_script.calls[("DeleteStack", "tenant-acme")] == 1  # throttling did not read as "gone"
    started = [e for e in result.history if e["type"] == "ParallelStateStarted"]
    assert len(started) == 3  # the classified describe ran three times: two throttled, one answered
    assert [kind for kind, _ in result.waits].count("Retry") == 2


def test_delete_unknown_tenant_invents_no_row(engine: LocalEngine, stack_script: StackScript) -> None:
    result = engine.run("tenant-stack-delete", event("Deleted", "nobody"))
    assert result.ok(), (result.error, result.cause)
    assert "MarkTenantDeleted" in result.state_names and "NoTenantToMark" in result.state_names
    assert "DeleteStack" not in result.state_names
    assert "Item" not in engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "nobody"}})
    assert status(engine)["status"] == "ACTIVE"  # the known tenant is untouched
