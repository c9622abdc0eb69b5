"""StartSyncExecution for EXPRESS machines, in-process and over HTTP."""

import json
import re
import socket
import time

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from workflows.local.adaptations import install_all
from workflows.local.adaptations.sync_execution import express_arn
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError

OK = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"echo.$": "$.v"}, "End": True}}}
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
CONTEXT = {"StartAt": "C", "States": {"C": {"Type": "Pass", "Parameters": {"id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name"}, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Tenant.Missing", "Cause": "no tenant t9"}}}


def test_sync_success_shape(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("ok", OK, type="EXPRESS")
    response = local_engine.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input='{"v": 7}', name="s1")
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"echo": 7}
    assert response["stateMachineArn"] == arn and response["name"] == "s1"
    assert re.fullmatch(r"arn:aws:states:us-east-1:123456789012:express:ok:s1:" + UUID, response["executionArn"])
    assert json.loads(response["input"]) == {"v": 7}
    assert response["stopDate"] >= response["startDate"]
    assert response["billingDetails"]["billedDurationInMilliseconds"] >= 100
    assert "error" not in response


def test_sync_failure_has_error_and_cause(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("bad", FAIL, type="EXPRESS")
    response = local_engine.client("stepfunctions").start_sync_execution(stateMachineArn=arn)
    assert response["status"] == "FAILED"
    assert (response["error"], response["cause"]) == ("Tenant.Missing", "no tenant t9")
    assert "output" not in response


def test_engine_runs_express_through_sync(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("bad", FAIL, type="EXPRESS")
    result = local_engine.run("bad")
    assert (result.status, result.error, result.cause) == ("FAILED", "Tenant.Missing", "no tenant t9")
    assert result.state_names == ("F",)


def test_standard_machine_is_rejected(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("std", OK)
    with pytest.raises(ClientError) as info:
        local_engine.client("stepfunctions").start_sync_execution(stateMachineArn=arn)
    assert info.value.response["Error"]["Code"] == "StateMachineTypeNotSupported"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sync_over_http() -> None:
    from moto.server import ThreadedMotoServer

    install_all()
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    try:
        requests.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}, timeout=5)
        sfn = boto3.client(
            "stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="a",
            aws_secret_access_key="b", config=Config(inject_host_prefix=False),
        )
        arn = sfn.create_state_machine(
            name="http-ok", definition=json.dumps(OK), type="EXPRESS",
            roleArn="arn:aws:iam::123456789012:role/any",
        )["stateMachineArn"]
        response = sfn.start_sync_execution(stateMachineArn=arn, input='{"v": "x"}')
        assert response["status"] == "SUCCEEDED"
        assert json.loads(response["output"]) == {"echo": "x"}
        assert ":express:http-ok:" in response["executionArn"]
        events = sfn.get_execution_history(executionArn=response["executionArn"])["events"]
        assert [e["type"] for e in events][-1] == "ExecutionSucceeded"
    finally:
        requests.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=5)
        requests.post(f"{url}/moto-api/reset", timeout=5)
        server.stop()


def test_unnamed_sync_executions_get_distinct_express_arns_matching_the_context_object(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("ctx", CONTEXT, type="EXPRESS")
    sfn = local_engine.client("stepfunctions")
    first, second = (sfn.start_sync_execution(stateMachineArn=arn) for _ in range(2))
    for response in (first, second):
        match = re.fullmatch(rf"arn:aws:states:us-east-1:123456789012:express:ctx:({UUID}):{UUID}", response["executionArn"])
        assert match is not None, response["executionArn"]
        assert match.group(1) == response["name"]
        assert json.loads(response["output"]) == {"id": response["executionArn"], "name": response["name"]}
    assert first["executionArn"] != second["executionArn"]


def test_engine_result_carries_the_express_arn_and_its_history(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("ctx", CONTEXT, type="EXPRESS")
    result = local_engine.run("ctx", name="run-7")
    assert result.ok(), result.cause
    assert ":express:ctx:run-7:" in result.execution_arn
    assert result.output == {"id": result.execution_arn, "name": "run-7"}
    assert result.state_names == ("C",)
    assert result.history[0]["type"] == "ExecutionStarted" and result.history[-1]["type"] == "ExecutionSucceeded"
    described = local_engine.client("stepfunctions").describe_execution(executionArn=result.execution_arn)
    assert described["status"] == "SUCCEEDED"


def test_standard_executions_keep_execution_arns(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("std", CONTEXT)
    result = local_engine.run("std", name="plain")
    assert result.execution_arn == "arn:aws:states:us-east-1:123456789012:execution:std:plain"
    assert result.output["id"] == result.execution_arn


def test_unknown_express_arn_is_execution_does_not_exist(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("ok", OK, type="EXPRESS")
    missing = "arn:aws:states:us-east-1:123456789012:express:ok:nope:00000000-0000-4000-8000-000000000000"
    with pytest.raises(ClientError) as info:
        local_engine.client("stepfunctions").describe_execution(executionArn=missing)
    assert info.value.response["Error"]["Code"] == "ExecutionDoesNotExist"


def test_express_arn_rejects_an_unknown_arn_form() -> None:
    assert re.fullmatch(
        rf"arn:aws:states:eu-west-1:111122223333:express:m:n:{UUID}",
        express_arn("arn:aws:states:eu-west-1:111122223333:execution:m:n"),
    )
    with pytest.raises(EngineAdaptationError, match="unknown form"):
        express_arn("arn:aws:states:eu-west-1:111122223333:stateMachine:m")


def test_async_express_start_execution_also_gets_an_express_arn(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("ctx", CONTEXT, type="EXPRESS")
    sfn = local_engine.client("stepfunctions")
    execution_arn = sfn.start_execution(stateMachineArn=arn, name="bg")["executionArn"]
    assert re.fullmatch(rf"arn:aws:states:us-east-1:123456789012:express:ctx:bg:{UUID}", execution_arn)
    deadline = time.monotonic() + 10
    while (described := sfn.describe_execution(executionArn=execution_arn))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "async EXPRESS execution still RUNNING after 10 s"
        time.sleep(0.01)
    assert described["status"] == "SUCCEEDED"
    assert json.loads(described["output"])["id"] == execution_arn
