"""Task Credentials are assumed and enforced: tenant isolation holds in the local engine.

Runs real executions in ``LocalEngine`` (moto's interpreter with every adaptation installed);
roles and policies live in moto's IAM and are read through the IAM API.
"""

from __future__ import annotations

import itertools
import json
from typing import Any, Iterator

import pytest

from workflows.local.adaptations import credentials
from workflows.local.engine import ExecutionResult, LocalEngine

ACCOUNT = "123456789012"
REGION = "us-east-1"
TABLE = "tenant-data"
TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{TABLE}"
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/sfn-exec"
OPTIMIZED = "arn:aws:states:::dynamodb:getItem"
SDK = "arn:aws:states:::aws-sdk:dynamodb:getItem"
_names = itertools.count()


def tenant_role_arn(tenant: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/tenant-role/{tenant}"


def _trust(principal: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]})


def _tenant_policy(tenant: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
                   "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
        "Resource": TABLE_ARN,
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [tenant, f"{tenant}#*"]}},
    }]}


@pytest.fixture(scope="module")
def aws() -> Iterator[dict[str, Any]]:
    with LocalEngine() as engine:
        iam = engine.client("iam")
        ddb = engine.client("dynamodb")
        ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
        )
        for pk in ("t1", "t2"):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": "profile"}, "name": {"S": pk.upper()}})
        # execution role: may assume only roles under /tenant-role/
        iam.create_role(RoleName="sfn-exec", AssumeRolePolicyDocument=_trust({"Service": "states.amazonaws.com"}))
        iam.put_role_policy(RoleName="sfn-exec", PolicyName="assume-tenant-roles", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/tenant-role/*"}]}))
        for tenant in ("t1", "t2"):
            iam.create_role(RoleName=tenant, Path="/tenant-role/", AssumeRolePolicyDocument=_trust({"AWS": EXEC_ROLE}))
            iam.put_role_policy(RoleName=tenant, PolicyName="tenant-data", PolicyDocument=json.dumps(_tenant_policy(tenant)))
        # a well-configured role outside /tenant-role/: the execution role may not assume it
        iam.create_role(RoleName="outsider", Path="/other/", AssumeRolePolicyDocument=_trust({"AWS": EXEC_ROLE}))
        iam.put_role_policy(RoleName="outsider", PolicyName="all", PolicyDocument=json.dumps(_tenant_policy("t1")))
        # under /tenant-role/ but trusting nobody we know
        iam.create_role(RoleName="untrusting", Path="/tenant-role/",
                        AssumeRolePolicyDocument=_trust({"Service": "lambda.amazonaws.com"}))
        # managed policy + explicit Deny
        iam.create_role(RoleName="t1-readonly", Path="/tenant-role/", AssumeRolePolicyDocument=_trust({"AWS": ACCOUNT}))
        arn = iam.create_policy(PolicyName="t1-managed", PolicyDocument=json.dumps(_tenant_policy("t1")))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName="t1-readonly", PolicyArn=arn)
        iam.put_role_policy(RoleName="t1-readonly", PolicyName="no-writes", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["dynamodb:Put*", "dynamodb:Delete*"],
                                                    "Resource": "*"}]}))
        yield {"engine": engine, "ddb": ddb}


def run(aws: dict[str, Any], states: dict[str, Any], payload: dict[str, Any] | None = None,
        role_arn: str = EXEC_ROLE) -> ExecutionResult:
    engine: LocalEngine = aws["engine"]
    name = f"m{next(_names)}"
    engine.create_state_machine(name, {"StartAt": next(iter(states)), "States": states}, role_arn=role_arn)
    return engine.run(name, payload or {})


def get_item(resource: str, credentials_field: dict[str, Any], pk: str, **extra: Any) -> dict[str, Any]:
    return {"G": {"Type": "Task", "Resource": resource, "Credentials": credentials_field,
                  "Parameters": {"TableName": TABLE, "Key": {"pk": {"S": pk}, "sk": {"S": "profile"}}},
                  "End": True, **extra}}


@pytest.mark.parametrize("resource", [OPTIMIZED, SDK])
def test_right_tenant_role_reads_its_item(aws: dict[str, Any], resource: str) -> None:
    result = run(aws, get_item(resource, {"RoleArn": tenant_role_arn("t1")}, "t1"))
    assert result.status == "SUCCEEDED", result
    assert result.output["Item"]["name"] == {"S": "T1"}


@pytest.mark.parametrize(("resource", "error"), [
    (OPTIMIZED, "DynamoDB.AccessDeniedException"),
    (SDK, "DynamoDb.DynamoDbException"),
])
def test_other_tenants_role_is_denied_with_aws_error(aws: dict[str, Any], resource: str, error: str) -> None:
    result = run(aws, get_item(resource, {"RoleArn": tenant_role_arn("t2")}, "t1"))
    assert result.status == "FAILED"
    assert result.error == error
    assert (f"User: arn:aws:sts::{ACCOUNT}:assumed-role/t2/" in result.cause)
    assert (f"is not authorized to perform: dynamodb:GetItem on resource: {TABLE_ARN} "
            "because no identity-based policy allows the dynamodb:GetItem action") in result.cause


def test_role_arn_from_input_selects_the_tenant(aws: dict[str, Any]) -> None:
    states = get_item(OPTIMIZED, {"RoleArn.$": "$.role"}, "t2")
    states["G"]["Parameters"]["Key"] = {"pk": {"S.$": "$.tenant"}, "sk": {"S": "profile"}}
    ok = run(aws, states, {"role": tenant_role_arn("t2"), "tenant": "t2"})
    denied = run(aws, states, {"role": tenant_role_arn("t1"), "tenant": "t2"})
    assert ok.status == "SUCCEEDED", ok
    assert denied.error == "DynamoDB.AccessDeniedException"


@pytest.mark.parametrize("resource", [OPTIMIZED, SDK])
@pytest.mark.parametrize(("role", "reason"), [
    (f"arn:aws:iam::{ACCOUNT}:role/tenant-role/ghost", "the role does not exist"),
    ("not-an-arn", "not a well-formed IAM role ARN"),
    (f"arn:aws:iam::{ACCOUNT}:role/other/outsider",
     f"the execution role {EXEC_ROLE} is not authorized to perform sts:AssumeRole"),
    (f"arn:aws:iam::{ACCOUNT}:role/tenant-role/untrusting", "its trust policy does not allow sts:AssumeRole"),
    (f"arn:aws:iam::{ACCOUNT}:role/t1", "the role does not exist"),  # right name, wrong path
])
def test_role_that_cannot_be_assumed_fails_the_task(aws: dict[str, Any], resource: str, role: str, reason: str) -> None:
    result = run(aws, get_item(resource, {"RoleArn": role}, "t1"))
    assert result.status == "FAILED"
    assert result.error == "States.TaskFailed"
    assert role in result.cause and reason in result.cause


def test_unknown_execution_role_skips_the_assume_role_check(aws: dict[str, Any]) -> None:
    result = run(aws, get_item(OPTIMIZED, {"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/other/outsider"}, "t1"),
                 role_arn=f"arn:aws:iam::{ACCOUNT}:role/not-in-iam")
    assert result.status == "FAILED"  # trust names sfn-exec, not this role
    assert "trust policy does not allow" in result.cause


@pytest.mark.parametrize("resource", [OPTIMIZED, SDK])
@pytest.mark.parametrize(("payload", "message"), [
    ({}, "$.missing"),
    ({"missing": 42}, "RoleArn must be a string, got int"),
])
def test_unusable_role_arn_value_is_a_runtime_error(aws: dict[str, Any], resource: str,
                                                     payload: dict[str, Any], message: str) -> None:
    result = run(aws, get_item(resource, {"RoleArn.$": "$.missing"}, "t1"), payload)
    assert result.status == "FAILED"
    assert result.error == "States.Runtime"
    assert message in result.cause


@pytest.mark.parametrize(("role", "error"), [
    (tenant_role_arn("t2"), "DynamoDB.AccessDeniedException"),
    ("not-an-arn", "States.TaskFailed"),
])
def test_failures_are_caught_by_catch_on_their_error_name(aws: dict[str, Any], role: str, error: str) -> None:
    states = get_item(OPTIMIZED, {"RoleArn": role}, "t1", Catch=[{"ErrorEquals": [error], "Next": "Denied"}])
    states["Denied"] = {"Type": "Pass", "Parameters": {"caught.$": "$.Error"}, "End": True}
    result = run(aws, states)
    assert result.status == "SUCCEEDED", result
    assert result.output == {"caught": error}


def test_query_on_another_tenants_partition_is_denied(aws: dict[str, Any]) -> None:
    def query(role: str) -> dict[str, Any]:
        return {"Q": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
                      "Credentials": {"RoleArn": role},
                      "Parameters": {"TableName": TABLE, "KeyConditionExpression": "#p = :pk AND begins_with(sk, :s)",
                                     "ExpressionAttributeNames": {"#p": "pk"},
                                     "ExpressionAttributeValues": {":pk": {"S": "t1"}, ":s": {"S": "pro"}}},
                      "End": True}}
    assert run(aws, query(tenant_role_arn("t1"))).status == "SUCCEEDED"
    denied = run(aws, query(tenant_role_arn("t2")))
    assert denied.error == "DynamoDb.DynamoDbException"
    assert "dynamodb:Query" in denied.cause


def test_transact_write_mixing_tenants_is_denied_and_writes_nothing(aws: dict[str, Any]) -> None:
    def put(pk: str) -> dict[str, Any]:
        return {"Put": {"TableName": TABLE, "Item": {"pk": {"S": pk}, "sk": {"S": "tx"}}}}

    def transact(items: list[dict[str, Any]]) -> dict[str, Any]:
        return {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems",
                      "Credentials": {"RoleArn": tenant_role_arn("t1")},
                      "Parameters": {"TransactItems": items}, "End": True}}

    denied = run(aws, transact([put("t1#a"), put("t2")]))
    assert denied.error == "DynamoDb.DynamoDbException"
    assert "dynamodb:PutItem" in denied.cause
    assert "Item" not in aws["ddb"].get_item(TableName=TABLE, Key={"pk": {"S": "t1#a"}, "sk": {"S": "tx"}})
    assert run(aws, transact([put("t1#a"), put("t1")])).status == "SUCCEEDED"


def test_explicit_deny_in_inline_policy_beats_managed_allow(aws: dict[str, Any]) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/tenant-role/t1-readonly"
    assert run(aws, get_item(OPTIMIZED, {"RoleArn": role}, "t1")).status == "SUCCEEDED"
    put = {"P": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "Credentials": {"RoleArn": role},
                 "Parameters": {"TableName": TABLE, "Item": {"pk": {"S": "t1"}, "sk": {"S": "new"}}}, "End": True}}
    denied = run(aws, put)
    assert denied.error == "DynamoDB.AccessDeniedException"
    assert "with an explicit deny in an identity-based policy" in denied.cause


def test_task_without_credentials_keeps_unenforced_behaviour(aws: dict[str, Any]) -> None:
    states = get_item(OPTIMIZED, {}, "t2")
    del states["G"]["Credentials"]
    assert run(aws, states).status == "SUCCEEDED"


def test_uninstalled_engine_ignores_credentials(aws: dict[str, Any]) -> None:
    """The adaptation is what denies: without it moto lets the wrong tenant through."""
    credentials.uninstall()
    try:
        result = run(aws, get_item(OPTIMIZED, {"RoleArn": "not-an-arn"}, "t1"))
    finally:
        credentials.install()
    assert result.status == "SUCCEEDED"
    assert credentials.is_installed()


def test_jsonata_role_arn_is_resolved_and_enforced(aws: dict[str, Any]) -> None:
    states = {"G": {"Type": "Task", "QueryLanguage": "JSONata", "Resource": OPTIMIZED,
                    "Credentials": {"RoleArn": "{% $states.input.role %}"},
                    "Arguments": {"TableName": TABLE, "Key": {"pk": {"S": "t1"}, "sk": {"S": "profile"}}},
                    "End": True}}
    assert run(aws, states, {"role": tenant_role_arn("t1")}).status == "SUCCEEDED"
    denied = run(aws, states, {"role": tenant_role_arn("t2")})
    assert denied.error == "DynamoDB.AccessDeniedException"


def test_a_mocked_task_needs_no_assumable_role() -> None:
    """A MockConfigFile response replaces the whole task call, role assumption included (as in SFN Local);
    the RoleArn is still evaluated, so a missing path still fails."""
    import json as _json

    from workflows.local.engine import LocalEngine as _Engine

    definition = {"StartAt": "Get", "States": {"Get": {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True,
        "Credentials": {"RoleArn.$": "$.role"},
        "Parameters": {"TableName": "t", "Key": {"pk": {"S": "a"}}}}}}
    mocks = {"StateMachines": {"mocked": {"TestCases": {"Ok": {"Get": "Item"}}}},
             "MockedResponses": {"Item": {"0": {"Return": {"Item": {"pk": {"S": "a"}}}}}}}
    with _Engine(mock_config=mocks) as engine:
        engine.create_state_machine("mocked", _json.dumps(definition))
        ok = engine.run("mocked", {"role": "arn:aws:iam::123456789012:role/not-created"}, test_case="Ok")
        assert ok.ok() and ok.output == {"Item": {"pk": {"S": "a"}}}
        missing = engine.run("mocked", {}, test_case="Ok")
        assert missing.error == "States.Runtime"
        real = engine.run("mocked", {"role": "arn:aws:iam::123456789012:role/not-created"})
        assert real.error == "States.TaskFailed" and "does not exist" in real.cause


def test_concurrent_tasks_of_two_tenants_each_run_under_their_own_role(aws: dict[str, Any]) -> None:
    """Task clients are reused between tasks (adaptations/credentials.py ``TaskClients``), and the role
    a call is authorized with is the calling task's own: 40 executions at once, t1 and t2 alternating,
    each allowed its own item and denied the other's (a shared client must never carry one tenant's
    role into another's call)."""
    from concurrent.futures import ThreadPoolExecutor

    engine: LocalEngine = aws["engine"]
    states = get_item(OPTIMIZED, {"RoleArn.$": "$.role"}, "t1")
    states["G"]["Parameters"]["Key"] = {"pk": {"S.$": "$.key"}, "sk": {"S": "profile"}}
    engine.create_state_machine("concurrent-roles", {"StartAt": "G", "States": states}, role_arn=EXEC_ROLE)
    jobs = [(tenant, key) for i in range(20) for tenant, key in
            ((f"t{1 + i % 2}", f"t{1 + i % 2}"), (f"t{1 + i % 2}", f"t{2 - i % 2}"))]
    def task_clients() -> int:  # the engine's own plain clients (IAM, key schemas) are made on first need
        return sum(1 for key in list(credentials.TASK_CLIENTS._clients) if key[0] == "task")

    made_before = task_clients()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda job: engine.run(
            "concurrent-roles", {"role": tenant_role_arn(job[0]), "key": job[1]}), jobs))
    for (tenant, key), result in zip(jobs, results):
        if tenant == key:
            assert result.status == "SUCCEEDED" and result.output["Item"]["name"] == {"S": key.upper()}, result
        else:
            assert result.error == "DynamoDB.AccessDeniedException", result
            assert f"assumed-role/{tenant}/" in result.cause
    assert task_clients() - made_before <= 1  # one role-bound DynamoDB client at most, not 40


@pytest.mark.parametrize("stubbing", [True, False], ids=["in-process", "server"])
def test_task_clients_are_made_as_motos_factory_makes_them(stubbing: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our task-client factory copies moto's ``boto_client_for`` onto a long-lived session (moto's own one
    rebuilt boto3's default session after every mock start): same keys, region, endpoint (the server's port
    when moto is not stubbing botocore), validation, retries and timeouts. Fails if a moto upgrade changes
    how its factory makes clients."""
    from moto.core.models import botocore_stubber

    monkeypatch.setattr(botocore_stubber, "enabled", stubbing)
    monkeypatch.setenv("MOTO_PORT", "4599")
    original = credentials._originals.get("boto_client_for") or credentials._patching.import_module(
        credentials.ADAPTATION, credentials.BOTO_CLIENT_MODULE).boto_client_for
    theirs = original(region="eu-west-1", service="dynamodb")
    ours = credentials.moto_task_client(region="eu-west-1", service="dynamodb")

    def described(client: Any) -> dict[str, Any]:
        config, keys = client.meta.config, client._request_signer._credentials
        return {"region": client.meta.region_name, "endpoint": client.meta.endpoint_url,
                "keys": (keys.access_key, keys.secret_key), "validation": config.parameter_validation,
                "retries": config.retries, "timeouts": (config.connect_timeout, config.read_timeout),
                "host_prefix": config.inject_host_prefix}

    assert described(ours) == described(theirs)
    assert described(ours)["endpoint"] == ("https://dynamodb.eu-west-1.amazonaws.com" if stubbing
                                           else "http://localhost:4599")
