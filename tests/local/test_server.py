"""The endpoint as users run it: a subprocess driven by plain boto3 clients over HTTP.

One endpoint process serves the whole module (start-up costs about two seconds); SIGTERM stops it at the
end, SIGINT one of its own (stopping is what those two check). The module is one xdist group, so the
module's endpoint starts once, not once per worker that draws one of its tests.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
EXECUTION_TIMEOUT_S = 20.0
ARN_PREFIX = "arn:aws:states:us-east-1:123456789012:stateMachine:"

pytestmark = pytest.mark.xdist_group("local-server-process")

TABLE = "tenants"

# JSONPath: put the input's id, then read it back (the item's presence proves the put ran).
PUT_GET = {
    "StartAt": "Put",
    "States": {
        "Put": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:putItem",
            "Parameters": {
                "TableName": TABLE,
                "Item": {"pk": {"S.$": "$.id"}, "plan": {"S.$": "$.plan"}},
            },
            "ResultPath": None,
            "Next": "Get",
        },
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": TABLE, "Key": {"pk": {"S.$": "$.id"}}},
            "ResultSelector": {"pk.$": "$.Item.pk.S", "plan.$": "$.Item.plan.S"},
            "End": True,
        },
    },
}

# JSONata: the same read, with the output computed by JSONata expressions.
JSONATA_GET = {
    "QueryLanguage": "JSONata",
    "StartAt": "Get",
    "States": {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:getItem",
            "Arguments": {"TableName": TABLE, "Key": {"pk": {"S": "{% $states.input.id %}"}}},
            "Output": {
                "plan": "{% $uppercase($states.result.Item.plan.S) %}",
                "seats": "{% $sum($states.input.seats) %}",
            },
            "End": True,
        }
    },
}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EndpointProcess:
    """A ``python -m workflows.local.server`` child, with its output read on a thread."""

    def __init__(self, args: list[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("MOTO_PORT", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "workflows.local.server", "--port", str(self.port), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for_ready(self) -> str:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if "ready at" in line:
                return line
        self.kill()
        raise AssertionError(f"endpoint never became ready; output: {self.seen}")

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT_S)

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id="dummy",
            aws_secret_access_key="dummy",
            config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
        )


def write_machine(folder: Path, name: str, definition: dict[str, Any]) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EndpointProcess]:
    folder = tmp_path_factory.mktemp("asl")
    put_get = write_machine(folder, "put-get", PUT_GET)
    jsonata = write_machine(folder, "jsonata-get", JSONATA_GET)
    process = EndpointProcess(
        [
            "--machine", f"put-get-standard={put_get}:STANDARD",
            "--machine", f"put-get-express={put_get}:EXPRESS",
            "--machine", f"jsonata-get={jsonata}:EXPRESS",
        ]
    )
    process.ready_line = process.wait_for_ready()  # type: ignore[attr-defined]
    process.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    yield process
    process.kill()


def wait_for_end(sfn: Any, execution_arn: str) -> dict[str, Any]:
    deadline = time.monotonic() + EXECUTION_TIMEOUT_S
    while time.monotonic() < deadline:
        described = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(0.05)
    raise AssertionError(f"{execution_arn} still RUNNING after {EXECUTION_TIMEOUT_S}s")


def test_ready_line_names_the_url_and_the_machine_count(endpoint: EndpointProcess) -> None:
    line = endpoint.ready_line  # type: ignore[attr-defined]
    assert endpoint.url in line
    assert "3 state machines" in line


def test_machines_exist_under_the_fixed_account_and_region(endpoint: EndpointProcess) -> None:
    listed = endpoint.client("stepfunctions").list_state_machines()["stateMachines"]
    by_arn = {machine["stateMachineArn"]: machine["type"] for machine in listed}
    assert by_arn == {
        ARN_PREFIX + "put-get-standard": "STANDARD",
        ARN_PREFIX + "put-get-express": "EXPRESS",
        ARN_PREFIX + "jsonata-get": "EXPRESS",
    }


def test_standard_execution_puts_and_gets_an_item(endpoint: EndpointProcess) -> None:
    sfn = endpoint.client("stepfunctions")
    started = sfn.start_execution(
        stateMachineArn=ARN_PREFIX + "put-get-standard",
        input=json.dumps({"id": "tenant-standard", "plan": "gold"}),
    )
    described = wait_for_end(sfn, started["executionArn"])
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"pk": "tenant-standard", "plan": "gold"}
    # The item is visible to an ordinary client: the machine's put went to the same DynamoDB.
    item = endpoint.client("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": "tenant-standard"}})
    assert item["Item"]["plan"] == {"S": "gold"}


def test_express_sync_execution_puts_and_gets_an_item(endpoint: EndpointProcess) -> None:
    result = endpoint.client("stepfunctions").start_sync_execution(
        stateMachineArn=ARN_PREFIX + "put-get-express",
        input=json.dumps({"id": "tenant-express", "plan": "silver"}),
    )
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"pk": "tenant-express", "plan": "silver"}


def test_jsonata_machine_runs_through_the_endpoint(endpoint: EndpointProcess) -> None:
    endpoint.client("dynamodb").put_item(
        TableName=TABLE, Item={"pk": {"S": "tenant-jsonata"}, "plan": {"S": "bronze"}}
    )
    result = endpoint.client("stepfunctions").start_sync_execution(
        stateMachineArn=ARN_PREFIX + "jsonata-get",
        input=json.dumps({"id": "tenant-jsonata", "seats": [2, 3]}),
    )
    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == {"plan": "BRONZE", "seats": 5}


def test_unknown_machine_arn_is_an_aws_shaped_error(endpoint: EndpointProcess) -> None:
    sfn = endpoint.client("stepfunctions")
    with pytest.raises(sfn.exceptions.StateMachineDoesNotExist) as caught:
        sfn.start_execution(stateMachineArn=ARN_PREFIX + "no-such-machine", input="{}")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "no-such-machine" in caught.value.response["Error"]["Message"]


def test_malformed_json_input_is_invalid_execution_input(endpoint: EndpointProcess) -> None:
    sfn = endpoint.client("stepfunctions")
    with pytest.raises(sfn.exceptions.InvalidExecutionInput) as caught:
        sfn.start_execution(stateMachineArn=ARN_PREFIX + "put-get-standard", input="{not json")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("service", "call"),
    [("lambda", "list_functions"), ("sqs", "list_queues"), ("sns", "list_topics")],
)
def test_services_the_workflows_do_not_use_are_refused(
    endpoint: EndpointProcess, service: str, call: str
) -> None:
    # lambda is REST-JSON, sqs JSON, sns query/XML: each SDK parser must read the error code.
    with pytest.raises(ClientError) as caught:
        getattr(endpoint.client(service), call)()
    error = caught.value.response["Error"]
    assert error["Code"] == "ServiceNotServedLocally"
    assert "stepfunctions" in error["Message"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_the_endpoint_with_exit_code_zero(signum: int, request: pytest.FixtureRequest) -> None:
    """SIGINT stops a fresh endpoint with no machines; SIGTERM the module's own, which has served every test
    above by now (one start fewer: a start costs about two seconds; this test comes after them in the file, and
    the module is one xdist group, so they run first)."""
    if signum == signal.SIGINT:
        process = EndpointProcess([])
        assert "0 state machines" in process.wait_for_ready()
    else:
        process = request.getfixturevalue("endpoint")
        assert "3 state machines" in process.ready_line  # type: ignore[attr-defined]
    assert process.proc.poll() is None
    process.proc.send_signal(signum)
    try:
        code = process.proc.wait(timeout=STOP_TIMEOUT_S)
    finally:
        process.kill()
    assert code == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", process.port), timeout=1).close()


def test_unreadable_machine_file_exits_with_a_named_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    completed = subprocess.run(
        [sys.executable, "-m", "workflows.local.server", "--port", "0", "--machine", f"m={missing}"],
        capture_output=True,
        text=True,
        timeout=START_TIMEOUT_S,
    )
    assert completed.returncode == 2
    assert "InvalidMachineSpec" in completed.stderr
    assert str(missing) in completed.stderr
