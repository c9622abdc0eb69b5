"""The update child (update_one) on its own: one tenant in, one record out, whatever happens (issue 15).

It runs here as a machine of its own so that its records can be checked without the paging parent."""

from __future__ import annotations

import json

import pytest
from moto.cloudformation.exceptions import ValidationError

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    PLATFORM_PARAMETER_LIST, StackScript, cfn_error_names, changed_template, deploy_template, stack_script, versioned_templates,
)
from workflows.core import STANDARD, StateMachine
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import PLACEHOLDERS, PLATFORM_PLACEHOLDERS, TEMPLATE_PARAMETERS
from workflows.patterns.tenant_stacks.update_one import update_one

TABLE = PLACEHOLDERS["TenantsTable"]
BUCKET, KEY = PLACEHOLDERS["TemplateBucket"], PLACEHOLDERS["TemplateKey"]
URL = f"https://{BUCKET}.s3.amazonaws.com/{KEY}"


@pytest.fixture(scope="module")
def machines(module_engine: LocalEngine) -> None:
    """The child as a machine, created once for the module (tests/patterns/conftest.py)."""
    machine = StateMachine("tenant-update-one", start=update_one(), type=STANDARD,
                           placeholders={"TenantsTable": TABLE, **PLATFORM_PLACEHOLDERS})
    module_engine.create_state_machine(machine.name, machine.substituted())


@pytest.fixture
def local_engine(shared_engine: LocalEngine, machines: None) -> LocalEngine:
    """The module's engine with empty backends but its machines (also what ``stack_script`` uses)."""
    return shared_engine


@pytest.fixture
def engine(local_engine: LocalEngine, stack_script: StackScript) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    return local_engine


def tenant(engine: LocalEngine, name: str, status: str = "ACTIVE", *, stack: bool = True) -> None:
    url = deploy_template(engine)
    if stack:
        engine.client("cloudformation").create_stack(
            StackName=f"tenant-{name}", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"],
            Parameters=[{"ParameterKey": "TenantId", "ParameterValue": name},
                        {"ParameterKey": "RoleName", "ParameterValue": f"r-{name}-x"},
                        {"ParameterKey": "AppTableName", "ParameterValue": "app-table"}, *PLATFORM_PARAMETER_LIST])
    engine.client("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": name}, "stackName": {"S": f"tenant-{name}"}, "status": {"S": status}})


def run(engine: LocalEngine, name: str, **extra: object) -> dict:
    child = {"tenantId": name, "stackName": f"tenant-{name}", "tenantStatus": "ACTIVE", "templateUrl": URL,
             "poll": {"seconds": 5}, "missing": {"count": 0}, **extra}
    result = engine.run("tenant-update-one", child)
    assert result.ok(), (result.error, result.cause)  # the child never fails
    return result.output


def body(engine: LocalEngine, name: str) -> str:
    got = engine.client("cloudformation").get_template(StackName=f"tenant-{name}")["TemplateBody"]
    return got if isinstance(got, str) else json.dumps(got)


def test_concurrent_update_in_progress_is_waited_on(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 9: CloudFormation refuses UpdateStack while another update runs ("... is in UPDATE_IN_PROGRESS
    state and can not be updated"); the child waits for it, then updates."""
    tenant(engine, "acme")
    deploy_template(engine, changed_template())
    stack_script.refuse_update["tenant-acme"] = [ValidationError(
        message="Stack:arn:aws:cloudformation:us-east-1:123456789012:stack/tenant-acme/1 is in "
                "UPDATE_IN_PROGRESS state and can not be updated.")]
    assert run(engine, "acme") == {"tenantId": "acme", "outcome": "updated"}
    assert stack_script.calls[("UpdateStack", "tenant-acme")] == 2
    assert "dynamodb:DescribeTable" in body(engine, "acme")


def test_status_check_throttled_beyond_retries_then_complete_is_updated(
        engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 9: a status check throttled 7 times (1 + 6 retries) waits and asks again."""
    tenant(engine, "acme")
    deploy_template(engine, changed_template())
    stack_script.throttle["tenant-acme"] = 8
    assert run(engine, "acme") == {"tenantId": "acme", "outcome": "updated"}


@pytest.mark.parametrize("row", ["DELETED", "DELETING", None])
def test_tenant_deleted_during_the_run_is_not_a_failure(engine: LocalEngine, stack_script: StackScript,
                                                        row: str | None) -> None:
    """Defect 9: the stack is gone because the tenant was deleted after the page was read: outcome deleted."""
    deploy_template(engine)
    if row:
        tenant(engine, "acme", row, stack=False)
    out = run(engine, "acme")
    assert out == {"tenantId": "acme", "outcome": "deleted", "status": row or "NO_ROW",
                   "reason": "the tenant was deleted during the update"}


def test_stack_deleting_during_the_run_is_waited_then_deleted(engine: LocalEngine, stack_script: StackScript) -> None:
    tenant(engine, "acme", "DELETING")
    stack_script.hold("tenant-acme", "DELETE_IN_PROGRESS", 1)
    stack_script.vanish["tenant-acme"] = 1
    assert run(engine, "acme")["outcome"] == "deleted"


def test_rejected_update_shows_the_current_status(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 9: the status reported with a refusal is read after it, not before."""
    tenant(engine, "acme")
    deploy_template(engine, changed_template())
    stack_script.held["tenant-acme"] = ["UPDATE_ROLLBACK_COMPLETE"]  # what the first describe saw
    stack_script.refuse_update["tenant-acme"] = [ValidationError(message="Parameters: [Extra] must have values")]
    out = run(engine, "acme")
    assert out == {"tenantId": "acme", "outcome": "failed", "status": "CREATE_COMPLETE",
                   "reason": out["reason"]}
    assert out["reason"].startswith("Parameters: [Extra] must have values")


def test_review_in_progress_ends_at_the_deadline(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 6: REVIEW_IN_PROGRESS never ends by itself; the child records it failed after the deadline."""
    tenant(engine, "acme")
    stack_script.hold("tenant-acme", "REVIEW_IN_PROGRESS", 300)
    out = run(engine, "acme")
    assert out == {"tenantId": "acme", "outcome": "failed", "status": "REVIEW_IN_PROGRESS",
                   "reason": "still REVIEW_IN_PROGRESS after waiting 3615 s (the deadline)"}
    assert stack_script.calls[("DescribeStacks", "tenant-acme")] == 64


def test_stack_name_comes_from_the_tenant_id(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 10: a row naming another tenant's stack does not redirect the update."""
    tenant(engine, "acme")
    tenant(engine, "globex")
    deploy_template(engine, changed_template())
    assert run(engine, "acme", stackName="tenant-globex") == {"tenantId": "acme", "outcome": "updated"}
    assert stack_script.calls[("UpdateStack", "tenant-acme")] == 1
    assert stack_script.calls[("UpdateStack", "tenant-globex")] == 0


def test_template_is_pinned_to_the_event_version(engine: LocalEngine, stack_script: StackScript,
                                                 versioned_templates: None) -> None:
    """Defect 10: with ``templateVersion`` (the S3 event's ``detail.object.version-id``) every tenant gets
    that version's bytes even when a newer template is uploaded during the run (S3 user guide,
    "Retrieving object versions")."""
    tenant(engine, "acme")
    s3 = engine.client("s3")
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    pinned = s3.put_object(Bucket=BUCKET, Key=KEY, Body=changed_template())["VersionId"]
    newer = json.loads(changed_template())
    newer["Description"] = "uploaded while the rollout runs"
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(newer))
    assert run(engine, "acme", templateVersion=pinned)["outcome"] == "updated"
    got = body(engine, "acme")
    assert "dynamodb:DescribeTable" in got and "uploaded while the rollout runs" not in got


def test_child_without_version_uses_the_plain_url(engine: LocalEngine, stack_script: StackScript) -> None:
    tenant(engine, "acme")
    deploy_template(engine, changed_template())
    assert run(engine, "acme")["outcome"] == "updated"
    assert [p["ParameterKey"] for p in engine.client("cloudformation").describe_stacks(
        StackName="tenant-acme")["Stacks"][0]["Parameters"]] == list(TEMPLATE_PARAMETERS)
