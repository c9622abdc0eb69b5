"""Unique-constraint put and the stream-driven cleanup, on the local engine with tenant roles enforced."""

from __future__ import annotations

from typing import Any

import pytest

from tests.patterns.test_appsync_env import Env, make_env, stored
from workflows.catalog.appsync import USERS
from workflows.catalog.registry import registered
from workflows.core import JSONATA, JSONPATH, BuildError, validate_definition
from workflows.local.engine import LocalEngine
from workflows.patterns.appsync_unique import constraint_key, put_unique, unique_cleanup
import dataclasses


def _user(uid: str, email: str) -> dict[str, Any]:
    return {"id": uid, "email": email, "name": uid.upper(), "admin": False, "logins": 1}


def _stream(event: str, tenant: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    """A DynamoDB stream record as Lambda/Pipes deliver it (NEW_AND_OLD_IMAGES)."""
    uid = (old or new or {})["id"]
    keys = {"pk": {"S": f"{tenant}#User"}, "sk": {"S": f"USER#{uid}"}}
    record: dict[str, Any] = {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": {"Keys": keys}}
    if old:
        record["dynamodb"]["OldImage"] = keys | {"id": {"S": old["id"]}, "email": {"S": old["email"]}}
    if new:
        record["dynamodb"]["NewImage"] = keys | {"id": {"S": new["id"]}, "email": {"S": new["email"]}}
    return record


def _constraint_exists(env: Env, tenant: str, email: str) -> bool:
    key = constraint_key(USERS, tenant, "email", email)
    return "Item" in env.engine.client("dynamodb").get_item(TableName="app-table", Key=key)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_unique_put_and_cleanup(local_engine: LocalEngine, ql: str) -> None:
    env = make_env(local_engine)
    layout = dataclasses.replace(USERS, query_language=ql)
    env.deploy(put_unique(layout, "user-put-unique", ["email"]))
    env.deploy(unique_cleanup(layout, "user-unique-cleanup", ["email"]))
    run = env.engine.run

    first = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io") | {"x": 1}}})
    assert first.ok(), first.cause
    assert first.output == _user("u1", "a@x.io")  # only the entity's fields, as stored
    dup = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert dup.error == "UniqueConstraintViolation"
    assert dup.cause == "email already used by another User"
    same = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io") | {"logins": 2}}})
    assert same.ok(), same.cause
    other_tenant = run("user-put-unique", env.ctx("tb") | {"arguments": {"input": _user("u9", "a@x.io")}})
    assert other_tenant.ok(), other_tenant.cause  # uniqueness is per tenant
    assert len(stored(env.engine)) == 4  # two users + two constraint records

    changed = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "b@x.io")}})
    assert changed.ok(), changed.cause
    assert _constraint_exists(env, "ta", "a@x.io") and _constraint_exists(env, "ta", "b@x.io")

    cleaned = run("user-unique-cleanup", _stream("MODIFY", "ta", _user("u1", "a@x.io"), _user("u1", "b@x.io")))
    assert cleaned.ok(), cleaned.cause
    assert "ReleaseEmail" in cleaned.state_names
    assert not _constraint_exists(env, "ta", "a@x.io") and _constraint_exists(env, "ta", "b@x.io")
    assert _constraint_exists(env, "tb", "a@x.io")  # the other tenant's record is untouched

    taken = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert taken.ok(), taken.cause  # the released value is free again

    unchanged = run("user-unique-cleanup", _stream("MODIFY", "ta", _user("u2", "a@x.io"), _user("u2", "a@x.io")))
    assert unchanged.ok() and "ReleaseEmail" not in unchanged.state_names
    stale = run("user-unique-cleanup", _stream("REMOVE", "ta", _user("u1", "a@x.io"), None))
    assert stale.ok() and _constraint_exists(env, "ta", "a@x.io")  # owned by u2 now: not deleted
    removed = run("user-unique-cleanup", _stream("REMOVE", "ta", _user("u2", "a@x.io"), None))
    assert removed.ok() and not _constraint_exists(env, "ta", "a@x.io")


def test_cleanup_for_unknown_tenant_fails_named(local_engine: LocalEngine) -> None:
    env = make_env(local_engine)
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email"]))
    r = env.engine.run("user-unique-cleanup", _stream("REMOVE", "zz", _user("u1", "a@x.io"), None))
    assert r.error == "Tenant.NotFound"


def test_missing_context_refused_before_the_transaction(local_engine: LocalEngine) -> None:
    env = make_env(local_engine)
    env.deploy(put_unique(USERS, "user-put-unique", ["email"]))
    r = env.engine.run("user-put-unique", {"identity": {"resolverContext": {"tenantId": "ta"}},
                                           "arguments": {"input": _user("u1", "a@x.io")}})
    assert r.error == "Tenant.MissingContext"
    assert stored(env.engine) == []


def test_cleanup_is_tenant_scoped_except_for_the_registry_read() -> None:
    machine = unique_cleanup(USERS, "user-unique-cleanup", ["email"])
    issues = validate_definition(machine.to_asl(), machine.name, placeholders=machine.placeholders,
                                 tenant_scoped=True)
    assert [(i.rule, i.path) for i in issues] == [("tenant-isolation", "EachRecord/ItemProcessor/LookupTenantRole")]


def test_catalog_machines_build_validate_and_are_express() -> None:
    names = ["appsync-get-item", "appsync-put-item", "appsync-update-item", "appsync-delete-item",
             "appsync-query", "appsync-put-unique", "appsync-unique-cleanup"]
    workflows = registered()
    for name in names:
        machine = workflows[name].build()
        machine.validate()
        assert machine.type == "EXPRESS"
        assert machine.tenant_scoped == (name != "appsync-unique-cleanup")
    assert registered()["appsync-get-item"].build().state_count() == 2  # GetUser + its Rejected Fail


def test_unique_refuses_bad_fields() -> None:
    with pytest.raises(BuildError, match="User has no field 'phone'"):
        put_unique(USERS, "x", ["phone"])
    with pytest.raises(BuildError, match="must be a required str"):
        put_unique(USERS, "x", ["logins"])
    with pytest.raises(BuildError, match="non-empty sequence"):
        put_unique(USERS, "x", "email")


def test_cleanup_takes_a_pipe_batch(local_engine: LocalEngine) -> None:
    """An EventBridge Pipe hands a Step Functions target the whole batch as an array: each record is handled."""
    env = make_env(local_engine)
    env.deploy(put_unique(USERS, "user-put-unique", ["email"]))
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email"]))
    for tenant, uid, email in (("ta", "u1", "a@x.io"), ("ta", "u2", "b@x.io"), ("tb", "u1", "a@x.io"),
                               ("ta", "u1", "c@x.io")):
        assert env.engine.run("user-put-unique", env.ctx(tenant) | {"arguments": {"input": _user(uid, email)}}).ok()
    insert = _stream("INSERT", "tb", None, _user("u1", "a@x.io"))
    batch = [insert, _stream("MODIFY", "ta", _user("u1", "a@x.io"), _user("u1", "c@x.io")),
             _stream("REMOVE", "ta", _user("u2", "b@x.io"), None),
             _stream("MODIFY", "tb", _user("u1", "a@x.io"), _user("u1", "a@x.io"))]
    r = env.engine.run("user-unique-cleanup", batch)
    assert r.ok(), r.cause
    assert [s for s in r.state_names if s.startswith("Release")] == ["ReleaseEmail", "ReleaseEmail"]
    assert not _constraint_exists(env, "ta", "a@x.io") and not _constraint_exists(env, "ta", "b@x.io")
    assert _constraint_exists(env, "ta", "c@x.io") and _constraint_exists(env, "tb", "a@x.io")
    assert env.engine.run("user-unique-cleanup", []).ok()  # an empty batch is nothing to do


def test_cleanup_filter_selects_what_the_machine_acts_on() -> None:
    """Judged by moto's EventBridge pattern matcher: MODIFY/REMOVE of Users with an old email pass."""
    import json

    from moto.events.models import EventPattern

    from workflows.catalog.appsync import CLEANUP_FILTER

    [pattern] = [EventPattern.load(json.dumps(p)) for p in CLEANUP_FILTER]
    user = _user("u1", "a@x.io")
    passes = {event: pattern.matches_event(_stream(event, "ta", user if event != "INSERT" else None,
                                                   user if event != "REMOVE" else None))
              for event in ("INSERT", "MODIFY", "REMOVE")}
    assert passes == {"INSERT": False, "MODIFY": True, "REMOVE": True}
    other = _stream("REMOVE", "ta", user, None)
    other["dynamodb"]["Keys"]["sk"] = {"S": "ORDER#o1"}
    assert not pattern.matches_event(other)
    constraint = _stream("REMOVE", "ta", user, None)
    constraint["dynamodb"]["Keys"]["sk"] = {"S": "UNIQUE"}  # the cleanup's own deletes do not loop back
    assert not pattern.matches_event(constraint)
    no_email = _stream("MODIFY", "ta", user, user)
    del no_email["dynamodb"]["OldImage"]["email"]
    assert not pattern.matches_event(no_email)
