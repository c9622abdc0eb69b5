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


def test_a_client_changed_during_its_engine_is_never_lent_again() -> None:
    """A handler one test registers on its engine's client (as ``credentials.in_account`` does) ends with that
    engine: such a client is dropped when the engine ends, and the next engine gets another."""
    seen: list[str] = []
    with LocalEngine() as first:
        client = first.client("sts")
        client.meta.events.register("before-sign", lambda request, **_: seen.append("first"))
        client.get_caller_identity()
    with LocalEngine() as second:
        assert second.client("sts") is not client
        second.client("sts").get_caller_identity()
    assert seen == ["first"]


def test_an_unchanged_client_serves_the_next_engine_on_that_engines_fresh_account() -> None:
    """Engines lend each other unchanged clients (making one costs milliseconds; every engine made several),
    and a lent client sees the later engine's state only: moto's stubbing is process-wide and each mock
    starts from empty backends. boto3 clients are thread-safe and hold no service state
    (https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html)."""
    with LocalEngine() as first:
        client = first.client("dynamodb")
        create_table(first, "kept")
        assert client.list_tables()["TableNames"] == ["kept"]
    with LocalEngine() as second:
        assert second.client("dynamodb") is client
        assert client.list_tables()["TableNames"] == []
        create_table(second, "again")
        second.client("dynamodb").put_item(TableName="again", Item={"pk": {"S": "a"}, "sk": {"S": "1"}})
        assert client.scan(TableName="again")["Count"] == 1


def test_a_client_with_a_replaced_attribute_is_not_lent_again() -> None:
    """Not only handlers: a client whose attribute a test replaced (a stubbed method) stays with its engine."""
    with LocalEngine() as first:
        client = first.client("sts")
        client.get_caller_identity = lambda: {"Account": "stubbed"}  # type: ignore[method-assign]
    with LocalEngine() as second:
        assert second.client("sts") is not client
        assert second.client("sts").get_caller_identity()["Account"] == LocalEngine.account_id


def test_a_handler_registered_and_unregistered_leaves_the_client_lendable() -> None:
    """What ``Target.start_sync`` does (a capture hook around one call) leaves the client as it was made."""
    with LocalEngine() as first:
        client = first.client("sts")
        client.meta.events.register("before-sign", lambda **_: None, unique_id="probe")
        client.get_caller_identity()
        client.meta.events.unregister("before-sign", unique_id="probe")
    with LocalEngine() as second:
        assert second.client("sts") is client


def test_engines_active_together_never_share_a_client() -> None:
    """A client is held by one engine at a time, even when two are active (nested) at once."""
    with LocalEngine() as outer:
        outer_client = outer.client("sts")
    with LocalEngine() as outer, LocalEngine() as inner:
        assert outer.client("sts") is outer_client
        assert inner.client("sts") is not outer_client


class _Ireland(LocalEngine):
    region = "eu-west-1"


def test_another_region_gets_a_client_of_its_own() -> None:
    """Clients are lent by what they are made from (service, region, endpoint): a client of us-east-1 never
    serves an engine in eu-west-1, and a stream client's regional endpoint follows the engine's region."""
    with LocalEngine() as first:
        east, east_streams = first.client("sts"), first.client("dynamodbstreams")
    with _Ireland() as ireland:
        west, west_streams = ireland.client("sts"), ireland.client("dynamodbstreams")
        assert west is not east and west_streams is not east_streams
        assert west.meta.region_name == "eu-west-1"
        assert west_streams.meta.endpoint_url == "https://streams.dynamodb.eu-west-1.amazonaws.com"
    with LocalEngine() as again:
        assert again.client("sts") is east and again.client("sts").meta.region_name == "us-east-1"


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


def test_wait_returns_the_result_of_an_execution_started_elsewhere(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("waited-on", {"StartAt": "P", "States": {
        "P": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "End": True}}})
    started = local_engine.client("stepfunctions").start_execution(stateMachineArn=arn, input='{"n": 7}')
    result = local_engine.wait(started["executionArn"])
    assert (result.status, result.output, result.execution_arn) == ("SUCCEEDED", {"n": 7}, started["executionArn"])
    assert result.state_names == ("P",)


def test_reset_services_empties_every_service_but_the_kept_ones(local_engine: LocalEngine) -> None:
    """A module's machines stay; its tables, buckets and roles go; the default role comes back with its ARN."""
    machine = local_engine.create_state_machine("kept", {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    role = local_engine.default_role_arn()
    create_table(local_engine, "emptied")
    create_bucket(local_engine, "emptied-bucket")
    local_engine.reset_services()
    assert local_engine.client("dynamodb").list_tables()["TableNames"] == []
    assert local_engine.client("s3").list_buckets()["Buckets"] == []
    assert [r["Arn"] for r in local_engine.client("iam").list_roles()["Roles"]] == [role]
    assert local_engine.default_role_arn() == role
    assert local_engine.run(machine).ok()
    local_engine.reset_services(keep=())
    with pytest.raises(EngineError):
        local_engine.run("kept")


def test_deploy_creates_once_keeps_the_same_and_updates_another(local_engine: LocalEngine) -> None:
    one = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": True}}}
    two = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 2, "End": True}}}
    arn = local_engine.deploy_state_machine("deployed", one)
    assert local_engine.deploy_state_machine("deployed", json.dumps(one)) == arn
    assert local_engine.run("deployed").output == 1
    assert local_engine.deploy_state_machine("deployed", two) == arn
    assert local_engine.run("deployed").output == 2
    sfn = local_engine.client("stepfunctions")
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]].count("deployed") == 1
    with pytest.raises(EngineError, match="cannot become EXPRESS"):
        local_engine.deploy_state_machine("deployed", one, type="EXPRESS")
