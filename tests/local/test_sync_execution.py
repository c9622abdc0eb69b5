"""StartSyncExecution for EXPRESS machines, in-process and over HTTP."""

import json
import socket

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from workflows.local.adaptations import install_all
from workflows.local.engine import LocalEngine

OK = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"echo.$": "$.v"}, "End": True}}}
FAIL = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Tenant.Missing", "Cause": "no tenant t9"}}}


def test_sync_success_shape(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("ok", OK, type="EXPRESS")
    response = local_engine.client("stepfunctions").start_sync_execution(stateMachineArn=arn, input='{"v": 7}', name="s1")
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"echo": 7}
    assert response["stateMachineArn"] == arn and response["name"] == "s1"
    assert response["executionArn"].endswith(":s1")
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
    finally:
        requests.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": False}}, timeout=5)
        requests.post(f"{url}/moto-api/reset", timeout=5)
        server.stop()
