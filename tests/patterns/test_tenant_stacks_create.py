"""tenant-stack-create on the local engine: real moto CloudFormation, IAM, S3 and DynamoDB."""

from __future__ import annotations

import ast
import json

import pytest

from moto.cloudformation.exceptions import CloudFormationError, ValidationError

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    PLATFORM_PARAMETER_LIST, DynamoThrottle, LimitExceeded, StackScript, cfn_error_names, changed_template, deploy_template, dynamo_throttle,
    stack_script,
)
from workflows.patterns.tenant_stacks import tenant_template
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import (
    CREATE_FAILED, INVALID_TENANT_ID, PLACEHOLDERS, TEMPLATE_PARAMETERS, tenant_stack_create,
)

TABLE = PLACEHOLDERS["TenantsTable"]


def created(tenant: str) -> dict:
    return {"source": "tenants", "detail-type": "Tenant Created", "detail": {"tenantId": tenant}}


@pytest.fixture(scope="module")
def machines(module_engine: LocalEngine) -> None:
    """tenant-stack-create, created once for the module (tests/patterns/conftest.py)."""
    machine = tenant_stack_create()
    module_engine.create_state_machine(machine.name, machine.substituted())


@pytest.fixture
def local_engine(shared_engine: LocalEngine, machines: None) -> LocalEngine:
    """The module's engine with empty backends but its machines (also what ``stack_script`` uses)."""
    return shared_engine


@pytest.fixture
def engine(local_engine: LocalEngine) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    deploy_template(local_engine)
    return local_engine


def tenant_item(engine: LocalEngine, tenant: str) -> dict:
    item = engine.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": tenant}})["Item"]
    return {k: next(iter(v.values())) for k, v in item.items()}


def test_create_two_tenants_records_roles(engine: LocalEngine, stack_script: StackScript) -> None:
    for tenant in ("acme", "globex"):
        result = engine.run("tenant-stack-create", created(tenant))
        assert result.ok(), (result.error, result.cause)
    iam, cfn = engine.client("iam"), engine.client("cloudformation")
    roles = {r["RoleName"]: r for r in iam.list_roles(PathPrefix="/tenant-role/")["Roles"]}
    assert len(roles) == 2
    for tenant in ("acme", "globex"):
        stack = cfn.describe_stacks(StackName=f"tenant-{tenant}")["Stacks"][0]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        assert {"Key": "TenantId", "Value": tenant} in stack["Tags"]
        item = tenant_item(engine, tenant)
        assert item["status"] == "ACTIVE" and item["stackName"] == f"tenant-{tenant}"
        role_name = item["tenantRoleArn"].rsplit("/", 1)[-1]
        assert item["tenantRoleArn"] == roles[role_name]["Arn"]
        assert roles[role_name]["Path"] == "/tenant-role/"
        assert tenant not in role_name  # random, never derived from the tenant id
        tags = iam.list_role_tags(RoleName=role_name)["Tags"]
        assert {"Key": "TenantId", "Value": tenant} in tags
        policy = iam.get_role_policy(RoleName=role_name, PolicyName="tenant-items")["PolicyDocument"]
        if isinstance(policy, str):  # moto stores a CloudFormation-made inline policy as a Python repr
            policy = ast.literal_eval(policy)
        keys = policy["Statement"][0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert keys == [tenant, f"{tenant}#*"]
        # issue 12 items 6 and 7: trusted by the tenant-task machines' roles only, within the platform's boundary
        trust = roles[role_name]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert [s["Principal"] for s in trust["Statement"]] == [{"AWS": [PLACEHOLDERS["TenantCallers"]]}]
        boundary = iam.get_role(RoleName=role_name)["Role"]["PermissionsBoundary"]
        assert boundary["PermissionsBoundaryArn"] == PLACEHOLDERS["TenantBoundary"]


def test_create_again_adopts_existing_stack(engine: LocalEngine, stack_script: StackScript) -> None:
    first = engine.run("tenant-stack-create", created("acme"))
    arn = tenant_item(engine, "acme")["tenantRoleArn"]
    again = engine.run("tenant-stack-create", created("acme"))
    assert first.ok() and again.ok(), (again.error, again.cause)
    assert len(engine.client("cloudformation").describe_stacks()["Stacks"]) == 1
    assert len(engine.client("iam").list_roles(PathPrefix="/tenant-role/")["Roles"]) == 1
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 2  # refused the second time...
    assert "DescribeStack" in again.state_names  # ...and polled instead
    assert tenant_item(engine, "acme")["tenantRoleArn"] == arn


def test_create_waits_with_growing_capped_delay(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.hold("tenant-acme", "CREATE_IN_PROGRESS", 6)
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), result.cause
    waits = [s for kind, s in result.waits if kind == "Wait"]
    assert waits == [5, 10, 20, 40, 60, 60]
    assert tenant_item(engine, "acme")["status"] == "ACTIVE"


def test_create_failure_is_named_and_recorded(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.held["tenant-acme"] = ["CREATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS", "ROLLBACK_COMPLETE"]
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.status == "FAILED" and result.error == CREATE_FAILED
    assert result.cause  # the status reason (or that CloudFormation gave none)
    item = tenant_item(engine, "acme")
    assert item["status"] == "CREATE_FAILED" and item["stackStatus"] == "ROLLBACK_COMPLETE"
    assert "tenantRoleArn" not in item


def test_throttled_twice_then_retried(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.throttle["tenant-acme"] = 2
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), result.cause
    assert stack_script.calls[("DescribeStacks", "tenant-acme")] == 3
    failures = [e for e in result.history if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failures] == ["CloudFormation.CloudFormationException"] * 2
    assert "Rate exceeded" in failures[0]["taskFailedEventDetails"]["cause"]


RULE = " is not 1-64 letters, digits or hyphens (it names the stack tenant-<tenantId>)"


@pytest.mark.parametrize("tenant, named", [
    ("acme_eu", "tenantId acme_eu" + RULE),  # '_' passes the template's pattern, not a stack name
    ("has space", "tenantId has space" + RULE),
    ("x" * 65, "tenantId " + "x" * 65 + RULE),
    (42, "tenantId 42" + RULE),
    (None, "the event has no detail.tenantId"),
    # AWS's JSONata is JavaScript: '$' is the end of the string, never "before a final newline"
    ("acme\n", "tenantId acme\n" + RULE),
    ("acme\r\n", "tenantId acme\r\n" + RULE),
    ("\nacme", "tenantId \nacme" + RULE),
    ("", "tenantId " + RULE),
])
def test_invalid_tenant_id_fails_before_any_call(engine: LocalEngine, stack_script: StackScript,
                                                 tenant: object, named: str) -> None:
    event = created(tenant) if tenant is not None else {"source": "tenants", "detail": {}}
    result = engine.run("tenant-stack-create", event)
    assert result.status == "FAILED" and result.error == INVALID_TENANT_ID
    assert result.cause == named
    assert not any(call == "CreateStack" for call, _ in stack_script.calls)
    assert engine.client("dynamodb").scan(TableName=TABLE)["Items"] == []  # nothing registered


def test_hyphenated_tenant_id_is_accepted(engine: LocalEngine, stack_script: StackScript) -> None:
    result = engine.run("tenant-stack-create", created("acme-eu-1"))
    assert result.ok(), (result.error, result.cause)
    assert tenant_item(engine, "acme-eu-1")["status"] == "ACTIVE"


@pytest.mark.parametrize("refusal, named", [
    (ValidationError(message="Template format error: unsupported structure."),  # unmodelled: the generic name
     "CloudFormation.CloudFormationException: Template format error: unsupported structure."),
    (LimitExceeded(), "CloudFormation.LimitExceededException: Quota for stacks exceeded"),  # modelled
])
def test_refused_create_is_recorded_not_retried(engine: LocalEngine, stack_script: StackScript,
                                                refusal: CloudFormationError, named: str) -> None:
    stack_script.refuse_create["tenant-acme"] = refusal
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.status == "FAILED" and result.error == CREATE_FAILED
    assert result.cause.startswith(named)  # AWS appends "(Service: CloudFormation, ... Request ID: ...)"
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 1  # not retried as if it were throttling
    item = tenant_item(engine, "acme")
    assert item["status"] == "CREATE_FAILED" and item["stackStatus"] == "CREATE_REJECTED"
    assert item["statusReason"] == result.cause


def test_create_throttled_twice_then_created(engine: LocalEngine, stack_script: StackScript) -> None:
    stack_script.throttle_create["tenant-acme"] = 2
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), (result.error, result.cause)
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 3
    assert [kind for kind, _ in result.waits].count("Retry") == 2
    assert tenant_item(engine, "acme")["status"] == "ACTIVE"


# -- issue 15 ----------------------------------------------------------------------------------------
def test_repeated_create_after_template_update_keeps_tenant_active(
        engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 1: EventBridge delivers at least once; after a template update the stack is UPDATE_COMPLETE,
    a healthy state, so a repeated "Tenant Created" must adopt it and leave the tenant ACTIVE."""
    assert engine.run("tenant-stack-create", created("acme")).ok()
    arn = tenant_item(engine, "acme")["tenantRoleArn"]
    url = deploy_template(engine, changed_template())
    engine.client("cloudformation").update_stack(
        StackName="tenant-acme", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": k, "UsePreviousValue": True} for k in TEMPLATE_PARAMETERS])
    again = engine.run("tenant-stack-create", created("acme"))
    assert again.ok(), (again.error, again.cause)
    item = tenant_item(engine, "acme")
    assert item["status"] == "ACTIVE" and item["tenantRoleArn"] == arn and item["stackStatus"] == "UPDATE_COMPLETE"


def test_repeated_create_of_broken_active_stack_never_locks_tenant_out(
        engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 1: even when the adopted stack is unhealthy, an ACTIVE row is not overwritten."""
    assert engine.run("tenant-stack-create", created("acme")).ok()
    stack_script.held["tenant-acme"] = ["UPDATE_ROLLBACK_FAILED"]
    again = engine.run("tenant-stack-create", created("acme"))
    assert again.status == "FAILED" and again.error == CREATE_FAILED
    assert tenant_item(engine, "acme")["status"] == "ACTIVE"


@pytest.mark.parametrize("code, status", [
    ("ProvisionedThroughputExceededException", 400), ("ThrottlingException", 400), ("RequestLimitExceeded", 400),
    ("InternalServerError", 500), ("ServiceUnavailable", 503)])
def test_throttled_role_record_is_retried(engine: LocalEngine, stack_script: StackScript,
                                          dynamo_throttle: DynamoThrottle, code: str, status: int) -> None:
    """Defect 4: a throttled or transient DynamoDB error while recording the role is retried with backoff
    (AWS DynamoDB developer guide, "Error retries and exponential backoff")."""
    dynamo_throttle.refuse("update_item", TABLE, code, 3, status=status,
                           when=lambda *a, **kw: "tenantRoleArn" in kw.get("update_expression", ""))
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), (result.error, result.cause)
    assert dynamo_throttle.refused[("update_item", code)] == 3
    failures = [e["taskFailedEventDetails"]["error"] for e in result.history if e["type"] == "TaskFailed"]
    assert failures == [f"DynamoDB.{code}"] * 3
    assert tenant_item(engine, "acme")["status"] == "ACTIVE"


def test_throttled_register_is_retried(engine: LocalEngine, stack_script: StackScript,
                                       dynamo_throttle: DynamoThrottle) -> None:
    dynamo_throttle.refuse("update_item", TABLE, "ProvisionedThroughputExceededException", 2)
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), (result.error, result.cause)
    assert tenant_item(engine, "acme")["status"] == "ACTIVE"


def test_create_stack_throttled_beyond_retries_is_recorded(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 5: CreateStack throttled 7 times (1 + 6 retries) leaves a CREATE_FAILED record, not CREATING."""
    stack_script.throttle_create["tenant-acme"] = 7
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.status == "FAILED" and result.error == CREATE_FAILED
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 7
    item = tenant_item(engine, "acme")
    assert item["status"] == "CREATE_FAILED" and item["stackStatus"] == "ERROR"
    assert item["statusReason"].startswith("CloudFormation.Throttling")


def test_status_check_throttled_beyond_retries_waits_and_succeeds(
        engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 5: DescribeStacks throttled 7 times is not the end: the machine waits and asks again."""
    stack_script.throttle["tenant-acme"] = 8
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), (result.error, result.cause)
    assert "CreateWait" in result.state_names
    assert tenant_item(engine, "acme")["status"] == "ACTIVE"


def _old_stack(engine: LocalEngine, tenant: str) -> None:
    url = deploy_template(engine)
    engine.client("cloudformation").create_stack(
        StackName=f"tenant-{tenant}", TemplateURL=url, Capabilities=["CAPABILITY_NAMED_IAM"],
        Parameters=[{"ParameterKey": "TenantId", "ParameterValue": tenant},
                    {"ParameterKey": "RoleName", "ParameterValue": f"r-{tenant}-old"},
                    {"ParameterKey": "AppTableName", "ParameterValue": "app-table"}, *PLATFORM_PARAMETER_LIST])


def test_old_stack_vanishing_while_recreated_is_created_again(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 5: CreateStack meets an old stack still being deleted (AlreadyExists); when it is gone the
    stack is created again instead of the execution failing with the tenant CREATING."""
    _old_stack(engine, "acme")
    stack_script.calls.clear()
    stack_script.hold("tenant-acme", "DELETE_IN_PROGRESS", 1)
    stack_script.vanish["tenant-acme"] = 1  # the second describe finds it deleted
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), (result.error, result.cause)
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 2
    item = tenant_item(engine, "acme")
    assert item["status"] == "ACTIVE" and not item["tenantRoleArn"].endswith("r-acme-old")


def test_create_after_rollback_complete_deletes_then_creates(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 5: a ROLLBACK_COMPLETE stack cannot be updated, only deleted (AWS CloudFormation user guide,
    "Stack status codes"): a retried create deletes it, then creates the stack anew."""
    _old_stack(engine, "acme")
    stack_script.calls.clear()
    stack_script.hold("tenant-acme", "ROLLBACK_COMPLETE", 1)
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.ok(), (result.error, result.cause)
    assert stack_script.calls[("DeleteStack", "tenant-acme")] == 1
    assert stack_script.calls[("CreateStack", "tenant-acme")] == 2
    item = tenant_item(engine, "acme")
    assert item["status"] == "ACTIVE" and not item["tenantRoleArn"].endswith("r-acme-old")


def test_review_in_progress_ends_at_the_deadline(engine: LocalEngine, stack_script: StackScript) -> None:
    """Defect 6: a stack that never leaves REVIEW_IN_PROGRESS is recorded failed once the deadline passes."""
    stack_script.hold("tenant-acme", "REVIEW_IN_PROGRESS", 300)
    result = engine.run("tenant-stack-create", created("acme"))
    assert result.status == "FAILED" and result.error == CREATE_FAILED
    waits = [s for kind, s in result.waits if kind == "Wait"]
    assert sum(waits) == 3615 and len(waits) == 63  # 5+10+20+40, then 60 s until an hour has passed
    item = tenant_item(engine, "acme")
    assert item["status"] == "CREATE_FAILED" and item["stackStatus"] == "REVIEW_IN_PROGRESS"
    assert item["statusReason"] == "still REVIEW_IN_PROGRESS after waiting 3615 s (the deadline)"
