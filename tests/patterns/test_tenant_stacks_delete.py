"""tenant-stack-delete on the local engine."""

from __future__ import annotations

import pytest

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    DynamoThrottle, StackScript, cfn_error_names, deploy_template, dynamo_throttle, platform_roles, stack_script,
)
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import (
    DELETE_FAILED, PLACEHOLDERS, TENANT_DELETED, tenant_stack_create, tenant_stack_delete,
)

TABLE = PLACEHOLDERS["TenantsTable"]
APP_TABLE = PLACEHOLDERS["AppTable"]


def event(kind: str, tenant: str) -> dict:
    return {"source": "tenants", "detail-type": f"Tenant {kind}", "detail": {"tenantId": tenant}}


@pytest.fixture(scope="module")
def machines(module_engine: LocalEngine) -> None:
    """The create and delete machines, created once for the module (tests/patterns/conftest.py)."""
    callers = platform_roles(module_engine)  # its ARN; the role itself is made again for each test
    create, delete = tenant_stack_create(), tenant_stack_delete()
    module_engine.create_state_machine(create.name, create.substituted())
    module_engine.create_state_machine(delete.name, delete.substituted(), role_arn=callers)  # its purge assumes tenant roles


@pytest.fixture
def local_engine(shared_engine: LocalEngine, machines: None) -> LocalEngine:
    """The module's engine with empty backends but its machines (also what ``stack_script`` uses)."""
    return shared_engine


@pytest.fixture
def engine(local_engine: LocalEngine, stack_script: StackScript) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    create_table(local_engine, APP_TABLE)
    deploy_template(local_engine)
    platform_roles(local_engine)
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
    # the patient describe ran once, its classified call three times (two throttled, one answered),
    # then the describe after DeleteStack (outer and inner)
    assert len(started) == 6
    assert [kind for kind, _ in result.waits].count("Retry") == 2


def test_delete_unknown_tenant_invents_no_row(engine: LocalEngine, stack_script: StackScript) -> None:
    result = engine.run("tenant-stack-delete", event("Deleted", "nobody"))
    assert result.ok(), (result.error, result.cause)
    assert "MarkTenantDeleted" in result.state_names and "NoTenantToMark" in result.state_names
    assert "DeleteStack" not in result.state_names
    assert "Item" not in engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "nobody"}})
    assert status(engine)["status"] == "ACTIVE"  # the known tenant is untouched


# -- issue 15 ----------------------------------------------------------------------------------------
ACME_ITEMS = [("acme", "ENTITY#1"), ("acme#User", "ENTITY#u1"), ("acme#User", "ENTITY#u2"),
              ("acme#UNIQUE#User.email#a@acme.io", "CONSTRAINT"), ("acme#Order", "ENTITY#o1")]
OTHERS = [("globex", "ENTITY#1"), ("globex#User", "ENTITY#u1"), ("acme-eu#User", "ENTITY#x"),  # not acme's
          ("acmecorp", "ENTITY#1")]


def put_items(engine: LocalEngine, keys: list[tuple[str, str]]) -> None:
    for pk, sk in keys:
        engine.client("dynamodb").put_item(TableName=APP_TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk},
                                                                       "name": {"S": "x"}})


def app_keys(engine: LocalEngine) -> set[tuple[str, str]]:
    items = engine.client("dynamodb").scan(TableName=APP_TABLE)["Items"]
    return {(i["pk"]["S"], i["sk"]["S"]) for i in items}


def test_delete_purges_only_the_tenants_items_page_by_page(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 3: every item whose partition is the tenant's (``acme``, ``acme#...``, the unique-constraint
    records included) goes; ``acme-eu``'s and ``acmecorp``'s items, which only share a prefix, stay."""
    machine = tenant_stack_delete("delete-small-pages", purge_page=2)
    engine.create_state_machine(machine.name, machine.substituted(), role_arn=platform_roles(engine))
    put_items(engine, ACME_ITEMS + OTHERS)
    result = engine.run("delete-small-pages", event("Deleted", "acme"))
    assert result.ok(), (result.error, result.cause)
    assert app_keys(engine) == set(OTHERS)
    assert result.state_names.count("ScanMoreTenantItems") == 4  # 9 items, 2 per page
    assert result.state_names.index("PurgePage") < result.state_names.index("DeleteStack")  # role still there
    assert status(engine)["status"] == "DELETED"


def test_purge_runs_under_the_tenants_own_role(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 3: the deletes run with the tenant's role (Task ``Credentials``), whose policy allows only
    items with the tenant's leading keys (IAM ``dynamodb:LeadingKeys``, DynamoDB developer guide "Using
    IAM policy conditions for fine-grained access control"): given globex's role, acme's purge is denied,
    nothing is deleted, and the failure is recorded."""
    assert engine.run("tenant-stack-create", event("Created", "globex")).ok()
    ddb = engine.client("dynamodb")
    globex_role = ddb.get_item(TableName=TABLE, Key={"pk": {"S": "globex"}})["Item"]["tenantRoleArn"]
    ddb.update_item(TableName=TABLE, Key={"pk": {"S": "acme"}}, UpdateExpression="SET tenantRoleArn = :r",
                    ExpressionAttributeValues={":r": globex_role})
    put_items(engine, ACME_ITEMS + OTHERS)
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.status == "FAILED" and result.error == DELETE_FAILED
    # each denied child fails (DynamoDB.AccessDeniedException) and the Distributed Map, with no tolerated
    # failures, fails the page (AWS "Setting failure thresholds for Distributed Map states"; the engine
    # enforces it): the purge is recorded as not done
    assert result.cause.startswith("States.ExceedToleratedFailureThreshold")
    assert app_keys(engine) == set(ACME_ITEMS + OTHERS)
    item = status(engine)
    assert item["status"] == "DELETE_FAILED" and "DeleteStack" not in result.state_names


def test_recreated_tenant_starts_empty(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 3: a tenant id deleted and created again sees none of the old tenant's items."""
    put_items(engine, ACME_ITEMS + OTHERS)
    assert engine.run("tenant-stack-delete", event("Deleted", "acme")).ok()
    again = engine.run("tenant-stack-create", event("Created", "acme"))
    assert again.ok(), (again.error, again.cause)
    assert status(engine)["status"] == "ACTIVE"
    assert not [k for k in app_keys(engine) if k[0] == "acme" or k[0].startswith("acme#")]


def test_delete_during_create_is_not_undone(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 2: a delete that runs between RegisterTenant and CreateStack wins: the create finds the row
    no longer its own, deletes the stack it made, and fails with TenantStack.TenantDeleted."""
    deleted: list = []
    stack_script.before_create["tenant-initech"] = lambda: deleted.append(
        engine.run("tenant-stack-delete", event("Deleted", "initech")))
    result = engine.run("tenant-stack-create", event("Created", "initech"))
    assert deleted and deleted[0].ok(), (deleted[0].error, deleted[0].cause)
    assert result.status == "FAILED" and result.error == TENANT_DELETED
    assert "SupersededDeleteStack" in result.state_names
    row = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "initech"}})["Item"]
    assert row["status"]["S"] == "DELETED" and "tenantRoleArn" not in row
    assert not [s for s in engine.client("cloudformation").describe_stacks()["Stacks"]
                if s["StackName"] == "tenant-initech"]
    roles = engine.client("iam").list_roles(PathPrefix="/tenant-role/")["Roles"]
    assert len(roles) == 1  # acme's only


def timed(kind: str, tenant: str, time: str) -> dict:
    return {**event(kind, tenant), "time": time}


def test_late_duplicate_create_does_not_bring_a_deleted_tenant_back(
        engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 2: events are ordered by their ``time``: a "Tenant Created" older than the delete is refused,
    a newer one creates the tenant again."""
    assert engine.run("tenant-stack-create", timed("Created", "hooli", "2026-01-01T00:00:00Z")).ok()
    assert engine.run("tenant-stack-delete", timed("Deleted", "hooli", "2026-01-02T00:00:00Z")).ok()
    late = engine.run("tenant-stack-create", timed("Created", "hooli", "2026-01-01T00:00:00Z"))
    assert late.status == "FAILED" and late.error == TENANT_DELETED
    assert "is DELETED" in late.cause
    assert not [s for s in engine.client("cloudformation").describe_stacks()["Stacks"] if s["StackName"] == "tenant-hooli"]
    newer = engine.run("tenant-stack-create", timed("Created", "hooli", "2026-01-03T00:00:00Z"))
    assert newer.ok(), (newer.error, newer.cause)
    stale = engine.run("tenant-stack-delete", timed("Deleted", "hooli", "2026-01-02T00:00:00Z"))
    assert stale.ok() and "StaleDelete" in stale.state_names and "DeleteStack" not in stale.state_names
    row = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "hooli"}})["Item"]
    assert row["status"]["S"] == "ACTIVE"


def test_create_while_deleting_is_refused(engine: LocalEngine, stack_script: StackScript) -> None:
    engine.client("dynamodb").update_item(TableName=TABLE, Key={"pk": {"S": "acme"}},
                                          UpdateExpression="SET #s = :d", ExpressionAttributeNames={"#s": "status"},
                                          ExpressionAttributeValues={":d": {"S": "DELETING"}})
    result = engine.run("tenant-stack-create", event("Created", "acme"))
    assert result.status == "FAILED" and result.error == TENANT_DELETED
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 1  # the fixture's, none since
    assert status(engine)["status"] == "DELETING"


def test_throttled_mark_deleted_is_retried(engine: LocalEngine, stack_script: StackScript,
                                           dynamo_throttle: DynamoThrottle) -> None:
    """Defect 4: a throttle while marking the tenant deleted is retried, so the row never stays ACTIVE
    pointing at a deleted role."""
    dynamo_throttle.refuse("update_item", TABLE, "ProvisionedThroughputExceededException", 3,
                           when=lambda *a, **kw: "REMOVE tenantRoleArn" in kw.get("update_expression", ""))
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.ok(), (result.error, result.cause)
    assert dynamo_throttle.refused[("update_item", "ProvisionedThroughputExceededException")] == 3
    item = status(engine)
    assert item["status"] == "DELETED" and "tenantRoleArn" not in item


def test_throttled_purge_scan_is_retried(engine: LocalEngine, stack_script: StackScript,
                                         dynamo_throttle: DynamoThrottle) -> None:
    put_items(engine, ACME_ITEMS)
    dynamo_throttle.refuse("scan", APP_TABLE, "ThrottlingException", 2)
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.ok(), (result.error, result.cause)
    failures = [e["taskFailedEventDetails"]["error"] for e in result.history if e["type"] == "TaskFailed"]
    # aws-sdk integration: DynamoDb.<SDK exception class>; DynamoDB's model now lists ThrottlingException
    assert failures == ["DynamoDb.ThrottlingException"] * 2
    assert app_keys(engine) == set()


def test_delete_stuck_in_progress_ends_at_the_deadline(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 6: a stack that stays DELETE_IN_PROGRESS is recorded DELETE_FAILED once the deadline passes."""
    stack_script.after_delete["tenant-acme"] = ("DELETE_IN_PROGRESS", "stuck")
    result = engine.run("tenant-stack-delete", event("Deleted", "acme"))
    assert result.status == "FAILED" and result.error == DELETE_FAILED
    assert result.cause == "still DELETE_IN_PROGRESS after waiting 3615 s (the deadline)"
    item = status(engine)
    assert item["status"] == "DELETE_FAILED" and item["stackStatus"] == "DELETE_IN_PROGRESS"
