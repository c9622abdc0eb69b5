"""Resolver machines end to end on the local engine, Credentials enforced, in both query languages."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests.patterns.dynamodb_oracle import assert_matches, marshal, oracle
from tests.patterns.test_appsync_env import Env, dumps, make_env, stored
from workflows.core import JSONATA, JSONPATH, BuildError, validate_definition
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync.layout import PARTITION_TENANT, TenantTable


@dataclass
class Note:
    id: str
    title: str
    stars: int
    tags: set[str]


@dataclass
class Geo:
    lat: float
    name: str


@dataclass
class Everything:
    id: str
    text: str
    count: int
    ratio: float
    exact: Decimal
    flag: bool
    blob: bytes
    words: set[str]
    blobs: set[bytes]
    numbers: set[int]
    lines: list[str]
    geo: Geo
    places: list[Geo]
    note: str | None = None


def _machines(ql: str, partition: str = "tenant#entity") -> dict[str, Any]:
    layout = TenantTable(Note, query_language=ql, partition=partition)
    return {"get": appsync.get_item(layout, "note-get"), "put": appsync.put_item(layout, "note-put"),
            "update": appsync.update_item(layout, "note-update", ["title", "stars"]),
            "delete": appsync.delete_item(layout, "note-delete"),
            "query": appsync.query_items(layout, "note-query", page_size=2)}


@pytest.fixture
def env(local_engine: LocalEngine) -> Env:
    return make_env(local_engine)


def _note(i: int, tenant: str) -> dict[str, Any]:
    return {"id": f"n{i}", "title": f"{tenant}-secret-{i}", "stars": i, "tags": [tenant]}


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
@pytest.mark.parametrize("partition", ["tenant#entity", PARTITION_TENANT])
def test_put_get_update_query_delete_for_two_tenants(env: Env, ql: str, partition: str) -> None:
    m = _machines(ql, partition)
    for machine in m.values():
        env.deploy(machine)
    run = env.engine.run
    for tenant in ("ta", "tb"):
        for i in range(5):
            r = run("note-put", env.ctx(tenant) | {"arguments": {"input": _note(i, tenant)}})
            assert r.ok(), r.cause
            assert r.output == _note(i, tenant)
    keys = {item["pk"]["S"] for item in stored(env.engine)}
    assert keys == ({"ta#Note", "tb#Note"} if partition != PARTITION_TENANT else {"ta", "tb"})

    for tenant, other in (("ta", "tb"), ("tb", "ta")):
        got = run("note-get", env.ctx(tenant) | {"arguments": {"id": "n3"}})
        assert got.ok(), got.cause
        assert got.output == _note(3, tenant)  # plain JSON, no pk/sk, set as list
        missing = run("note-get", env.ctx(tenant) | {"arguments": {"id": "nope"}})
        assert missing.ok() and missing.output is None

        upd = run("note-update", env.ctx(tenant) | {"arguments": {"id": "n3", "input": {"title": "new", "stars": 9}}})
        assert upd.ok(), upd.cause
        assert upd.output == {"id": "n3", "title": "new", "stars": 9, "tags": [tenant]}
        absent = run("note-update", env.ctx(tenant) | {"arguments": {"id": "ghost", "input": {"title": "x", "stars": 1}}})
        assert absent.error == "DynamoDB.ConditionalCheckFailedException"

        pages, token = [], None
        while True:
            args = {"nextToken": token} if token else {}
            page = run("note-query", env.ctx(tenant) | {"arguments": args})
            assert page.ok(), page.cause
            pages.append(page.output["items"])
            token = page.output["nextToken"]
            if token is None:
                break
        assert [len(p) for p in pages] == [2, 2, 1]
        ids = [item["id"] for p in pages for item in p]
        assert ids == [f"n{i}" for i in range(5)]
        assert all(item["tags"] == [tenant] for p in pages for item in p)
        assert f"{other}-secret" not in dumps(pages)

        deleted = run("note-delete", env.ctx(tenant) | {"arguments": {"id": "n0"}})
        assert deleted.ok() and deleted.output == _note(0, tenant)
        again = run("note-delete", env.ctx(tenant) | {"arguments": {"id": "n0"}})
        assert again.ok() and again.output is None
    assert len(stored(env.engine)) == 8


def test_jsonata_get_is_one_state_and_jsonpath_three(env: Env) -> None:
    for ql, expected in ((JSONATA, ("GetNote",)), (JSONPATH, ("CheckTenantContext", "GetNote", "Unmarshal"))):
        machine = _machines(ql)["get"]
        env.deploy(machine)
        r = env.engine.run(machine.name, env.ctx("ta") | {"arguments": {"id": "n1"}})
        assert r.ok() and r.state_names == expected
        env.engine.client("stepfunctions").delete_state_machine(
            stateMachineArn=f"arn:aws:states:us-east-1:123456789012:stateMachine:{machine.name}")


def test_forged_next_token_stays_in_the_callers_partition(env: Env) -> None:
    for machine in _machines(JSONATA).values():
        env.deploy(machine)
    for tenant in ("ta", "tb"):
        for i in range(3):
            env.engine.run("note-put", env.ctx(tenant) | {"arguments": {"input": _note(i, tenant)}})
    forged = base64.b64encode(b"NOTE#").decode()  # "start before every note" -- of whose partition?
    page = env.engine.run("note-query", env.ctx("ta") | {"arguments": {"nextToken": forged}})
    assert page.ok(), page.cause
    assert {item["tags"][0] for item in page.output["items"]} == {"ta"}


# -- adversarial matrix ---------------------------------------------------------------------------
def _cases(env: Env) -> dict[str, tuple[dict[str, Any], dict[str, str]]]:
    """case -> (resolverContext, expected error per machine kind)."""
    iam = env.engine.client("iam")
    outsider = iam.create_role(RoleName="wide-open", Path="/other/", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName="wide-open", PolicyName="all", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}]}))
    gone = env.add_tenant("tc")
    gone_name = gone.rsplit("/", 1)[1]
    iam.delete_role_policy(RoleName=gone_name, PolicyName=f"{gone_name}-policy")
    iam.delete_role(RoleName=gone_name)
    denied = {"get": "Tenant.AccessDenied", "query": "Tenant.AccessDenied"}  # one name, whichever integration
    failed = {"get": "States.TaskFailed", "query": "States.TaskFailed"}
    missing = {"get": "Tenant.MissingContext", "query": "Tenant.MissingContext"}
    rc = lambda t, r: {"tenantId": t, "tenantRoleArn": r}  # noqa: E731
    return {
        "A's role with B's key (tampered tenantId)": (rc("tb", env.roles["ta"]), denied),
        "missing role": ({"tenantId": "ta"}, missing),
        "empty tenant id": (rc("", env.roles["ta"]), missing),
        "malformed ARN": (rc("ta", "not-an-arn"), failed),
        "non-existent role": (rc("ta", "arn:aws:iam::123456789012:role/tenant-role/ghost"), failed),
        "role outside /tenant-role/": (rc("ta", outsider), failed),
        "role of a deleted tenant": (rc("tc", gone), failed),
    }


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_adversarial_matrix(env: Env, ql: str) -> None:
    machines = _machines(ql)
    for machine in machines.values():
        env.deploy(machine)
    for i in range(3):
        assert env.engine.run("note-put", env.ctx("tb") | {"arguments": {"input": _note(i, "tb")}}).ok()
    for name, (context, errors) in _cases(env).items():
        for kind, machine in (("get", "note-get"), ("query", "note-query")):
            args = {"id": "n1"} if kind == "get" else {}
            r = env.engine.run(machine, {"identity": {"resolverContext": context}, "arguments": args})
            assert r.status == "FAILED", (name, kind, r.output)
            assert r.error == errors[kind], (name, kind, r.error, r.cause)
            assert "tb-secret" not in dumps([r.output, r.cause, r.history]), (name, kind)
            if errors[kind] == "Tenant.MissingContext":  # refused before any call
                assert not any(e["type"] == "TaskScheduled" for e in r.history), (name, kind)


# -- unmarshalled output against boto3's TypeDeserializer ------------------------------------------
EVERY_TYPE: dict[str, Any] = {
    "id": "e1", "text": "héllo", "count": 42, "ratio": Decimal("0.25"),
    "exact": Decimal("12345678901234567890.123456789"), "flag": True, "blob": b"\x00\xffbin",
    "words": {"a", "b"}, "blobs": {b"x", b"y"}, "numbers": {1, 2, 3}, "lines": ["one", "two"],
    "geo": {"lat": Decimal("52.52"), "name": "Berlin"}, "places": [{"lat": Decimal("1.5"), "name": "p"}],
    "nothing": None, "nested": [["deep", {"m": {}}], []],
}


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_get_output_matches_type_deserializer(env: Env, ql: str) -> None:
    layout = TenantTable(Everything, query_language=JSONATA) if ql == JSONATA else TenantTable(Note)
    env.deploy(appsync.get_item(layout, "any-get"))
    prefix = "EVERYTHING#" if ql == JSONATA else "NOTE#"
    item = {"pk": "ta#" + layout.name, "sk": prefix + "e1", **EVERY_TYPE}
    env.engine.client("dynamodb").put_item(TableName="app-table", Item=marshal(item))
    r = env.engine.run("any-get", env.ctx("ta") | {"arguments": {"id": "e1"}})
    assert r.ok(), r.cause
    assert_matches(r.output, oracle(EVERY_TYPE))
    assert r.output["exact"] == "12345678901234567890.123456789"  # beyond a double: exact string


def test_put_marshals_every_declared_type(env: Env) -> None:
    layout = TenantTable(Everything, query_language=JSONATA)
    env.deploy(appsync.put_item(layout, "any-put"))
    plain = {"id": "e2", "text": "t", "count": 7, "ratio": 0.5, "exact": "3", "flag": False,
             "blob": base64.b64encode(b"\x01\x02").decode(), "words": ["w"], "blobs": [base64.b64encode(b"z").decode()],
             "numbers": [4, 5], "lines": ["l1", "l2"], "geo": {"lat": 1.25, "name": "g"},
             "places": [{"lat": 2.5, "name": "a"}, {"lat": 3, "name": "b"}]}
    r = env.engine.run("any-put", env.ctx("ta") | {"arguments": {"input": plain}})
    assert r.ok(), r.cause
    raw = env.engine.client("dynamodb").get_item(
        TableName="app-table", Key={"pk": {"S": "ta#Everything"}, "sk": {"S": "EVERYTHING#e2"}})["Item"]
    from boto3.dynamodb.types import TypeDeserializer
    read = {k: TypeDeserializer().deserialize(v) for k, v in raw.items()}
    assert read["count"] == 7 and read["ratio"] == Decimal("0.5") and read["flag"] is False
    assert read["words"] == {"w"} and read["numbers"] == {4, 5} and read["lines"] == ["l1", "l2"]
    assert read["places"] == [{"lat": Decimal("2.5"), "name": "a"}, {"lat": 3, "name": "b"}]
    assert "note" not in read  # optional and absent: left out


def test_put_stores_binary_once_decoded(env: Env) -> None:
    layout = TenantTable(Everything, query_language=JSONATA)
    env.deploy(appsync.put_item(layout, "any-put"))
    plain = {"id": "e3", "text": "t", "count": 1, "ratio": 0.5, "exact": "3", "flag": True,
             "blob": base64.b64encode(b"\x01\x02").decode(), "words": ["w"], "blobs": [base64.b64encode(b"z").decode()],
             "numbers": [4], "lines": [], "geo": {"lat": 1, "name": "g"}, "places": []}
    assert env.engine.run("any-put", env.ctx("ta") | {"arguments": {"input": plain}}).ok()
    raw = env.engine.client("dynamodb").get_item(
        TableName="app-table", Key={"pk": {"S": "ta#Everything"}, "sk": {"S": "EVERYTHING#e3"}})["Item"]
    assert raw["blob"]["B"] == b"\x01\x02" and raw["blobs"]["BS"] == [b"z"]


def test_jsonpath_refuses_types_it_cannot_marshal() -> None:
    with pytest.raises(BuildError, match="Everything.numbers: a number set needs per-element typing"):
        appsync.put_item(TenantTable(Everything), "x")


# -- isolation lint ---------------------------------------------------------------------------------
@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_isolation_lint_refuses_missing_and_built_role(ql: str) -> None:
    machine = _machines(ql)["get"]
    assert validate_definition(machine.to_asl(), machine.name, placeholders=machine.placeholders,
                               tenant_scoped=True) == []
    no_creds = machine.to_asl()
    del no_creds["States"]["GetNote"]["Credentials"]
    issues = validate_definition(no_creds, "m", placeholders=machine.placeholders, tenant_scoped=True)
    assert [(i.rule, i.path) for i in issues] == [("tenant-isolation", "GetNote")]
    built = machine.to_asl()
    built["States"]["GetNote"]["Credentials"] = (
        {"RoleArn.$": "States.Format('arn:aws:iam::123456789012:role/tenant-role/{}', "
                      "$.identity.resolverContext.tenantId)"} if ql == JSONPATH else
        {"RoleArn": "{% 'arn:aws:iam::123456789012:role/tenant-role/' & "
                    "$states.input.identity.resolverContext.tenantId %}"})
    issues = validate_definition(built, "m", placeholders=machine.placeholders, tenant_scoped=True)
    assert [(i.rule, i.path) for i in issues] == [("tenant-isolation", "GetNote")]


def test_layout_refuses_bad_configuration() -> None:
    with pytest.raises(BuildError, match="key_field 'slug' is not a field of Note"):
        TenantTable(Note, key_field="slug")
    with pytest.raises(BuildError, match="partition must be"):
        TenantTable(Note, partition="entity")
    with pytest.raises(BuildError, match="Note has no field 'body'"):
        appsync.update_item(TenantTable(Note), "x", ["body"])
    with pytest.raises(BuildError, match="page_size"):
        appsync.query_items(TenantTable(Note), "x", page_size=0)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_put_returns_only_the_entity_fields(env: Env, ql: str) -> None:
    env.deploy(_machines(ql)["put"])
    given = _note(1, "ta") | {"admin": True, "pk": "tb#Note"}  # unknown fields, one named like a key
    r = env.engine.run("note-put", env.ctx("ta") | {"arguments": {"input": given}})
    assert r.ok(), r.cause
    assert r.output == _note(1, "ta")
    [item] = stored(env.engine)
    assert item["pk"] == {"S": "ta#Note"} and "admin" not in item
