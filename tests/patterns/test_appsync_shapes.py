"""Resolver shapes users need, on the local engine (tenant roles enforced), in both query languages:
a get that fails with Resolver.NotFound, a list with its own cursor argument and page shape, a table
without sort-key prefixes, and one errorType for a cross-tenant denial whichever integration met it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.core.test_judges import _asl_validator
from tests.patterns.dynamodb_oracle import marshal
from tests.patterns.test_appsync_env import Env, dumps, make_env, stored
from workflows.core import JSONATA, JSONPATH, StateMachine
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync import ACCESS_DENIED, NOT_FOUND, PARTITION_TENANT, PageShape, TenantTable


@dataclass
class Set:
    id: str
    name: str
    size: int


@dataclass
class Card:
    id: str
    title: str


def _layout(ql: str) -> TenantTable:
    """The team's table: pk = <tenantId>, sk = <set id>, nothing else in the key."""
    return TenantTable(Set, partition=PARTITION_TENANT, sk_prefix="", query_language=ql)


def _machines(ql: str) -> dict[str, StateMachine]:
    sets = _layout(ql)
    return {
        "get": appsync.get_item(sets, "get-set", not_found="error"),
        "list": appsync.query_items(sets, "list-sets", page_size=2, cursor="nextPageKey", prefix=None, limit=None,
                                    page=PageShape(items="items", cursor="pageInfo.nextPageKey"),
                                    whole_partition=True),
        "add": appsync.put_item(sets, "add-set"),
    }


@pytest.fixture
def env(local_engine: LocalEngine) -> Env:
    return make_env(local_engine)


def _set(i: int, tenant: str) -> dict[str, Any]:
    return {"id": f"s{i}", "name": f"{tenant}-secret-{i}", "size": i}


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_the_three_operations_of_the_team(env: Env, ql: str) -> None:
    for machine in _machines(ql).values():
        env.deploy(machine)
    run = env.engine.run
    for tenant in ("ta", "tb"):
        for i in range(5):
            added = run("add-set", env.ctx(tenant) | {"arguments": {"input": _set(i, tenant)}})
            assert added.ok() and added.output == _set(i, tenant), added.cause
    assert {(item["pk"]["S"], item["sk"]["S"]) for item in stored(env.engine)} >= {("ta", "s0"), ("tb", "s4")}

    got = run("get-set", env.ctx("ta") | {"arguments": {"id": "s3"}})
    assert got.ok() and got.output == _set(3, "ta")
    missing = run("get-set", env.ctx("ta") | {"arguments": {"id": "nope"}})
    assert (missing.status, missing.error, missing.cause) == ("FAILED", NOT_FOUND, "no Set with id nope in this tenant")

    pages, key = [], None
    while True:
        page = run("list-sets", env.ctx("tb") | {"arguments": {"nextPageKey": key} if key else {}})
        assert page.ok(), page.cause
        assert set(page.output) == {"items", "pageInfo"} and set(page.output["pageInfo"]) == {"nextPageKey"}
        pages.append([item["id"] for item in page.output["items"]])
        key = page.output["pageInfo"]["nextPageKey"]
        if key is None:
            break
    assert pages == [["s0", "s1"], ["s2", "s3"], ["s4"]]  # the cursor is read: no page 1 forever
    assert "ta-secret" not in dumps(pages)
    bad = run("list-sets", env.ctx("tb") | {"arguments": {"nextPageKey": "not base64!"}})
    assert (bad.error, bad.cause) == ("Resolver.InvalidArgument", "nextPageKey is not a token of this query")


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_without_a_sort_key_prefix_a_list_returns_every_item_of_the_partition(env: Env, ql: str) -> None:
    """What whole_partition=True accepts (the module docstring and the BuildError say so)."""
    env.deploy(_machines(ql)["list"])
    ddb = env.engine.client("dynamodb")
    ddb.put_item(TableName="app-table", Item=marshal({"pk": "ta", "sk": "s1", **_set(1, "ta")}))
    ddb.put_item(TableName="app-table", Item=marshal({"pk": "ta", "sk": "card-9", "id": "card-9", "title": "a card"}))
    page = env.engine.run("list-sets", env.ctx("ta") | {"arguments": {}})
    assert page.ok(), page.cause
    assert page.output["items"] == [{"id": "card-9", "title": "a card"}, _set(1, "ta")]


def _tampered(env: Env) -> dict[str, Any]:
    """Tenant ta's role with tenant tb's id: every key the machine builds is tb's, IAM refuses ta's role."""
    return {"identity": {"resolverContext": {"tenantId": "tb", "tenantRoleArn": env.roles["ta"]}}}


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_a_cross_tenant_denial_has_one_error_type_for_get_and_list(env: Env, ql: str) -> None:
    machines = _machines(ql)
    for machine in machines.values():
        env.deploy(machine)
    assert env.engine.run("add-set", env.ctx("tb") | {"arguments": {"input": _set(1, "tb")}}).ok()
    get = env.engine.run("get-set", _tampered(env) | {"arguments": {"id": "s1"}})
    listed = env.engine.run("list-sets", _tampered(env) | {"arguments": {}})
    assert (get.error, listed.error) == (ACCESS_DENIED, ACCESS_DENIED)
    # the integration's own error stays in the message: optimized getItem vs the SDK's query
    assert get.cause.startswith("DynamoDB.AccessDeniedException: User: ") and "dynamodb:GetItem" in get.cause
    assert listed.cause.startswith("DynamoDb.DynamoDbException: User: ") and "dynamodb:Query" in listed.cause
    assert "tb-secret" not in dumps([get.cause, get.history, listed.cause, listed.history])


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_every_resolver_machine_names_a_denial_the_same_way(env: Env, ql: str) -> None:
    layout = TenantTable(Card, query_language=ql)
    unique = TenantTable(Card, query_language=ql, unique=("title",))
    machines = {
        "card-put": (appsync.put_item(layout, "card-put"), {"input": {"id": "c1", "title": "t"}}, "DynamoDB."),
        "card-update": (appsync.update_item(layout, "card-update", ["title"]),
                        {"id": "c1", "input": {"title": "t"}}, "DynamoDB."),
        "card-delete": (appsync.delete_item(layout, "card-delete"), {"id": "c1"}, "DynamoDB."),
        "card-put-unique": (appsync.put_unique(unique, "card-put-unique"), {"input": {"id": "c1", "title": "t"}},
                            "DynamoDb."),
    }
    for name, (machine, args, integration) in machines.items():
        env.deploy(machine)
        r = env.engine.run(name, _tampered(env) | {"arguments": args})
        assert (r.status, r.error) == ("FAILED", ACCESS_DENIED), (name, r.error, r.cause)
        assert r.cause.startswith(integration) and "is not authorized to perform" in r.cause, (name, r.cause)
    assert stored(env.engine) == []


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_an_sdk_error_that_is_not_a_denial_passes_unchanged(ql: str) -> None:
    """The SDK's catch-all exception is caught to look for a denial; anything else is raised as it came."""
    machine = _machines(ql)["list"]
    task = "QuerySets"
    throws = {"Validation": ("DynamoDb.DynamoDbException", "1 validation error detected (Service: DynamoDb, "
                                                           "Status Code: 400)"),
              "Denied": ("DynamoDb.DynamoDbException", "User: x is not authorized to perform: dynamodb:Query")}
    config = {"StateMachines": {machine.name: {"TestCases": {case: {task: case} for case in throws}}},
              "MockedResponses": {case: {"0": {"Throw": {"Error": error, "Cause": cause}}}
                                  for case, (error, cause) in throws.items()}}
    with LocalEngine(mock_config=config) as engine:
        engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        context = {"identity": {"resolverContext": {"tenantId": "ta", "tenantRoleArn":
                                                    "arn:aws:iam::123456789012:role/tenant-role/x"}}}
        other = engine.run(machine.name, context | {"arguments": {}}, test_case="Validation")
        denied = engine.run(machine.name, context | {"arguments": {}}, test_case="Denied")
    assert (other.error, other.cause) == throws["Validation"]
    assert (denied.error, denied.cause) == (ACCESS_DENIED, "DynamoDb.DynamoDbException: " + throws["Denied"][1])


def test_asl_validator_accepts_the_new_shapes(tmp_path: Path) -> None:
    paths = []
    for ql in (JSONPATH, JSONATA):
        for machine in _machines(ql).values():
            machine.validate()
            path = tmp_path / f"{ql}-{machine.name}.json"
            path.write_text(machine.substituted())
            paths.append(path)
    result = _asl_validator(paths)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("is valid") == len(paths)
    assert json.loads(paths[0].read_text())["StartAt"] == "CheckTenantContext"
