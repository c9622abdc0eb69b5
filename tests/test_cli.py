"""The `workflows` commands that run machines: `run` on the embedded engine and `local` as an endpoint."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
from botocore.config import Config
from click.testing import CliRunner

from workflows.cli import main

RECORD = {"eventID": "e1", "eventName": "INSERT", "dynamodb": {
    "Keys": {"pk": {"S": "t#User"}}, "NewImage": {"pk": {"S": "t#User"}, "groups": {"L": [{"S": "admin"}]},
                                                  "n": {"N": "42"}},
    "SequenceNumber": "1", "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def test_run_prints_the_output_json() -> None:
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input=json.dumps([RECORD]))
    assert result.exit_code == 0, result.output
    [event] = json.loads(result.output)
    assert event["newImage"] == {"pk": "t#User", "groups": ["admin"], "n": 42}


def test_run_failure_goes_to_stderr_with_exit_1() -> None:
    bad = dict(RECORD, eventName="REMOVE")
    bad["dynamodb"] = dict(RECORD["dynamodb"], NewImage={"n": {"X": "1"}})
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input=json.dumps([bad]))
    assert result.exit_code == 1
    assert "Stream.UnexpectedShape" in result.output and "e1" in result.output


def test_run_trace_lists_visited_states() -> None:
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-", "--trace"],
                                input=json.dumps([RECORD]))
    assert result.exit_code == 0
    assert "status: SUCCEEDED" in result.output and "transitions:" in result.output


def test_run_with_a_mock_config_test_case(tmp_path: Path) -> None:
    mocks = {"StateMachines": {"appsync-get-item": {"TestCases": {"Denied": {"GetUser": "AccessDenied"}}}},
             "MockedResponses": {"AccessDenied": {"0": {"Throw": {
                 "Error": "DynamoDB.AccessDeniedException", "Cause": "mocked"}}}}}
    config = tmp_path / "mocks.json"
    config.write_text(json.dumps(mocks))
    payload = {"identity": {"resolverContext": {"tenantId": "t", "tenantRoleArn": "arn:aws:iam::123456789012:role/x"}},
               "arguments": {"id": "1"}}
    result = CliRunner().invoke(main, ["run", "appsync-get-item", "--input", "-", "--mock-config", str(config),
                                       "--test-case", "Denied"], input=json.dumps(payload))
    assert result.exit_code == 1
    assert "DynamoDB.AccessDeniedException: mocked" in result.output


def test_run_refuses_input_that_is_not_json() -> None:
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input="{nope")
    assert result.exit_code != 0 and "input is not JSON" in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_local_serves_every_catalog_machine_and_stops_on_ctrl_c() -> None:
    port = _free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "workflows", "local", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "Ctrl-C" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "the endpoint exited before it was ready"
        assert f"http://127.0.0.1:{port}" in line
        sfn = boto3.client("stepfunctions", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="x",
                           config=Config(inject_host_prefix=False))
        names = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
        assert {"appsync-get-item", "pipes-flatten-stream", "tenant-stack-create"} <= names
        out = sfn.start_sync_execution(
            stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:pipes-flatten-stream",
            input=json.dumps([RECORD]))
        assert out["status"] == "SUCCEEDED" and json.loads(out["output"])[0]["eventId"] == "e1"
    finally:
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=20)
    assert code == 0
