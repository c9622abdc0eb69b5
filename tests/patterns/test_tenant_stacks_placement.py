"""Tenant stacks over several accounts (issue 15, "Beyond one account") on the local engine: three tenant
accounts in moto, each with its provisioning role, boundary and app table (``tenant_accounts``).

AWS documentation these tests hold the machines to:
- quotas that make one account too small: IAM roles per account 1,000 by default
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html), CloudFormation stacks
  2,000 per region by default (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html);
- a task's ``Credentials.RoleArn`` is assumed by the execution role, in the role's account, and the role's
  trust policy must allow that execution role
  (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html);
- TransactWriteItems applies all of its writes or none, and a cancelled transaction lists one reason per
  item (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html).
"""

from __future__ import annotations

import json

import pytest

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    StackScript, account_client, cfn_error_names, changed_template, deploy_template, platform_roles, stack_script,
    tenant_accounts,
)
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import (
    INVALID_TENANT_ID, PLACEHOLDERS, tenant_stack_create, tenant_stack_delete, tenant_stack_update,
)
from workflows.patterns.tenant_stacks.common import LOCAL_TENANT_ACCOUNTS, PLACEMENT_PLACEHOLDERS
from workflows.patterns.tenant_stacks.placement import (
    COUNTER_PREFIX, NO_ACCOUNT_CAPACITY, PROVISIONING_REFUSED, AccountPlacement,
)
from workflows.patterns.tenant_stacks.update_one import tenant_stack_update_one

TABLE = PLACEHOLDERS["TenantsTable"]
A1, A2, A3 = LOCAL_TENANT_ACCOUNTS
TEMPLATE_URL = f"https://{PLACEHOLDERS['TemplateBucket']}.s3.amazonaws.com/{PLACEHOLDERS['TemplateKey']}"


def created(tenant: str) -> dict:
    return {"source": "tenants", "detail-type": "Tenant Created", "detail": {"tenantId": tenant}}


@pytest.fixture
def local_engine(shared_engine: LocalEngine) -> LocalEngine:
    """One engine for the module, every backend but Step Functions' emptied before each test
    (tests/patterns/conftest.py): the lifecycle machines are created once, not for every test (``deploy``)."""
    return shared_engine


@pytest.fixture
def callers(local_engine: LocalEngine) -> str:
    """The platform account: tenants table, app table, template; returns the execution role the lifecycle
    machines run under (the TenantCallers role: the delete's purge assumes tenant roles)."""
    create_table(local_engine, TABLE, sk=None)
    create_table(local_engine, PLACEHOLDERS["AppTable"])
    deploy_template(local_engine)
    return platform_roles(local_engine)


@pytest.fixture
def engine(local_engine: LocalEngine, callers: str) -> LocalEngine:
    tenant_accounts(local_engine, [callers])
    return local_engine


def deploy(engine: LocalEngine, machine, role: str, **values: str) -> None:
    """``machine`` under its name, run by ``role``: the module's engine keeps its machines from test to
    test, so the same again is left as it is and another one under that name replaces it."""
    engine.deploy_state_machine(machine.name, machine.substituted(values), role_arn=role)


def row(engine: LocalEngine, pk: str) -> dict:
    item = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": pk}}, ConsistentRead=True)
    return {k: next(iter(v.values())) for k, v in item.get("Item", {}).items()}


def stacks(engine: LocalEngine, account: str) -> set[str]:
    cfn = account_client(engine, "cloudformation", account)
    return {s["StackName"] for s in cfn.describe_stacks()["Stacks"] if s["StackStatus"] != "DELETE_COMPLETE"}


def test_placement_fills_an_account_then_the_next(engine: LocalEngine, callers: str,
                                                  stack_script: StackScript) -> None:
    deploy(engine, tenant_stack_create(placement=AccountPlacement(2)), callers)
    tenants = ["t1", "t2", "t3", "t4", "t5"]
    for tenant in tenants:
        result = engine.run("tenant-stack-create", created(tenant))
        assert result.ok(), (result.error, result.cause)
    placed = {t: row(engine, t)["accountId"] for t in tenants}
    assert placed == {"t1": A1, "t2": A1, "t3": A2, "t4": A2, "t5": A3}
    assert {a: row(engine, COUNTER_PREFIX + a)["tenants"] for a in (A1, A2, A3)} == {A1: "2", A2: "2", A3: "1"}
    assert stacks(engine, A1) == {"tenant-t1", "tenant-t2"} and stacks(engine, A3) == {"tenant-t5"}
    assert stacks(engine, A2) == {"tenant-t3", "tenant-t4"}
    assert not engine.client("cloudformation").describe_stacks()["Stacks"]  # nothing in the platform account
    for tenant, account in placed.items():
        item = row(engine, tenant)
        assert item["status"] == "ACTIVE" and item["tenantRoleArn"].startswith(f"arn:aws:iam::{account}:role/tenant-role/")
        iam = account_client(engine, "iam", account)
        role = iam.get_role(RoleName=item["tenantRoleArn"].rsplit("/", 1)[-1])["Role"]
        assert role["Arn"] == item["tenantRoleArn"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
            f"arn:aws:iam::{account}:policy/{PLACEMENT_PLACEHOLDERS['TenantBoundaryName']}")
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert [s["Principal"] for s in trust["Statement"]] == [{"AWS": [PLACEHOLDERS["TenantCallers"]]}]
    # every CloudFormation call went through the provisioning role of the tenant's account
    assert stack_script.calls[("CreateStack", "tenant-t5")] == 1


def test_a_repeated_create_keeps_the_tenants_account(engine: LocalEngine, callers: str,
                                                     stack_script: StackScript) -> None:
    deploy(engine, tenant_stack_create(placement=AccountPlacement(1)), callers)
    for tenant in ("t1", "t2", "t1", "t2"):
        result = engine.run("tenant-stack-create", created(tenant))
        assert result.ok(), (result.error, result.cause)
    assert (row(engine, "t1")["accountId"], row(engine, "t2")["accountId"]) == (A1, A2)
    assert {a: row(engine, COUNTER_PREFIX + a).get("tenants") for a in (A1, A2, A3)} == {A1: "1", A2: "1", A3: None}
    assert stacks(engine, A3) == set()


def test_every_account_full_is_a_named_error_recorded_on_the_row(engine: LocalEngine, callers: str,
                                                                  stack_script: StackScript) -> None:
    deploy(engine, tenant_stack_create(placement=AccountPlacement(1)), callers, TenantAccounts=f"{A1},{A2}")
    for tenant in ("t1", "t2"):
        assert engine.run("tenant-stack-create", created(tenant)).ok()
    full = engine.run("tenant-stack-create", created("t3"))
    assert (full.status, full.error) == ("FAILED", NO_ACCOUNT_CAPACITY)
    assert f"every tenant account holds 1 tenants ({A1}, {A2})" in full.cause
    item = row(engine, "t3")
    assert (item["status"], item["stackStatus"]) == ("CREATE_FAILED", "NO_ACCOUNT_CAPACITY")
    assert item["statusReason"] == full.cause and "accountId" not in item
    assert all("tenant-t3" not in stacks(engine, a) for a in (A1, A2, A3))
    # a new account, then the same event again: placed there
    deploy(engine, tenant_stack_create("tenant-stack-create-3", placement=AccountPlacement(1)), callers)
    again = engine.run("tenant-stack-create-3", created("t3"))
    assert again.ok(), (again.error, again.cause)
    assert row(engine, "t3")["accountId"] == A3 and stacks(engine, A3) == {"tenant-t3"}


def test_a_provisioning_role_that_does_not_trust_the_machine_fails_the_create(
        engine: LocalEngine, stack_script: StackScript) -> None:
    """The engine enforces the provisioning role's trust: only the lifecycle machines' roles may assume it."""
    deploy(engine, tenant_stack_create(placement=AccountPlacement(5)), engine.default_role_arn())
    result = engine.run("tenant-stack-create", created("t1"))
    assert (result.status, result.error) == ("FAILED", PROVISIONING_REFUSED)
    role = f"arn:aws:iam::{A1}:role/{PLACEMENT_PLACEHOLDERS['ProvisioningRoleName']}"
    assert result.cause.startswith(f"the provisioning role {role} could not be used: ")
    assert f"its trust policy does not allow sts:AssumeRole by {engine.default_role_arn()}" in result.cause
    item = row(engine, "t1")
    assert (item["status"], item["stackStatus"], item["statusReason"]) == (
        "CREATE_FAILED", "PROVISIONING_REFUSED", result.cause)
    assert stacks(engine, A1) == set() and stack_script.calls[("CreateStack", "tenant-t1")] == 0


def test_counter_items_are_skipped_by_the_rollouts_scan(engine: LocalEngine, callers: str,
                                                        stack_script: StackScript) -> None:
    """The rollout scans ``#status <> DELETED`` (rollout.scan_arguments): a counter carries DELETED."""
    deploy(engine, tenant_stack_create(placement=AccountPlacement(1)), callers)
    for tenant in ("t1", "t2"):
        assert engine.run("tenant-stack-create", created(tenant)).ok()
    from workflows.patterns.tenant_stacks.rollout import scan_arguments
    assert "'#status <> :deleted'" in scan_arguments(10, TABLE, from_cursor=False)["FilterExpression"]
    seen = engine.client("dynamodb").scan(TableName=TABLE, FilterExpression="#status <> :deleted",
                                          ExpressionAttributeNames={"#status": "status"},
                                          ExpressionAttributeValues={":deleted": {"S": "DELETED"}})["Items"]
    assert sorted(i["pk"]["S"] for i in seen) == ["t1", "t2"]
    everything = engine.client("dynamodb").scan(TableName=TABLE)["Items"]
    assert sorted(i["pk"]["S"] for i in everything) == [COUNTER_PREFIX + A1, COUNTER_PREFIX + A2, "t1", "t2"]


def deleted(tenant: str) -> dict:
    return {"source": "tenants", "detail-type": "Tenant Deleted", "detail": {"tenantId": tenant}}


def app_items(engine: LocalEngine, account: str) -> list[str]:
    items = account_client(engine, "dynamodb", account).scan(TableName=PLACEHOLDERS["AppTable"])["Items"]
    return sorted(f"{i['pk']['S']}/{i['sk']['S']}" for i in items)


@pytest.fixture
def lifecycle(engine: LocalEngine, callers: str) -> LocalEngine:
    """create and delete, one tenant per account (A1, A2, A3 in turn)."""
    deploy(engine, tenant_stack_create(placement=AccountPlacement(1)), callers)
    deploy(engine, tenant_stack_delete(placement=AccountPlacement(1)), callers)
    return engine


def test_delete_purges_and_removes_the_stack_in_the_tenants_account_and_frees_its_place(
        lifecycle: LocalEngine, stack_script: StackScript) -> None:
    engine = lifecycle
    for tenant in ("t1", "t2"):
        assert engine.run("tenant-stack-create", created(tenant)).ok()
    role = row(engine, "t1")["tenantRoleArn"]
    for account, pk in ((A1, "t1"), (A1, "t1#Order"), (A2, "t2")):
        account_client(engine, "dynamodb", account).put_item(
            TableName=PLACEHOLDERS["AppTable"], Item={"pk": {"S": pk}, "sk": {"S": "1"}})
    result = engine.run("tenant-stack-delete", deleted("t1"))
    assert result.ok(), (result.error, result.cause)
    # the purge ran under t1's own role, which lives in A1: assumed across accounts by the platform's role
    assert role.startswith(f"arn:aws:iam::{A1}:role/tenant-role/")
    assert app_items(engine, A1) == [] and app_items(engine, A2) == ["t2/1"]
    assert stacks(engine, A1) == set() and stacks(engine, A2) == {"tenant-t2"}
    iam = account_client(engine, "iam", A1)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=role.rsplit("/", 1)[-1])
    item = row(engine, "t1")
    assert item["status"] == "DELETED" and "accountId" not in item and "tenantRoleArn" not in item
    assert row(engine, COUNTER_PREFIX + A1)["tenants"] == "0"
    # the freed place is taken by the next tenant, before A3
    assert engine.run("tenant-stack-create", created("t3")).ok()
    assert row(engine, "t3")["accountId"] == A1 and stacks(engine, A1) == {"tenant-t3"}


def test_a_delete_whose_provisioning_role_refuses_it_keeps_the_tenant_placed(
        lifecycle: LocalEngine, stack_script: StackScript) -> None:
    engine = lifecycle
    assert engine.run("tenant-stack-create", created("t1")).ok()
    deploy(engine, tenant_stack_delete("untrusted-delete", placement=AccountPlacement(1)), engine.default_role_arn())
    result = engine.run("untrusted-delete", deleted("t1"))
    assert (result.status, result.error) == ("FAILED", PROVISIONING_REFUSED)
    assert "its trust policy does not allow sts:AssumeRole" in result.cause
    item = row(engine, "t1")
    assert (item["status"], item["accountId"], item["statusReason"]) == ("DELETE_FAILED", A1, result.cause)
    assert stacks(engine, A1) == {"tenant-t1"} and row(engine, COUNTER_PREFIX + A1)["tenants"] == "1"
    # the event again, by the trusted machine: deleted, place freed
    assert engine.run("tenant-stack-delete", deleted("t1")).ok()
    assert stacks(engine, A1) == set() and row(engine, COUNTER_PREFIX + A1)["tenants"] == "0"


def test_deleting_twice_frees_the_place_once(lifecycle: LocalEngine, stack_script: StackScript) -> None:
    engine = lifecycle
    assert engine.run("tenant-stack-create", created("t1")).ok()
    for _ in range(2):
        result = engine.run("tenant-stack-delete", deleted("t1"))
        assert result.ok(), (result.error, result.cause)
    assert row(engine, COUNTER_PREFIX + A1)["tenants"] == "0"
    assert engine.run("tenant-stack-delete", deleted("never-created")).ok()
    assert row(engine, "never-created") == {}
    counter = engine.run("tenant-stack-delete", deleted(COUNTER_PREFIX + A1))  # never taken for a tenant
    assert (counter.status, counter.error) == ("FAILED", INVALID_TENANT_ID)
    assert row(engine, COUNTER_PREFIX + A1) == {"pk": COUNTER_PREFIX + A1, "tenants": "0", "status": "DELETED"}


def uses_new_template(engine: LocalEngine, account: str, tenant: str) -> bool:
    body = account_client(engine, "cloudformation", account).get_template(StackName=f"tenant-{tenant}")["TemplateBody"]
    return "dynamodb:DescribeTable" in (body if isinstance(body, str) else json.dumps(body))


@pytest.fixture
def placed(engine: LocalEngine, callers: str, stack_script: StackScript) -> LocalEngine:
    """t1, t2, t3 in A1, A2, A3 (one per account), then a changed template in the bucket."""
    deploy(engine, tenant_stack_create(placement=AccountPlacement(1)), callers)
    for tenant in ("t1", "t2", "t3"):
        assert engine.run("tenant-stack-create", created(tenant)).ok()
    deploy_template(engine, changed_template())
    return engine


def test_update_one_updates_the_stack_in_the_tenants_account(placed: LocalEngine, callers: str) -> None:
    deploy(placed, tenant_stack_update_one(placement=AccountPlacement(1)), callers)
    result = placed.run("tenant-stack-update-one", {"tenantId": "t2", "templateUrl": TEMPLATE_URL})
    assert result.ok() and result.output == {"tenantId": "t2", "outcome": "updated"}, result
    assert uses_new_template(placed, A2, "t2") and not uses_new_template(placed, A1, "t1")
    stack = account_client(placed, "cloudformation", A2).describe_stacks(StackName="tenant-t2")["Stacks"][0]
    boundary = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}["PermissionsBoundaryArn"]
    assert boundary == f"arn:aws:iam::{A2}:policy/{PLACEMENT_PLACEHOLDERS['TenantBoundaryName']}"


def test_update_one_reports_a_tenant_never_placed(placed: LocalEngine, callers: str) -> None:
    deploy(placed, tenant_stack_update_one(placement=AccountPlacement(1)), callers)
    placed.client("dynamodb").put_item(TableName=TABLE, Item={"pk": {"S": "t9"}, "status": {"S": "CREATING"}})
    result = placed.run("tenant-stack-update-one", {"tenantId": "t9", "templateUrl": TEMPLATE_URL})
    assert result.ok(), result
    assert result.output == {"tenantId": "t9", "outcome": "failed", "status": "NOT_PLACED",
                             "reason": "tenant t9 is CREATING and names no account"}
    gone = placed.run("tenant-stack-update-one", {"tenantId": "t8", "templateUrl": TEMPLATE_URL})
    assert gone.output["outcome"] == "deleted", gone


def test_update_one_under_an_untrusted_role_is_a_failed_outcome(placed: LocalEngine) -> None:
    deploy(placed, tenant_stack_update_one(placement=AccountPlacement(1)), placed.default_role_arn())
    result = placed.run("tenant-stack-update-one", {"tenantId": "t1", "templateUrl": TEMPLATE_URL})
    assert result.ok() and result.output["outcome"] == "failed", result
    assert "its trust policy does not allow sts:AssumeRole" in result.output["reason"]
    assert not uses_new_template(placed, A1, "t1")


def test_a_rollout_updates_every_tenant_in_its_own_account(placed: LocalEngine, callers: str) -> None:
    machine = tenant_stack_update(waves=(), max_failure_percent=None, placement=AccountPlacement(1))
    deploy(placed, machine, callers)
    event = {"source": "aws.s3", "detail-type": "Object Created",
             "detail": {"bucket": {"name": PLACEHOLDERS["TemplateBucket"]}, "object": {"key": PLACEHOLDERS["TemplateKey"]}}}
    result = placed.run("tenant-stack-update", event)
    assert result.ok(), (result.error, result.cause)
    assert {k: result.output[k] for k in ("updated", "unchanged", "deleted", "failedCount")} == {
        "updated": 3, "unchanged": 0, "deleted": 0, "failedCount": 0}  # the counters are not tenants
    assert all(uses_new_template(placed, a, t) for a, t in ((A1, "t1"), (A2, "t2"), (A3, "t3")))


def placement_graph() -> str:
    """The README's graph of placement: create's placement chain, its neighbours as stand-in end states."""
    from workflows.core import STANDARD, Fail, StateMachine, Succeed
    from workflows.core.graph import render
    from workflows.patterns.tenant_stacks.common import _read_row
    from workflows.patterns.tenant_stacks.placement import check_provisioning, place

    create = Succeed("CreateStackInTheAccount")
    chain = place(AccountPlacement(1000), placed=check_provisioning(create, Fail("ProvisioningRoleRefused")),
                  lost=Fail("TenantDeletedMeanwhile"), full=Fail("NoAccountCapacity"), expired=Fail("CreateTimedOut"),
                  deadline=3600, read_row=lambda name: _read_row(name, account=True), guard=lambda state: state)
    machine = StateMachine("tenant-placement", start=chain, type=STANDARD,
                           placeholders={"TenantsTable": TABLE, **PLACEMENT_PLACEHOLDERS})
    return render(machine.to_asl())


def test_readme_placement_graph_is_the_placement_chain() -> None:
    from pathlib import Path
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- placement graph -->\n```mermaid\n(.*?)```", readme, re.DOTALL)
    assert found, "README.md lacks the placement graph (<!-- placement graph --> before a mermaid block)"
    assert found.group(1) == placement_graph(), "README's placement graph is stale: paste placement_graph()"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "900"])
def test_tenants_per_account_must_be_a_positive_int(bad: object) -> None:
    from workflows.core import BuildError

    with pytest.raises(BuildError, match="tenants_per_account must be a positive int"):
        AccountPlacement(bad)  # type: ignore[arg-type]


def test_placed_machines_name_the_accounts_and_roles_by_placeholders() -> None:
    """Deploy-time values: the accounts (create only: it places), the provisioning role and boundary names;
    the platform's single boundary ARN is no longer used."""
    placement = AccountPlacement(900)
    create, delete = tenant_stack_create(placement=placement), tenant_stack_delete(placement=placement)
    one, rollout = tenant_stack_update_one(placement=placement), tenant_stack_update(placement=placement)
    acting = {"ProvisioningRoleName", "TenantBoundaryName"}
    assert create.used_placeholders() >= acting | {"TenantAccounts", "TenantCallers"}
    assert "TenantBoundary" not in create.used_placeholders() | one.used_placeholders() | rollout.used_placeholders()
    for machine in (delete, one, rollout):
        assert machine.used_placeholders() >= acting and "TenantAccounts" not in machine.used_placeholders()
    assert tenant_stack_create().used_placeholders().isdisjoint(PLACEMENT_PLACEHOLDERS)


def test_a_tenant_task_assumes_the_tenants_role_in_its_account(placed: LocalEngine, callers: str) -> None:
    """What a resolver does with the authorizer's ``tenantRoleArn``: a task under that role, run by the
    TenantCallers role of the platform account, reads the tenant's own items in the tenant's account; another
    tenant's key is refused there by the role's policy and boundary."""
    for account, pk in ((A2, "t2"), (A2, "t9")):
        account_client(placed, "dynamodb", account).put_item(
            TableName=PLACEHOLDERS["AppTable"], Item={"pk": {"S": pk}, "sk": {"S": "1"}, "home": {"S": account}})
    role = row(placed, "t2")["tenantRoleArn"]
    assert role.startswith(f"arn:aws:iam::{A2}:")
    states = {"Get": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                      "Credentials": {"RoleArn.$": "$.role"},
                      "Parameters": {"TableName": PLACEHOLDERS["AppTable"],
                                     "Key": {"pk": {"S.$": "$.pk"}, "sk": {"S": "1"}}}, "End": True}}
    placed.create_state_machine("tenant-get", {"StartAt": "Get", "States": states}, role_arn=callers)
    own = placed.run("tenant-get", {"role": role, "pk": "t2"})
    assert own.ok() and own.output["Item"]["home"] == {"S": A2}, own
    other = placed.run("tenant-get", {"role": role, "pk": "t9"})
    assert (other.status, other.error) == ("FAILED", "DynamoDB.AccessDeniedException")
    assert f"arn:aws:sts::{A2}:assumed-role/" in other.cause
