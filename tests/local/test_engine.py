"""LocalEngine API: machines by name or ARN, results, trace, history, errors."""

import json

import pytest

from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineError
from workflows.local.pytest_plugin import create_bucket, create_role, create_table

CHAIN = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "Parameters": {"sum.$": "States.MathAdd($.a.x, $.v)"}, "End": True},
    },
}


def test_run_by_name_and_arn_returns_trace(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("chain", json.dumps(CHAIN))
    by_name = local_engine.run("chain", {"v": 2})
    by_arn = local_engine.run(arn, {"v": 3})
    assert by_name.ok() and by_name.output == {"sum": 3}
    assert by_arn.output == {"sum": 4}
    assert by_name.transitions == 2
    assert [(s.name, s.input, s.output) for s in by_name.states] == [
        ("A", {"v": 2}, {"v": 2, "a": {"x": 1}}),
        ("B", {"v": 2, "a": {"x": 1}}, {"sum": 3}),
    ]
    assert by_name.history[0]["type"] == "ExecutionStarted"
    assert by_name.history[-1]["type"] == "ExecutionSucceeded"
    json.dumps(by_name.history)  # JSON-safe (timestamps are strings)


def test_failure_result(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("f", {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E.x", "Cause": "why"}}})
    result = local_engine.run("f")
    assert not result.ok()
    assert (result.status, result.error, result.cause, result.output) == ("FAILED", "E.x", "why", None)


def test_default_role_and_explicit_role(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("m1", CHAIN)
    role = create_role(local_engine, "tenant-t1", "/tenants/", {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    arn = local_engine.create_state_machine("m2", CHAIN, role_arn=role)
    sfn = local_engine.client("stepfunctions")
    assert sfn.describe_state_machine(stateMachineArn=arn)["roleArn"] == role
    assert role.endswith(":role/tenants/tenant-t1")
    default = sfn.describe_state_machine(stateMachineArn=local_engine._machines["m1"][0])["roleArn"]
    assert default.endswith(":role/workflows-local-execution")


def test_helpers_create_resources(local_engine: LocalEngine) -> None:
    arn = create_table(local_engine, "Tenants", stream=True)
    described = local_engine.client("dynamodb").describe_table(TableName="Tenants")["Table"]
    assert arn == described["TableArn"]
    assert [k["AttributeName"] for k in described["KeySchema"]] == ["pk", "sk"]
    assert described["StreamSpecification"]["StreamEnabled"] is True
    create_bucket(local_engine, "bucket-one")
    assert [b["Name"] for b in local_engine.client("s3").list_buckets()["Buckets"]] == ["bucket-one"]


def test_unknown_machine_is_named(local_engine: LocalEngine) -> None:
    with pytest.raises(EngineError, match="no state machine named or with ARN 'ghost'"):
        local_engine.run("ghost")


def test_bad_type_and_inactive_engine_are_named() -> None:
    engine = LocalEngine()
    with pytest.raises(EngineError, match="not active"):
        engine.client("s3")
    with engine:
        with pytest.raises(EngineError, match="STANDARD or EXPRESS"):
            engine.create_state_machine("m", CHAIN, type="express")


def test_state_does_not_leak_between_engines() -> None:
    with LocalEngine() as engine:
        create_bucket(engine, "leaky")
    with LocalEngine() as engine:
        assert engine.client("s3").list_buckets()["Buckets"] == []


def test_dynamodb_streams_client_reads_records() -> None:
    """The engine's streams client reaches moto (botocore's account endpoint would 404)."""
    from workflows.local.engine import LocalEngine
    from workflows.local.pytest_plugin import create_table

    with LocalEngine() as engine:
        create_table(engine, "streamed", stream=True)
        engine.client("dynamodb").put_item(TableName="streamed", Item={"pk": {"S": "a"}, "sk": {"S": "1"}})
        streams = engine.client("dynamodbstreams")
        arn = streams.list_streams(TableName="streamed")["Streams"][0]["StreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                              ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
        records = streams.get_records(ShardIterator=iterator)["Records"]
        assert [r["eventName"] for r in records] == ["INSERT"]


def test_each_engine_has_clients_of_its_own() -> None:
    """Clients come from one long-lived session (their service models stay loaded) but are never shared
    between engines: a handler one test registers on its engine's client (as ``credentials.in_account``
    does) ends with that engine."""
    seen: list[str] = []
    with LocalEngine() as first:
        client = first.client("sts")
        client.meta.events.register("before-sign", lambda request, **_: seen.append("first"))
        client.get_caller_identity()
    with LocalEngine() as second:
        assert second.client("sts") is not client
        second.client("sts").get_caller_identity()
    assert seen == ["first"]


_EVERY_KIND = {
    "StartAt": "Start",
    "States": {
        "Start": {"Type": "Pass", "Parameters": {"items.$": "$.items", "n.$": "States.MathAdd($.n, 1)"}, "Next": "Both"},
        "Both": {"Type": "Parallel", "Branches": [
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
                "StartAt": "Double", "States": {"Double": {"Type": "Pass", "End": True}}}, "End": True}}},
            {"StartAt": "Later", "States": {"Later": {"Type": "Wait", "Seconds": 5, "End": True}}},
        ], "ResultPath": "$.both", "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThan": 2, "Next": "Boom"}],
                  "Default": "Done"},
        "Boom": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                 "Parameters": {"TableName": "no-such-table", "Key": {"pk": {"S": "x"}}},
                 "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                 "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}], "End": True},
        "Failed": {"Type": "Fail", "Error": "Custom.Failed", "Cause": "caught, then failed"},
        "Done": {"Type": "Succeed"},
    },
}
_JSONATA = {"QueryLanguage": "JSONata", "StartAt": "A", "States": {
    "A": {"Type": "Pass", "Assign": {"x": "{% $states.input.n %}"}, "Output": "{% {'x': $x * 2} %}", "End": True}}}


def test_history_read_from_the_engine_equals_get_execution_history(local_engine: LocalEngine) -> None:
    """``history`` reads moto's record of the execution; GetExecutionHistory (boto3, paged) is the judge,
    over Pass, Parallel, Map, Wait, Choice, a retried and caught Task, Fail, Succeed and JSONata."""
    local_engine.create_state_machine("every-kind", _EVERY_KIND)
    local_engine.create_state_machine("jsonata-kind", _JSONATA)
    runs = [local_engine.run("every-kind", {"items": [1, 2, 3], "n": n}) for n in (0, 5)]
    runs.append(local_engine.run("jsonata-kind", {"n": 4}))
    assert [r.status for r in runs] == ["SUCCEEDED", "FAILED", "SUCCEEDED"]
    for result in runs:
        assert local_engine.history(result.execution_arn) == local_engine.history_from_api(result.execution_arn)
        assert len(result.history) > 3
