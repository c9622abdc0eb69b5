"""Unique-constraint put and the stream-driven cleanup, on the local engine with tenant roles enforced."""

from __future__ import annotations

from typing import Any

import dataclasses
import json

import pytest
from moto.events.models import EventPattern

from tests.patterns.test_appsync_env import Env, make_env, stored
from workflows.examples.users.machines.appsync import CLEANUP_FILTER, USERS
from workflows.registry import registered
from workflows.core import JSONATA, JSONPATH, BuildError, validate_definition
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync.layout import TenantTable
from workflows.patterns.appsync.unique import (CLEANUP_FAILED, MALFORMED_RECORD, UNIQUE_TOKEN_ATTR, constraint_key,
                                               put_unique, unique_cleanup)


def _user(uid: str, email: str) -> dict[str, Any]:
    return {"id": uid, "email": email, "name": uid.upper(), "admin": False, "logins": 1}


def _stream(event: str, tenant: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, Any]:
    """A hand-made stream record (NEW_AND_OLD_IMAGES) for the filter and for items written before tokens."""
    uid = (old or new or {})["id"]
    keys = {"pk": {"S": f"{tenant}#User"}, "sk": {"S": f"USER#{uid}"}}
    record: dict[str, Any] = {"eventName": event, "eventSource": "aws:dynamodb", "dynamodb": {"Keys": keys}}
    if old:
        record["dynamodb"]["OldImage"] = keys | {"id": {"S": old["id"]}, "email": {"S": old["email"]}}
    if new:
        record["dynamodb"]["NewImage"] = keys | {"id": {"S": new["id"]}, "email": {"S": new["email"]}}
    return record


class Stream:
    """The app table's own stream (moto's DynamoDB Streams), read as the cleanup pipe reads it.

    Why real records: the cleanup's condition depends on what the put wrote into the item (its
    token), so the records must be the ones DynamoDB produced, not ones a test typed.
    """

    def __init__(self, env: Env) -> None:
        spec = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        self._arn = env.engine.client("dynamodb").update_table(
            TableName="app-table", StreamSpecification=spec)["TableDescription"]["LatestStreamArn"]
        self._streams = env.engine.client("dynamodbstreams")
        self._after: str | None = None
        self._filter = [EventPattern.load(json.dumps(p)) for p in CLEANUP_FILTER]

    def take(self, *, piped: bool = True) -> list[dict[str, Any]]:
        """Records since the last take; ``piped``: only those the pipe's filter passes, as it would.

        A new iterator each time (after the last sequence number seen): moto 5.2.5 rolls a cancelled
        transaction back by swapping in a deep copy of the table, so an older iterator keeps reading
        the discarded shard (which even holds the cancelled writes' records).
        """
        [shard] = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        position = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self._after} if self._after
                    else {"ShardIteratorType": "TRIM_HORIZON"})
        iterator = self._streams.get_shard_iterator(StreamArn=self._arn, ShardId=shard["ShardId"],
                                                    **position)["ShardIterator"]
        page = self._streams.get_records(ShardIterator=iterator)["Records"]
        if page:
            self._after = page[-1]["dynamodb"]["SequenceNumber"]
        # the pipe delivers JSON: the creation time as epoch seconds
        records = [json.loads(json.dumps(r, default=lambda d: d.timestamp())) for r in page]
        return [r for r in records if not piped or any(p.matches_event(r) for p in self._filter)]


def _constraint(env: Env, tenant: str, email: str) -> dict[str, Any] | None:
    key = constraint_key(USERS, tenant, "email", email)
    return env.engine.client("dynamodb").get_item(TableName="app-table", Key=key).get("Item")


def _constraint_exists(env: Env, tenant: str, email: str) -> bool:
    return _constraint(env, tenant, email) is not None


def _user_item(env: Env, tenant: str, uid: str) -> dict[str, Any] | None:
    key = {"pk": {"S": f"{tenant}#User"}, "sk": {"S": f"USER#{uid}"}}
    return env.engine.client("dynamodb").get_item(TableName="app-table", Key=key).get("Item")


def _summary(result: Any) -> dict[str, Any]:
    """The cleanup's summary: its output, or (failed execution) the JSON in its cause."""
    return result.output if result.ok() else json.loads(result.cause)


def _deploy(env: Env, ql: str) -> None:
    layout = dataclasses.replace(USERS, query_language=ql)
    env.deploy(put_unique(layout, "user-put-unique", ["email"], upsert=True))
    env.deploy(unique_cleanup(layout, "user-unique-cleanup", ["email"]))
    env.deploy(appsync.delete_item(layout, "user-delete"))
    env.deploy(appsync.get_item(layout, "user-get"))


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_unique_put_and_cleanup(local_engine: LocalEngine, ql: str) -> None:
    env = make_env(local_engine)
    stream = Stream(env)
    _deploy(env, ql)
    run = env.engine.run

    first = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io") | {"x": 1}}})
    assert first.ok(), first.cause
    assert first.output == _user("u1", "a@x.io")  # only the entity's fields, as stored
    token = _user_item(env, "ta", "u1")[UNIQUE_TOKEN_ATTR]
    assert _constraint(env, "ta", "a@x.io")[UNIQUE_TOKEN_ATTR] == token  # one token per write, in both
    got = run("user-get", env.ctx("ta") | {"arguments": {"id": "u1"}})
    assert got.output == _user("u1", "a@x.io")  # the token is bookkeeping: never in an output
    dup = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert dup.error == "UniqueConstraintViolation"
    assert dup.cause == "email already used by another User"
    same = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io") | {"logins": 2}}})
    assert same.ok(), same.cause  # the same user re-putting its own value passes, as before
    assert _user_item(env, "ta", "u1")[UNIQUE_TOKEN_ATTR] != token  # ... with a new token
    other_tenant = run("user-put-unique", env.ctx("tb") | {"arguments": {"input": _user("u9", "a@x.io")}})
    assert other_tenant.ok(), other_tenant.cause  # uniqueness is per tenant
    assert len(stored(env.engine)) == 4  # two users + two constraint records

    unchanged = run("user-unique-cleanup", stream.take())  # a MODIFY with the same email
    assert unchanged.output == {"cleaned": 0, "skipped": 1, "failed": []}
    assert "ReleaseEmail" not in unchanged.state_names

    changed = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "b@x.io")}})
    assert changed.ok(), changed.cause
    assert _constraint_exists(env, "ta", "a@x.io") and _constraint_exists(env, "ta", "b@x.io")
    [modify] = stream.take()
    cleaned = run("user-unique-cleanup", modify)  # one record, as a direct caller sends it
    assert cleaned.output == {"cleaned": 1, "skipped": 0, "failed": []}, cleaned.cause
    assert not _constraint_exists(env, "ta", "a@x.io") and _constraint_exists(env, "ta", "b@x.io")
    assert _constraint_exists(env, "tb", "a@x.io")  # the other tenant's record is untouched

    taken = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert taken.ok(), taken.cause  # the released value is free again
    stream.take()
    replayed = run("user-unique-cleanup", [modify])  # at-least-once delivery: the same record again
    assert replayed.output == {"cleaned": 0, "skipped": 1, "failed": []}
    assert _constraint(env, "ta", "a@x.io")["ownerId"] == {"S": "u2"}  # owned by u2 now: not deleted

    assert run("user-delete", env.ctx("ta") | {"arguments": {"id": "u2"}}).ok()
    removed = run("user-unique-cleanup", stream.take())
    assert removed.output == {"cleaned": 1, "skipped": 0, "failed": []}
    assert not _constraint_exists(env, "ta", "a@x.io")


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_late_cleanup_spares_the_same_users_re_registration(local_engine: LocalEngine, ql: str) -> None:
    """put -> delete (REMOVE captured) -> same user re-puts the same value -> the late cleanup keeps it."""
    env = make_env(local_engine)
    stream = Stream(env)
    _deploy(env, ql)
    run = env.engine.run
    put = env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io")}}

    assert run("user-put-unique", put).ok()
    assert run("user-delete", env.ctx("ta") | {"arguments": {"id": "u1"}}).ok()
    [insert, remove] = stream.take(piped=False)[-2:]
    assert (insert["eventName"], remove["eventName"]) == ("INSERT", "REMOVE")
    again = run("user-put-unique", put)
    assert again.ok(), again.cause
    stream.take()
    late = run("user-unique-cleanup", [remove])
    assert late.output == {"cleaned": 0, "skipped": 1, "failed": []}
    record = _constraint(env, "ta", "a@x.io")
    assert record is not None and record[UNIQUE_TOKEN_ATTR] == _user_item(env, "ta", "u1")[UNIQUE_TOKEN_ATTR]
    dup = run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert dup.error == "UniqueConstraintViolation"  # still u1's: nobody else can take it

    # a -> b -> a before the cleanup runs: only b's record goes
    for email in ("b@x.io", "a@x.io"):
        assert run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", email)}}).ok()
    a_to_b, b_to_a = stream.take()
    batch = run("user-unique-cleanup", [a_to_b, b_to_a])
    assert batch.output == {"cleaned": 1, "skipped": 1, "failed": []}
    assert _constraint_exists(env, "ta", "a@x.io") and not _constraint_exists(env, "ta", "b@x.io")

    # and the plain REMOVE still releases
    assert run("user-delete", env.ctx("ta") | {"arguments": {"id": "u1"}}).ok()
    assert run("user-unique-cleanup", stream.take()).output == {"cleaned": 1, "skipped": 0, "failed": []}
    assert stored(env.engine) == []


def test_items_written_before_tokens_are_still_released(local_engine: LocalEngine) -> None:
    """An old item (no token) releases its record only while that record has no token either."""
    env = make_env(local_engine)
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email"]))
    env.deploy(put_unique(USERS, "user-put-unique", ["email"], upsert=True))
    ddb = env.engine.client("dynamodb")
    for uid, email in (("u1", "a@x.io"), ("u2", "b@x.io")):  # what the machine wrote before tokens
        ddb.put_item(TableName="app-table", Item=constraint_key(USERS, "ta", "email", email)
                     | {"ownerId": {"S": uid}, "field": {"S": "email"}})
    # u2 re-registered b@x.io since (with a token); both old users' REMOVEs arrive late
    assert env.engine.run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "b@x.io")}}).ok()
    r = env.engine.run("user-unique-cleanup", [_stream("REMOVE", "ta", _user("u1", "a@x.io"), None),
                                               _stream("REMOVE", "ta", _user("u2", "b@x.io"), None)])
    assert r.output == {"cleaned": 1, "skipped": 1, "failed": []}
    assert not _constraint_exists(env, "ta", "a@x.io") and _constraint_exists(env, "ta", "b@x.io")


def test_cleanup_for_unknown_tenant_fails_named(local_engine: LocalEngine) -> None:
    env = make_env(local_engine)
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email"]))
    record = _stream("REMOVE", "zz", _user("u1", "a@x.io"), None) | {"eventID": "e-zz"}
    r = env.engine.run("user-unique-cleanup", record)
    assert r.error == CLEANUP_FAILED
    [failed] = _summary(r)["failed"]
    assert failed == {"eventId": "e-zz", "error": "Tenant.NotFound", "deadLettered": True,
                      "cause": "the tenants table has no tenantRoleArn for the record's tenant"}


def test_a_failing_record_does_not_stop_the_batch(local_engine: LocalEngine) -> None:
    """Unknown tenant, malformed records, a tenant whose role lost access: each reported; the rest cleaned."""
    env = make_env(local_engine, tenants=("ta", "tb", "tc"))
    stream = Stream(env)
    env.deploy(put_unique(USERS, "user-put-unique", ["email"], upsert=True))
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email"]))
    for tenant in ("ta", "tb", "tc"):
        for email in ("a@x.io", "b@x.io"):
            assert env.engine.run("user-put-unique",
                                  env.ctx(tenant) | {"arguments": {"input": _user("u1", email)}}).ok()
    modify = {r["dynamodb"]["Keys"]["pk"]["S"].split("#")[0]: r for r in stream.take()}
    # tc's registry entry now names tb's role: its delete is an AccessDenied from IAM (LeadingKeys)
    env.engine.client("dynamodb").put_item(TableName="tenants", Item={
        "pk": {"S": "tc"}, "tenantRoleArn": {"S": env.roles["tb"]}, "status": {"S": "ACTIVE"}})
    unknown = _stream("REMOVE", "zz", _user("u1", "a@x.io"), None) | {"eventID": "e-zz"}
    malformed = {"eventID": "e-bad", "eventName": "REMOVE", "dynamodb": {}}
    odd_key = _stream("REMOVE", "ta", _user("u1", "b@x.io"), None) | {"eventID": "e-odd"}
    odd_key["dynamodb"]["Keys"]["pk"] = {"N": "7"}  # no pk.S to read the tenant from
    insert = _stream("INSERT", "ta", None, _user("u7", "q@x.io")) | {"eventID": "e-insert"}
    batch = [modify["ta"], unknown, malformed, odd_key, modify["tc"], insert, modify["tb"]]

    r = env.engine.run("user-unique-cleanup", batch)
    assert r.error == CLEANUP_FAILED
    summary = _summary(r)
    assert (summary["cleaned"], summary["skipped"]) == (2, 1)
    assert [(f["eventId"], f["error"]) for f in summary["failed"]] == [
        ("e-zz", "Tenant.NotFound"), ("e-bad", MALFORMED_RECORD), ("e-odd", MALFORMED_RECORD),
        (modify["tc"]["eventID"], "DynamoDB.AccessDeniedException")]
    assert all(f["cause"] for f in summary["failed"])
    # the records after each failure were processed: ta's and tb's old values are released
    assert not _constraint_exists(env, "ta", "a@x.io") and not _constraint_exists(env, "tb", "a@x.io")
    assert _constraint_exists(env, "tc", "a@x.io")  # its own failure, reported above
    assert all(_constraint_exists(env, t, "b@x.io") for t in ("ta", "tb", "tc"))


def test_missing_context_refused_before_the_transaction(local_engine: LocalEngine) -> None:
    env = make_env(local_engine)
    env.deploy(put_unique(USERS, "user-put-unique", ["email"]))
    r = env.engine.run("user-put-unique", {"identity": {"resolverContext": {"tenantId": "ta"}},
                                           "arguments": {"input": _user("u1", "a@x.io")}})
    assert r.error == "Tenant.MissingContext"
    assert stored(env.engine) == []


def test_cleanup_is_not_tenant_scoped_and_the_lint_says_why() -> None:
    """The registry read runs under the execution role, the delete under a role read from the tenants
    table (not from resolverContext), and the dead letter (to the operators' queue, no tenant data store)
    under the execution role: the data-flow lint names exactly these three tasks."""
    machine = unique_cleanup(USERS, "user-unique-cleanup", ["email"])
    issues = validate_definition(machine.to_asl(), machine.name, placeholders=machine.placeholders,
                                 tenant_scoped=True)
    assert [(i.rule, i.path) for i in issues] == [
        ("tenant-isolation", "EachRecord/ItemProcessor/CleanRecord/Branches[0]/LookupTenantRole"),
        ("tenant-isolation", "EachRecord/ItemProcessor/CleanRecord/Branches[0]/ReleaseEmail"),
        ("tenant-isolation", "EachRecord/ItemProcessor/DeadLetter")]
    without = unique_cleanup(USERS, "user-unique-cleanup", ["email"], dead_letters=None)
    assert [i.path for i in validate_definition(without.to_asl(), without.name, placeholders=without.placeholders,
                                                tenant_scoped=True)][-1].endswith("ReleaseEmail")


def test_catalog_machines_build_validate_and_are_express() -> None:
    names = ["appsync-get-item", "appsync-put-item", "appsync-update-item", "appsync-delete-item",
             "appsync-query", "appsync-put-unique", "appsync-unique-cleanup"]
    workflows = registered()
    for name in names:
        machine = workflows[name].build()
        machine.validate()
        assert machine.type == "EXPRESS"
        assert machine.tenant_scoped == (name != "appsync-unique-cleanup")
    assert registered()["appsync-get-item"].build().state_count() == 3  # GetUser + its Rejected and AccessDenied Fails


def test_unique_refuses_bad_fields() -> None:
    with pytest.raises(BuildError, match="User has no field 'phone'"):
        put_unique(USERS, "x", ["phone"])
    with pytest.raises(BuildError, match="must be a required str"):
        put_unique(USERS, "x", ["logins"])
    with pytest.raises(BuildError, match="non-empty sequence"):
        put_unique(USERS, "x", "email")


def test_cleanup_takes_a_pipe_batch(local_engine: LocalEngine) -> None:
    """An EventBridge Pipe hands a Step Functions target the whole batch as an array: each record is handled.

    Unfiltered here (INSERTs, the constraint records' own changes): the machine skips what is not its.
    """
    env = make_env(local_engine)
    stream = Stream(env)
    env.deploy(put_unique(USERS, "user-put-unique", ["email"], upsert=True))
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email"]))
    env.deploy(appsync.delete_item(USERS, "user-delete"))
    for tenant, uid, email in (("ta", "u1", "a@x.io"), ("ta", "u2", "b@x.io"), ("tb", "u1", "a@x.io"),
                               ("ta", "u1", "c@x.io"), ("tb", "u1", "a@x.io")):
        assert env.engine.run("user-put-unique", env.ctx(tenant) | {"arguments": {"input": _user(uid, email)}}).ok()
    assert env.engine.run("user-delete", env.ctx("ta") | {"arguments": {"id": "u2"}}).ok()
    batch = stream.take(piped=False)
    assert len(batch) == 11  # 6 item changes + 5 constraint record writes
    r = env.engine.run("user-unique-cleanup", batch)
    assert r.output == {"cleaned": 2, "skipped": 9, "failed": []}, r.cause
    assert [s for s in r.state_names if s.startswith("Release")] == ["ReleaseEmail", "ReleaseEmail"]
    assert not _constraint_exists(env, "ta", "a@x.io") and not _constraint_exists(env, "ta", "b@x.io")
    assert _constraint_exists(env, "ta", "c@x.io") and _constraint_exists(env, "tb", "a@x.io")
    assert env.engine.run("user-unique-cleanup", []).output == {"cleaned": 0, "skipped": 0, "failed": []}


def test_cleanup_filter_selects_what_the_machine_acts_on() -> None:
    """Judged by moto's EventBridge pattern matcher: MODIFY/REMOVE of Users with an old email pass."""
    import json

    from moto.events.models import EventPattern

    from workflows.examples.users.machines.appsync import CLEANUP_FILTER

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


def test_two_unique_fields_share_one_token_and_release_independently(local_engine: LocalEngine) -> None:
    env = make_env(local_engine, tenants=("ta",))
    stream = Stream(env)
    env.deploy(put_unique(USERS, "user-put-unique", ["email", "name"], upsert=True))
    env.deploy(unique_cleanup(USERS, "user-unique-cleanup", ["email", "name"]))
    ddb = env.engine.client("dynamodb")

    def record(field: str, value: str) -> dict[str, Any] | None:
        return ddb.get_item(TableName="app-table", Key=constraint_key(USERS, "ta", field, value)).get("Item")

    assert env.engine.run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io")}}).ok()
    token = _user_item(env, "ta", "u1")[UNIQUE_TOKEN_ATTR]
    assert record("email", "a@x.io")[UNIQUE_TOKEN_ATTR] == record("name", "U1")[UNIQUE_TOKEN_ATTR] == token
    taken = env.engine.run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "b@x.io")
                                                                             | {"name": "U1"}}})
    assert (taken.error, taken.cause) == ("UniqueConstraintViolation", "name already used by another User")
    assert env.engine.run("user-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "c@x.io")}}).ok()
    r = env.engine.run("user-unique-cleanup", stream.take())
    assert r.output == {"cleaned": 1, "skipped": 0, "failed": []}
    assert [s for s in r.state_names if s.startswith("Release")] == ["ReleaseEmail"]
    assert record("email", "a@x.io") is None and record("email", "c@x.io") is not None
    assert record("name", "U1")[UNIQUE_TOKEN_ATTR] == _user_item(env, "ta", "u1")[UNIQUE_TOKEN_ATTR]


def test_an_entity_field_may_not_take_the_token_attribute() -> None:
    @dataclasses.dataclass
    class Account:
        id: str
        uniqueToken: str

    with pytest.raises(BuildError, match="Account.uniqueToken clashes with the attribute the unique put"):
        TenantTable(Account)


# -- create-only by default: an existing id is refused by name, never overwritten (#12.3) ----------------------------
@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_create_refuses_an_existing_id_and_keeps_the_user(local_engine: LocalEngine, ql: str) -> None:
    """Registering an id that exists must not replace the user (its admin flag, counters) nor release its email."""
    env = make_env(local_engine)
    layout = dataclasses.replace(USERS, query_language=ql)
    env.deploy(put_unique(layout, "user-register", ["email"]))
    run = env.engine.run
    owner = _user("u1", "a@x.io") | {"admin": True, "logins": 7}
    assert run("user-register", env.ctx("ta") | {"arguments": {"input": owner}}).ok()
    assert run("user-register", env.ctx("ta") | {"arguments": {"input": _user("u2", "b@x.io")}}).ok()
    before = _user_item(env, "ta", "u1")

    for attempt in (_user("u1", "c@x.io"),   # a new email
                    owner,                   # the very same input
                    _user("u1", "b@x.io")):  # an email another user holds: the id is what is wrong
        again = run("user-register", env.ctx("ta") | {"arguments": {"input": attempt}})
        assert (again.error, again.cause) == ("Resolver.AlreadyExists", "User u1 already exists"), attempt
    assert _user_item(env, "ta", "u1") == before  # admin flag, counters and token untouched
    assert _constraint(env, "ta", "a@x.io")[UNIQUE_TOKEN_ATTR] == before[UNIQUE_TOKEN_ATTR]
    assert not _constraint_exists(env, "ta", "c@x.io")  # the cancelled transaction wrote nothing
    assert _constraint(env, "ta", "b@x.io")["ownerId"] == {"S": "u2"}
    dup = run("user-register", env.ctx("ta") | {"arguments": {"input": _user("u3", "a@x.io")}})
    assert dup.error == "UniqueConstraintViolation"  # a@x.io is still u1's
    other_tenant = run("user-register", env.ctx("tb") | {"arguments": {"input": _user("u1", "a@x.io")}})
    assert other_tenant.ok(), other_tenant.cause  # ids, like unique values, are per tenant


def test_register_user_is_create_only_and_put_user_an_upsert(local_engine: LocalEngine) -> None:
    """The example: registerUser (appsync-put-unique) creates; putUser (appsync-put-item) replaces on purpose."""
    env = make_env(local_engine)
    for name in ("appsync-put-unique", "appsync-put-item"):
        env.deploy(registered()[name].build())
    run = env.engine.run
    owner = _user("u1", "a@x.io") | {"admin": True}
    assert run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": owner}}).ok()
    hijack = run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "x@evil.io")}})
    assert (hijack.error, hijack.cause) == ("Resolver.AlreadyExists", "User u1 already exists")
    assert _user_item(env, "ta", "u1")["admin"] == {"BOOL": True}
    replaced = run("appsync-put-item", env.ctx("ta") | {"arguments": {"input": _user("u1", "b@x.io")}})
    assert replaced.ok(), replaced.cause
    assert _user_item(env, "ta", "u1")["email"] == {"S": "b@x.io"}


# -- unique values are compared normalized: one address, one user (#12.9) -------------------------------------------
def test_spellings_of_one_email_cannot_both_register(local_engine: LocalEngine) -> None:
    """The example's registerUser: case variants collide; non-ASCII (NFC/NFD spellings) is refused by name."""
    env = make_env(local_engine)
    stream = Stream(env)
    for name in ("appsync-put-unique", "appsync-delete-item", "appsync-get-item", "appsync-unique-cleanup"):
        env.deploy(registered()[name].build())
    run = env.engine.run
    first = run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "Ana@X.io")}})
    assert first.ok(), first.cause
    for uid, spelling in (("u2", "ana@x.io"), ("u3", "ANA@X.IO"), ("u4", "aNa@x.IO")):
        dup = run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user(uid, spelling)}})
        assert (dup.error, dup.cause) == ("UniqueConstraintViolation", "email already used by another User"), spelling
    for uid, spelling in (("u5", "jos\u00e9@x.io"), ("u6", "jose\u0301@x.io")):  # NFC and NFD of one address
        refused = run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user(uid, spelling)}})
        assert refused.error == "Resolver.InvalidArgument", (spelling, refused.error, refused.cause)
        assert refused.cause.startswith("input.email must be ASCII"), refused.cause
    got = run("appsync-get-item", env.ctx("ta") | {"arguments": {"id": "u1"}})
    assert got.output["email"] == "Ana@X.io"  # the item keeps the spelling the user chose
    other_tenant = run("appsync-put-unique", env.ctx("tb") | {"arguments": {"input": _user("u1", "ana@x.io")}})
    assert other_tenant.ok(), other_tenant.cause

    assert run("appsync-delete-item", env.ctx("ta") | {"arguments": {"id": "u1"}}).ok()
    released = run("appsync-unique-cleanup", stream.take())
    assert released.output == {"cleaned": 1, "skipped": 0, "failed": []}, released.cause
    again = run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "ANA@x.io")}})
    assert again.ok(), again.cause  # the normalized record was the one released


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_normalized_unique_values_in_both_query_languages(local_engine: LocalEngine, ql: str) -> None:
    from workflows.patterns.appsync import Normalize

    env = make_env(local_engine, tenants=("ta",))
    stream = Stream(env)
    layout = TenantTable(USERS.entity, query_language=ql, unique={"email": Normalize.EMAIL, "name": Normalize.LOWERCASE})
    env.deploy(put_unique(layout, "user-put", upsert=True))
    env.deploy(unique_cleanup(layout, "user-cleanup"))
    run = env.engine.run
    assert run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u1", "Ana@x.io") | {"name": "Ana"}}}).ok()
    record = _constraint(env, "ta", "Ana@x.io")  # constraint_key normalizes as the machine does
    assert record is not None and record["pk"] == {"S": "ta#UNIQUE#User.email#ana@x.io"}
    taken = run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u2", "b@x.io") | {"name": "ANA"}}})
    assert (taken.error, taken.cause) == ("UniqueConstraintViolation", "name already used by another User")
    unicode_name = run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u3", "c@x.io") | {"name": "Zoë"}}})
    assert unicode_name.ok(), unicode_name.cause  # LOWERCASE alone does not refuse non-ASCII
    refused = run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u4", "Zo\u00eb@x.io")}})
    assert refused.error == "Resolver.InvalidArgument" and refused.cause.startswith("input.email must be ASCII")
    bad_type = run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u4", "d@x.io") | {"email": 5}}})
    assert bad_type.error == "Resolver.InvalidArgument" and "input.email" in bad_type.cause  # the type is named first
    # a change of spelling only: the record is the same one, kept (the late cleanup's token no longer matches)
    assert run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u1", "ANA@x.io") | {"name": "Ana"}}}).ok()
    cleaned = run("user-cleanup", stream.take())
    assert cleaned.ok(), cleaned.cause
    assert _constraint(env, "ta", "ana@x.io")["ownerId"] == {"S": "u1"}
    assert run("user-put", env.ctx("ta") | {"arguments": {"input": _user("u1", "new@x.io") | {"name": "Ana"}}}).ok()
    assert run("user-cleanup", stream.take()).output == {"cleaned": 1, "skipped": 0, "failed": []}
    assert not _constraint_exists(env, "ta", "ana@x.io")


def test_normalization_is_declared_per_unique_field() -> None:
    from workflows.patterns.appsync import Normalize

    entity = USERS.entity
    assert TenantTable(entity, unique=("email",)).normalization("email") is Normalize.EXACT  # as before
    mapped = TenantTable(entity, unique={"email": Normalize.EMAIL})
    assert (mapped.unique, mapped.normalization("email")) == (("email",), Normalize.EMAIL)
    assert dataclasses.replace(mapped, query_language=JSONPATH).normalization("email") is Normalize.EMAIL
    assert TenantTable(entity, unique=("email",), normalize={"email": Normalize.LOWERCASE}).normalization(
        "email") is Normalize.LOWERCASE
    assert constraint_key(mapped, "ta", "email", "A@X.io")["pk"] == {"S": "ta#UNIQUE#User.email#a@x.io"}
    with pytest.raises(ValueError, match="not ASCII"):
        constraint_key(mapped, "ta", "email", "\u00e9@x.io")
    with pytest.raises(BuildError, match="normalize names User.name, which is not a unique field"):
        TenantTable(entity, unique=("email",), normalize={"name": Normalize.LOWERCASE})
    with pytest.raises(BuildError, match="User.email: normalization must be a Normalize"):
        TenantTable(entity, unique={"email": "lower"})
    with pytest.raises(BuildError, match="unique says Normalize.EMAIL but normalize says Normalize.EXACT"):
        TenantTable(entity, unique={"email": Normalize.EMAIL}, normalize={"email": Normalize.EXACT})
    with pytest.raises(BuildError, match="must be a required str"):
        TenantTable(entity, unique={"logins": Normalize.LOWERCASE})
