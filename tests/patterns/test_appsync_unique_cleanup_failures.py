"""A transient error must not lock a unique value forever: the cleanup retries, then dead-letters what still fails.

The cleanup is started fire-and-forget by its pipe: nothing retries a failed execution and nothing of it
reaches the pipe's dead-letter queue. So the machine itself retries throttling and transient errors
(backoff with jitter), and sends a record that still fails to its own SQS queue with the tenant, the key
and the cause, in a form an operator can start the machine with again (redrive).

Throttling comes from a MockConfigFile (Step Functions Local's format): a mocked task stands in for the
whole call, so a mocked success deletes nothing; the redrive test runs the real delete.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest

from tests.patterns.test_appsync_env import Env, make_env
from tests.patterns.test_appsync_unique import Stream, _constraint_exists, _user
from workflows.examples.users.machines.appsync import USERS  # noqa: F401 - registers the example's machines
from workflows.local.engine import LocalEngine
from workflows.registry import registered

CLEANUP = "appsync-unique-cleanup"
QUEUE = "unique-cleanup-dead-letters"  # the queue the machine's ${CleanupDeadLetterQueue} defaults to locally
THROTTLED = {"Throw": {"Error": "DynamoDB.ProvisionedThroughputExceededException",
                       "Cause": "The level of configured provisioned throughput for the table was exceeded."}}
CONFIG = {
    "StateMachines": {CLEANUP: {"TestCases": {
        "ThrottledOnce": {"ReleaseEmail": "ThrottledOnce"},
        "LookupThrottledOnce": {"LookupTenantRole": "ThrottledThenUnknown"},
        "AlwaysThrottled": {"ReleaseEmail": "AlwaysThrottled"},
        "InternalError": {"ReleaseEmail": "InternalErrorOnce"},
    }}},
    "MockedResponses": {
        "ThrottledOnce": {"0": THROTTLED, "1": {"Return": {}}},
        "ThrottledThenUnknown": {"0": THROTTLED, "1": {"Return": {}}},
        "AlwaysThrottled": {"0-19": THROTTLED},
        "InternalErrorOnce": {"0": {"Throw": {"Error": "DynamoDB.InternalServerErrorException", "Cause": "try again"}},
                              "1": {"Return": {}}},
    },
}


@pytest.fixture
def env() -> Iterator[Env]:
    with LocalEngine(mock_config=CONFIG) as engine:
        environment = make_env(engine, tenants=("ta", "tb"))
        for name in ("appsync-put-unique", "appsync-delete-item", CLEANUP):
            environment.deploy(registered()[name].build())
        yield environment


def _register_then_delete(env: Env, stream: Stream) -> list[dict[str, Any]]:
    """u1 registers a@x.io and is deleted: the REMOVE record the pipe would deliver."""
    run = env.engine.run
    assert run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u1", "a@x.io")}}).ok()
    assert run("appsync-delete-item", env.ctx("ta") | {"arguments": {"id": "u1"}}).ok()
    return stream.take()


def _dead_letters(env: Env) -> list[dict[str, Any]]:
    sqs = env.engine.client("sqs")
    url = sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


@pytest.mark.parametrize("case, error", [("ThrottledOnce", "DynamoDB.ProvisionedThroughputExceededException"),
                                         ("InternalError", "DynamoDB.InternalServerErrorException")])
def test_a_throttled_release_is_retried_with_backoff_then_succeeds(env: Env, case: str, error: str) -> None:
    stream = Stream(env)
    batch = _register_then_delete(env, stream)
    r = env.engine.run(CLEANUP, batch, test_case=case)
    assert r.ok(), (r.error, r.cause)
    assert r.output == {"cleaned": 1, "skipped": 0, "failed": []}
    assert [s for s in r.state_names if s == "ReleaseEmail"] == ["ReleaseEmail"]
    failed = [e["taskFailedEventDetails"]["error"] for e in r.history if e["type"] == "TaskFailed"]
    assert failed == [error]  # one failure, then the retry succeeded
    [(kind, seconds)] = r.waits
    assert kind == "Retry" and 0 <= seconds <= 1  # IntervalSeconds 1 with full jitter
    assert _dead_letters(env) == []


def test_a_throttled_tenant_lookup_is_retried_too(env: Env) -> None:
    stream = Stream(env)
    batch = _register_then_delete(env, stream)
    r = env.engine.run(CLEANUP, batch, test_case="LookupThrottledOnce")
    # the mocked second lookup returns no item: the record is then reported as an unknown tenant, not throttled
    failed = [e["taskFailedEventDetails"]["error"] for e in r.history if e["type"] == "TaskFailed"]
    assert failed == ["DynamoDB.ProvisionedThroughputExceededException"]
    assert [f["error"] for f in json.loads(r.cause)["failed"]] == ["Tenant.NotFound"]


def test_a_record_that_still_fails_is_dead_lettered_and_can_be_redriven(env: Env) -> None:
    """The reproduction: the delete is throttled; the record must not be lost and the email not stay locked."""
    stream = Stream(env)
    [remove] = _register_then_delete(env, stream)
    r = env.engine.run(CLEANUP, [remove], test_case="AlwaysThrottled")
    assert r.error == "UniqueCleanup.RecordsFailed"
    [failed] = json.loads(r.cause)["failed"]
    assert failed["error"] == "DynamoDB.ProvisionedThroughputExceededException" and failed["deadLettered"] is True
    attempts = [s for s in r.state_names if s == "ReleaseEmail"]
    assert len(attempts) == 1 and [kind for kind, _ in r.waits] == ["Retry"] * 3  # the first call and 3 retries
    # backoff 1, 2, 4 s with full jitter: each wait is drawn from [0, its interval]
    assert all(0 <= seconds <= cap for (_, seconds), cap in zip(r.waits, (1, 2, 4))), r.waits

    [letter] = _dead_letters(env)
    assert letter["tenantId"] == "ta"
    assert letter["keys"] == remove["dynamodb"]["Keys"]
    assert letter["eventId"] == remove["eventID"] and letter["eventName"] == "REMOVE"
    assert letter["error"] == "DynamoDB.ProvisionedThroughputExceededException"
    assert "provisioned throughput" in letter["cause"]
    assert "tenantRoleArn" not in json.dumps(letter)  # no credentials in an operator's queue
    assert _constraint_exists(env, "ta", "a@x.io")  # still locked...

    redriven = env.engine.run(CLEANUP, letter["record"])  # ...until an operator starts the machine with it
    assert redriven.output == {"cleaned": 1, "skipped": 0, "failed": []}, redriven.cause
    assert not _constraint_exists(env, "ta", "a@x.io")
    again = env.engine.run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": _user("u2", "a@x.io")}})
    assert again.ok(), again.cause


def test_every_failed_record_is_dead_lettered_with_its_tenant_key_and_cause(env: Env) -> None:
    """Unknown tenant, malformed record: each one reaches the queue; the others are still cleaned."""
    stream = Stream(env)
    [remove] = _register_then_delete(env, stream)
    unknown = json.loads(json.dumps(remove))
    unknown["eventID"] = "e-zz"
    unknown["dynamodb"]["Keys"]["pk"]["S"] = "zz#User"
    malformed = {"eventID": "e-bad", "eventName": "REMOVE", "dynamodb": {}}
    r = env.engine.run(CLEANUP, [unknown, malformed, remove])
    assert r.error == "UniqueCleanup.RecordsFailed"
    summary = json.loads(r.cause)
    assert summary["cleaned"] == 1 and not _constraint_exists(env, "ta", "a@x.io")
    assert [(f["eventId"], f["error"], f["deadLettered"]) for f in summary["failed"]] == [
        ("e-zz", "Tenant.NotFound", True), ("e-bad", "UniqueCleanup.MalformedRecord", True)]
    letters = {letter["eventId"]: letter for letter in _dead_letters(env)}
    assert letters["e-zz"]["tenantId"] == "zz" and letters["e-zz"]["keys"]["pk"] == {"S": "zz#User"}
    assert letters["e-bad"]["tenantId"] is None and letters["e-bad"]["keys"] is None
    assert all(letter["cause"] for letter in letters.values())


def test_without_its_queue_the_failure_is_still_reported(env: Env) -> None:
    """The dead letter itself failing (no queue) is retried, then reported in the summary, never hidden."""
    env.engine.client("sqs").delete_queue(QueueUrl=env.engine.client("sqs").get_queue_url(QueueName=QUEUE)["QueueUrl"])
    stream = Stream(env)
    batch = _register_then_delete(env, stream)
    r = env.engine.run(CLEANUP, batch, test_case="AlwaysThrottled")
    assert r.error == "UniqueCleanup.RecordsFailed"
    [failed] = json.loads(r.cause)["failed"]
    assert failed["error"] == "DynamoDB.ProvisionedThroughputExceededException" and failed["deadLettered"] is False
    assert failed["deadLetterError"]
