"""Review fixes of the resolver family: unique fields only through put_unique, key attributes the machines' own,
named argument errors in both query languages, empty sort-key prefixes, index suffixes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest

from tests.patterns.test_appsync_env import Env, dumps, make_env, stored
from workflows.examples.users.machines.appsync import USERS
from workflows.registry import registered
from workflows.core import JSONATA, JSONPATH, BuildError
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync.layout import SecondaryIndex, TenantTable
from workflows.patterns.appsync.unique import put_unique

BY_TITLE = SecondaryIndex("byTitle", "gpk", "gsk", partition_suffix="#NoteByTitle", sk_prefix="TITLE#",
                          sk_field="title")


@dataclass
class Note:
    id: str
    title: str
    stars: int


def _user(uid: str, email: str) -> dict[str, Any]:
    return {"id": uid, "email": email, "name": uid.upper(), "admin": False, "logins": 1}


@pytest.fixture
def env(local_engine: LocalEngine) -> Env:
    return make_env(local_engine)


def _index_table(env: Env) -> None:
    ddb = env.engine.client("dynamodb")
    ddb.delete_table(TableName="app-table")
    ddb.create_table(
        TableName="app-table", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "gpk", "gsk")],
        GlobalSecondaryIndexes=[{"IndexName": "byTitle", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "gsk", "KeyType": "RANGE"}]}])


def _no_call(result: Any) -> bool:
    return not any(e["type"] == "TaskScheduled" for e in result.history)


# -- 2: unique fields are written only with their constraint records ----------------------------------
def test_plain_writes_of_a_unique_field_are_refused_at_build_time() -> None:
    with pytest.raises(BuildError, match=r"put_item would write User's unique field\(s\) \['email'\]"):
        appsync.put_item(USERS, "x")
    with pytest.raises(BuildError, match="User.email is unique"):
        appsync.update_item(USERS, "x", ["email"])
    with pytest.raises(BuildError, match=r"User declares \['email'\] unique; they cannot be left out"):
        put_unique(USERS, "x", ["name"])
    assert appsync.put_item(USERS, "x", allow_unique_fields=True).name == "x"  # only when asked for


def test_catalog_put_user_keeps_emails_unique(env: Env) -> None:
    """putUser (appsync-put-item) is the unique put: no duplicate, and a change leaves a record for the new value."""
    machine = registered()["appsync-put-item"].build()
    assert [s["Resource"] for s in machine.to_asl()["States"].values() if "Resource" in s] == [
        "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems"]
    env.deploy(machine)
    run = env.engine.run
    assert run("appsync-put-item", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io")}}).ok()
    dup = run("appsync-put-item", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert (dup.error, dup.cause) == ("UniqueConstraintViolation", "email already used by another User")
    assert run("appsync-put-item", env.ctx("ta") | {"arguments": {"input": _user("u1", "b@x.io")}}).ok()
    pks = sorted(i["pk"]["S"] for i in stored(env.engine))
    assert pks == ["ta#UNIQUE#User.email#a@x.io", "ta#UNIQUE#User.email#b@x.io", "ta#User"]


# -- 3: key attributes are the machines' own --------------------------------------------------------------
@pytest.mark.parametrize("name", ["pk", "sk", "gpk", "gsk", "uniqueToken"])
def test_entity_fields_named_like_key_attributes_are_refused(name: str) -> None:
    Smuggler = dataclasses.make_dataclass("Smuggler", [("id", str), (name, str)])
    with pytest.raises(BuildError, match=rf"Smuggler.*{name}"):
        TenantTable(Smuggler, indexes=(SecondaryIndex("byX", "gpk", "gsk"),))


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_put_writes_index_keys_from_the_tenant_not_from_arguments(env: Env, ql: str) -> None:
    _index_table(env)
    layout = TenantTable(Note, query_language=ql, indexes=(BY_TITLE,))
    env.deploy(appsync.put_item(layout, "note-put"))
    env.deploy(appsync.query_items(layout, "note-by-title", index="byTitle"))
    forged = {"id": "n1", "title": "plan", "stars": 1, "gpk": "tb#NoteByTitle", "gsk": "TITLE#aaa"}
    r = env.engine.run("note-put", env.ctx("ta") | {"arguments": {"input": forged}})
    assert r.ok(), r.cause
    [item] = stored(env.engine)
    assert (item["gpk"], item["gsk"]) == ({"S": "ta#NoteByTitle"}, {"S": "TITLE#plan"})
    mine = env.engine.run("note-by-title", env.ctx("ta") | {"arguments": {}})
    assert mine.output["items"] == [{"id": "n1", "title": "plan", "stars": 1}]
    theirs = env.engine.run("note-by-title", env.ctx("tb") | {"arguments": {}})
    assert theirs.output["items"] == [] and "plan" not in dumps(theirs.output)


def test_index_layouts_are_checked() -> None:
    with pytest.raises(BuildError, match="partition_suffix 'ByTitle' must be empty or start with '#'"):
        SecondaryIndex("byTitle", "gpk", "gsk", partition_suffix="ByTitle")
    with pytest.raises(BuildError, match="sk_field 'stars2' must be a required str or number field of Note"):
        TenantTable(Note, indexes=(SecondaryIndex("byX", "gpk", "gsk", sk_field="stars2"),))
    with pytest.raises(BuildError, match="indexes disagree on what attribute 'gpk' holds"):
        TenantTable(Note, indexes=(BY_TITLE, SecondaryIndex("byStars", "gpk", "gsk2", partition_suffix="#S")))
    with pytest.raises(BuildError, match="Note.title is an index sort key's source"):
        appsync.update_item(TenantTable(Note, indexes=(BY_TITLE,)), "x", ["title"])


# -- 4: bad arguments are named, before any call --------------------------------------------------------------
@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_bad_user_input_fails_as_invalid_argument(env: Env, ql: str) -> None:
    layout = dataclasses.replace(USERS, query_language=ql)
    env.deploy(put_unique(layout, "user-put"))
    env.deploy(appsync.get_item(layout, "user-get"))
    env.deploy(appsync.update_item(layout, "user-update", ["name", "logins"]))
    good = _user("u1", "a@x.io")
    no_email = {k: v for k, v in good.items() if k != "email"}
    no_id = {k: v for k, v in good.items() if k != "id"}
    cases = [("user-put", {"input": no_email}, "input.email is required and must be a string"),
             ("user-put", {"input": no_id}, "input.id is required and must be a string"),
             ("user-put", {"input": good | {"logins": "abc"}}, "input.logins must be a number"),
             ("user-put", {"input": good | {"admin": "yes"}}, "input.admin must be a boolean"),
             ("user-get", {}, "id is required and must be a non-empty string"),
             ("user-get", {"id": 7}, "id is required and must be a non-empty string"),
             ("user-update", {"id": "u1", "input": {"name": "n"}}, "input.logins is required and must be a number")]
    for machine, args, cause in cases:
        r = env.engine.run(machine, env.ctx("ta") | {"arguments": args})
        # JSONPath's Fail has one fixed cause per field: "... is required and must be ..." for a wrong type too
        expected = cause if ql == JSONATA or "is required" in cause else cause.replace(" must", " is required and must")
        assert (r.error, r.cause) == ("Resolver.InvalidArgument", expected), (machine, args, r.error, r.cause)
        assert _no_call(r), (machine, args)
    assert stored(env.engine) == []
    # the context is judged first: missing context and a bad argument -> Tenant.MissingContext
    r = env.engine.run("user-put", {"identity": {"resolverContext": {"tenantId": "ta"}}, "arguments": {"input": {}}})
    assert r.error == "Tenant.MissingContext"


def test_jsonata_checks_nested_and_list_fields(env: Env) -> None:
    from tests.patterns.test_appsync_machines import Everything

    env.deploy(appsync.put_item(TenantTable(Everything, query_language=JSONATA), "any-put"))
    base = {"id": "e1", "text": "t", "count": 1, "ratio": 0.5, "exact": "3", "flag": True, "blob": "AQI=",
            "words": ["w"], "blobs": ["eg=="], "numbers": [4], "lines": [], "geo": {"lat": 1, "name": "g"},
            "places": [], "note": None}
    assert env.engine.run("any-put", env.ctx("ta") | {"arguments": {"input": base}}).ok()  # optional null: left out
    for change, cause in (({"words": []}, "input.words must be a non-empty list of distinct strings"),
                          ({"numbers": [1, 1]}, "input.numbers must be a non-empty list of distinct numbers"),
                          ({"geo": {"lat": "north", "name": "g"}}, "input.geo.lat must be a number"),
                          ({"places": [{"lat": 1}]}, "input.places[].name is required and must be a string"),
                          ({"lines": "abc"}, "input.lines must be a list of strings"),
                          ({"note": 5}, "input.note must be a string")):
        r = env.engine.run("any-put", env.ctx("ta") | {"arguments": {"input": base | change}})
        assert (r.error, r.cause) == ("Resolver.InvalidArgument", cause), (change, r.error, r.cause)


# -- 5: an empty sort-key prefix sends no begins_with --------------------------------------------------------
@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_query_without_any_prefix_lists_the_partition(env: Env, ql: str) -> None:
    layout = TenantTable(Note, query_language=ql, sk_prefix="")
    env.deploy(appsync.put_item(layout, "note-put"))
    env.deploy(appsync.query_items(layout, "note-query"))
    for tenant in ("ta", "tb"):
        for i in range(3):
            note = {"id": f"n{i}", "title": f"{tenant}-secret", "stars": i}
            assert env.engine.run("note-put", env.ctx(tenant) | {"arguments": {"input": note}}).ok()
    r = env.engine.run("note-query", env.ctx("ta") | {"arguments": {}})
    assert r.ok(), r.cause
    assert [n["id"] for n in r.output["items"]] == ["n0", "n1", "n2"] and "tb-secret" not in dumps(r.output)
    [request] = [e["taskScheduledEventDetails"]["parameters"] for e in r.history if e["type"] == "TaskScheduled"]
    assert "begins_with" not in request and ":prefix" not in request
    narrowed = env.engine.run("note-query", env.ctx("ta") | {"arguments": {"prefix": "n1"}})
    assert [n["id"] for n in narrowed.output["items"]] == ["n1"]
