"""Query resolver arguments on the local engine (tenant roles enforced): prefix, limit, index, paging tokens."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import pytest

from tests.patterns.dynamodb_oracle import marshal
from tests.patterns.test_appsync_env import Env, dumps, make_env
from workflows.core import JSONATA, JSONPATH, BuildError
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync.layout import SecondaryIndex, TenantTable

BY_TITLE = SecondaryIndex("byTitle", "gpk", "gsk", partition_suffix="#NoteByTitle", sk_prefix="TITLE#")


@dataclass
class Note:
    id: str
    title: str
    stars: int


def _layout(ql: str) -> TenantTable:
    return TenantTable(Note, query_language=ql, indexes=(BY_TITLE,))


@pytest.fixture
def env(local_engine: LocalEngine) -> Env:
    env = make_env(local_engine)
    ddb = local_engine.client("dynamodb")
    ddb.delete_table(TableName="app-table")  # again, with the index
    ddb.create_table(
        TableName="app-table", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk", "gpk", "gsk")],
        GlobalSecondaryIndexes=[{"IndexName": "byTitle", "Projection": {"ProjectionType": "ALL"}, "KeySchema": [
            {"AttributeName": "gpk", "KeyType": "HASH"}, {"AttributeName": "gsk", "KeyType": "RANGE"}]}])
    # titles sort in the reverse order of ids, so index order is visibly not table order
    for tenant in ("ta", "tb"):
        for i in range(5):
            note = {"id": f"n{i}", "title": f"t{9 - i}-{tenant}-secret", "stars": i}
            ddb.put_item(TableName="app-table", Item=marshal({
                "pk": f"{tenant}#Note", "sk": f"NOTE#{note['id']}", "gpk": f"{tenant}#NoteByTitle",
                "gsk": f"TITLE#{note['title']}", **note}))
        ddb.put_item(TableName="app-table", Item=marshal({"pk": f"{tenant}#Note", "sk": "OTHER#x", "id": "x"}))
    return env


def _deploy(env: Env, ql: str, page_size: int = 2) -> None:
    env.deploy(appsync.query_items(_layout(ql), "note-query", page_size=page_size))
    env.deploy(appsync.query_items(_layout(ql), "note-by-title", page_size=page_size, index="byTitle"))


def _all_pages(env: Env, machine: str, tenant: str, args: dict[str, Any]) -> tuple[list[list[dict]], list[str]]:
    pages, tokens, token = [], [], None
    while True:
        r = env.engine.run(machine, env.ctx(tenant) | {"arguments": args | ({"nextToken": token} if token else {})})
        assert r.ok(), (r.error, r.cause)
        pages.append(r.output["items"])
        token = r.output["nextToken"]
        if token is None:
            return pages, tokens
        tokens.append(token)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_prefix_limit_and_index_paging(env: Env, ql: str) -> None:
    _deploy(env, ql)
    pages, _ = _all_pages(env, "note-query", "ta", {})
    assert [[n["id"] for n in p] for p in pages] == [["n0", "n1"], ["n2", "n3"], ["n4"]]  # OTHER#x never listed
    assert pages[0][0] == {"id": "n0", "title": "t9-ta-secret", "stars": 0}  # no pk/sk/gpk/gsk in the output

    narrowed, _ = _all_pages(env, "note-query", "ta", {"prefix": "n3"})
    assert [[n["id"] for n in p] for p in narrowed] == [["n3"]]
    one, _ = _all_pages(env, "note-query", "ta", {"limit": 1})
    # DynamoDB returns a LastEvaluatedKey whenever Limit was reached, so the last page is empty
    assert [[n["id"] for n in p] for p in one] == [["n0"], ["n1"], ["n2"], ["n3"], ["n4"], []]
    capped = env.engine.run("note-query", env.ctx("ta") | {"arguments": {"limit": 500}})
    assert len(capped.output["items"]) == 2  # capped at page_size
    nulls = env.engine.run("note-query", env.ctx("ta") | {"arguments": {"limit": None, "prefix": None,
                                                                         "nextToken": None}})
    assert [n["id"] for n in nulls.output["items"]] == ["n0", "n1"]  # GraphQL nulls = not given

    by_title, tokens = _all_pages(env, "note-by-title", "ta", {})
    assert [[n["id"] for n in p] for p in by_title] == [["n4", "n3"], ["n2", "n1"], ["n0"]]
    first = base64.b64decode(tokens[0].split(".")[0]).decode(), base64.b64decode(tokens[0].split(".")[1]).decode()
    assert first == ("TITLE#t6-ta-secret", "NOTE#n3")  # index sort key and table sort key, nothing else
    titled, _ = _all_pages(env, "note-by-title", "tb", {"prefix": "t7"})
    assert [[n["title"] for n in p] for p in titled] == [["t7-tb-secret"]]
    assert "ta-secret" not in dumps(titled)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_forged_tokens_stay_in_the_callers_partition(env: Env, ql: str) -> None:
    _deploy(env, ql, page_size=10)
    b64 = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
    # tb's own sort keys, and keys "before everything": the partition half is rebuilt from ta's context
    for machine, token in (("note-query", b64("NOTE#")), ("note-query", b64("NOTE#n1")),
                           ("note-by-title", f"{b64('TITLE#')}.{b64('NOTE#')}"),
                           ("note-by-title", f"{b64('TITLE#t8-tb-secret')}.{b64('NOTE#n1')}")):
        r = env.engine.run(machine, env.ctx("ta") | {"arguments": {"nextToken": token}})
        assert r.ok(), (machine, token, r.cause)
        assert r.output["items"] and "tb-secret" not in dumps(r.output), (machine, token)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_bad_arguments_fail_named_before_any_call(env: Env, ql: str) -> None:
    _deploy(env, ql)
    cases = [("note-query", {"limit": 0}, "limit must be a positive integer"),
             ("note-query", {"limit": 1.5}, "limit must be a positive integer"),
             ("note-query", {"limit": "5"}, "limit must be a positive integer"),
             ("note-query", {"prefix": 7}, "prefix must be a string"),
             ("note-query", {"nextToken": "not base64!"}, "nextToken is not a token of this query"),
             ("note-by-title", {"nextToken": base64.b64encode(b"NOTE#n1").decode()},
              "nextToken is not a token of this query")]  # a table token given to the index query
    for machine, args, cause in cases:
        r = env.engine.run(machine, env.ctx("ta") | {"arguments": args})
        assert (r.error, r.cause) == ("Resolver.InvalidArgument", cause), (machine, args, r.error, r.cause)
        assert not any(e["type"] == "TaskScheduled" for e in r.history), (machine, args)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_index_query_is_held_to_the_tenant_role_leading_keys(env: Env, ql: str) -> None:
    """IAM's LeadingKeys applies to the index partition key too: A's role with B's tenant id is denied."""
    _deploy(env, ql)
    tampered = {"identity": {"resolverContext": {"tenantId": "tb", "tenantRoleArn": env.roles["ta"]}},
                "arguments": {}}
    r = env.engine.run("note-by-title", tampered)
    assert r.status == "FAILED" and r.error == "Tenant.AccessDenied", (r.error, r.cause)
    assert r.cause.startswith("DynamoDb.DynamoDbException: User: ")  # AWS's error stays in the message
    assert "dynamodb:Query" in r.cause and "index/byTitle" in r.cause
    assert "tb-secret" not in dumps([r.output, r.cause, r.history])
    missing = env.engine.run("note-by-title", {"identity": {"resolverContext": {"tenantId": "ta"}}, "arguments": {}})
    assert missing.error == "Tenant.MissingContext"


def test_index_options_are_checked() -> None:
    with pytest.raises(BuildError, match="Note has no index 'byStars'"):
        appsync.query_items(_layout(JSONATA), "x", index="byStars")
    with pytest.raises(BuildError, match="its sort key is the table's partition key"):
        TenantTable(Note, indexes=(SecondaryIndex("inverted", "sk", "pk"),))
    with pytest.raises(BuildError, match="partition_suffix must be '#Note'"):
        TenantTable(Note, indexes=(SecondaryIndex("local", "pk", "lsk"),))
    with pytest.raises(BuildError, match="index names must be unique"):
        TenantTable(Note, indexes=(BY_TITLE, BY_TITLE))
    with pytest.raises(BuildError, match="may only hold"):
        SecondaryIndex("byTitle", "gpk", "gsk", sk_prefix="T'")
    with pytest.raises(BuildError, match="page_size"):
        appsync.query_items(_layout(JSONPATH), "x", page_size=True)
