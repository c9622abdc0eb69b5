"""The generated APPSYNC_JS resolvers, run under node with our util stub (the packaged copy that the
graphql fixture uses too: workflows/testing/js/).

Oracles we did not write: botocore's Step Functions model (what a StartSyncExecution request looks like,
how its errors are named) and moto's interpreter (what an EXPRESS machine sees and answers).
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from botocore.validate import validate_parameters
from moto import mock_aws

from workflows.patterns.appsync.js import resolver_code
from workflows.testing.resolver_js import RUNNER

CONTEXTS = Path(__file__).parent / "js" / "contexts"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed; the resolvers cannot be run")

SYNC = botocore.session.get_session().get_service_model("stepfunctions").operation_model("StartSyncExecution")


def context(name: str) -> dict[str, Any]:
    return json.loads((CONTEXTS / f"{name}.json").read_text())


def run(module: Path, handler: str, ctx: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Run one handler in node; return the runner's JSON (result / error / errors)."""
    ctx_file = tmp / f"ctx-{uuid.uuid4().hex}.json"
    ctx_file.write_text(json.dumps(ctx))
    done = subprocess.run(
        [NODE, str(RUNNER), str(module), handler, str(ctx_file)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("appsync")
    specs = {
        "listed": resolver_code("tenant_users", arguments=["id", "email"]),
        "all": resolver_code("tenant_users"),
        "custom_stash": resolver_code("tenant_users", stash_key="usersArn"),
    }
    paths = {}
    for name, code in specs.items():
        paths[name] = folder / f"{name}.js"
        paths[name].write_text(code)
    return paths


def request_of(out: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    assert "result" in out, out
    req = out["result"]
    body = json.loads(req["params"]["body"])
    return req, body, json.loads(body["input"])


# --- request ------------------------------------------------------------------------------------


def test_request_forwards_only_context_keys_and_listed_arguments(modules: dict[str, Path], tmp_path: Path) -> None:
    ctx = context("request_tenant_a")
    req, body, machine_input = request_of(run(modules["listed"], "request", ctx, tmp_path))
    assert (req["method"], req["resourcePath"]) == ("POST", "/")
    assert set(body) == {"stateMachineArn", "name", "input"}
    assert body["stateMachineArn"] == ctx["stash"]["stateMachineArn"]
    uuid.UUID(body["name"])  # util.autoId() is a UUID
    rc = ctx["identity"]["resolverContext"]
    assert machine_input == {
        "identity": {"resolverContext": {"tenantId": rc["tenantId"], "tenantRoleArn": rc["tenantRoleArn"]}},
        "arguments": {"id": ctx["arguments"]["id"], "email": ctx["arguments"]["email"]},
    }


def test_request_forwards_all_arguments_when_none_listed(modules: dict[str, Path], tmp_path: Path) -> None:
    ctx = context("request_tenant_a")
    _, _, machine_input = request_of(run(modules["all"], "request", ctx, tmp_path))
    assert machine_input["arguments"] == ctx["arguments"]
    assert set(machine_input["identity"]["resolverContext"]) == {"tenantId", "tenantRoleArn"}


def test_each_tenant_gets_its_own_role_and_a_unique_execution_name(modules: dict[str, Path], tmp_path: Path) -> None:
    _, body_a, input_a = request_of(run(modules["listed"], "request", context("request_tenant_a"), tmp_path))
    _, body_b, input_b = request_of(run(modules["listed"], "request", context("request_tenant_b"), tmp_path))
    role_b = context("request_tenant_b")["identity"]["resolverContext"]["tenantRoleArn"]
    assert input_b["identity"]["resolverContext"]["tenantRoleArn"] == role_b
    assert input_a["identity"]["resolverContext"]["tenantRoleArn"] != role_b
    assert input_b["arguments"] == {"id": "u-42"}  # an absent optional argument is left out
    assert body_a["name"] != body_b["name"]


def test_request_is_a_start_sync_execution_by_botocore(modules: dict[str, Path], tmp_path: Path) -> None:
    req, body, _ = request_of(run(modules["listed"], "request", context("request_tenant_a"), tmp_path))
    validate_parameters(body, SYNC.input_shape)  # raises ParamValidationError on a wrong field
    assert SYNC.http["method"] == req["method"]
    assert SYNC.http["requestUri"] == req["resourcePath"]
    assert SYNC.endpoint["hostPrefix"] == "sync-"  # the data source endpoint is https://sync-states.<region>...
    signed = create_serializer("json").serialize_to_request(body, SYNC)
    expected = {k.lower(): v for k, v in signed["headers"].items()}
    assert req["params"]["headers"] == expected


def test_missing_stash_arn_is_a_named_error(modules: dict[str, Path], tmp_path: Path) -> None:
    out = run(modules["listed"], "request", context("request_missing_stash"), tmp_path)
    assert out["error"]["type"] == "MissingStateMachineArn"
    assert "ctx.stash.stateMachineArn" in out["error"]["message"]
    assert "tenant_users" in out["error"]["message"]


def test_custom_stash_key_is_read(modules: dict[str, Path], tmp_path: Path) -> None:
    ctx = context("request_tenant_a")
    out = run(modules["custom_stash"], "request", ctx, tmp_path)
    assert out["error"]["type"] == "MissingStateMachineArn"
    assert "ctx.stash.usersArn" in out["error"]["message"]
    ctx["stash"] = {"usersArn": ctx["stash"]["stateMachineArn"]}
    _, body, _ = request_of(run(modules["custom_stash"], "request", ctx, tmp_path))
    assert body["stateMachineArn"] == ctx["stash"]["usersArn"]


def test_missing_tenant_role_refuses_to_start(modules: dict[str, Path], tmp_path: Path) -> None:
    out = run(modules["listed"], "request", context("request_missing_role"), tmp_path)
    assert out["error"]["type"] == "MissingResolverContext"
    assert "tenantRoleArn" in out["error"]["message"]
    assert "tenantId" not in out["error"]["message"].split("lacks")[1].split(":")[0]


# --- response -----------------------------------------------------------------------------------


def _sync_body(name: str) -> dict[str, Any]:
    return json.loads(context(name)["result"]["body"])


def test_succeeded_returns_the_machine_output(modules: dict[str, Path], tmp_path: Path) -> None:
    out = run(modules["listed"], "response", context("response_succeeded"), tmp_path)
    assert out["errors"] == []
    assert out["result"] == json.loads(_sync_body("response_succeeded")["output"])
    assert out["result"]["profile"] == {"name": "Ada", "mfa": False}


def test_succeeded_output_is_parsed_once(modules: dict[str, Path], tmp_path: Path) -> None:
    out = run(modules["listed"], "response", context("response_succeeded_string_output"), tmp_path)
    assert out["result"] == '{"not": "parsed twice"}'


@pytest.mark.parametrize(
    ("name", "error_type", "message_part"),
    [
        ("response_failed_unique", "UniqueConstraintViolation", "already used in tenant tenant-a"),
        ("response_failed_access_denied", "DynamoDB.AccessDeniedException", "is not authorized to perform: dynamodb:GetItem"),
        ("response_failed_no_cause", "States.TaskFailed", "execution of tenant_users failed"),
        ("response_timed_out", "States.Timeout", "execution of tenant_users timed out"),
    ],
)
def test_failed_and_timed_out_raise_the_machine_error(
    modules: dict[str, Path], tmp_path: Path, name: str, error_type: str, message_part: str
) -> None:
    out = run(modules["listed"], "response", context(name), tmp_path)
    body = _sync_body(name)
    assert out["error"]["type"] == error_type
    assert message_part in out["error"]["message"]
    if "cause" in body:
        assert out["error"]["message"] == body["cause"]
    assert out["error"]["errorInfo"] == {"executionArn": body["executionArn"], "status": body["status"]}


@pytest.mark.parametrize("name", ["response_http_400_type", "response_http_400_access_denied"])
def test_http_errors_are_named_as_botocore_names_them(modules: dict[str, Path], tmp_path: Path, name: str) -> None:
    ctx = context(name)
    out = run(modules["listed"], "response", ctx, tmp_path)
    http = ctx["result"]
    parsed = create_parser("json").parse(
        {"status_code": http["statusCode"], "headers": http["headers"], "body": http["body"].encode()}, SYNC.output_shape
    )
    assert out["error"]["type"] == parsed["Error"]["Code"]
    assert out["error"]["message"] == parsed["Error"]["Message"]


def test_http_error_without_json_body_is_http_error(modules: dict[str, Path], tmp_path: Path) -> None:
    out = run(modules["listed"], "response", context("response_http_502_html"), tmp_path)
    assert out["error"]["type"] == "HTTPError"
    assert "HTTP 502" in out["error"]["message"]


def test_data_source_error_is_passed_on(modules: dict[str, Path], tmp_path: Path) -> None:
    ctx = context("response_datasource_error")
    out = run(modules["listed"], "response", ctx, tmp_path)
    assert out["error"]["type"] == ctx["error"]["type"]
    assert out["error"]["message"] == ctx["error"]["message"]


def test_recorded_sync_bodies_use_only_botocore_output_fields() -> None:
    members = set(SYNC.output_shape.members)
    for path in sorted(CONTEXTS.glob("response_*.json")):
        result = json.loads(path.read_text())["result"]
        if result and result["statusCode"] == 200:
            assert set(json.loads(result["body"])) <= members, path.name


# --- harness ------------------------------------------------------------------------------------


def test_stub_refuses_unimplemented_util(tmp_path: Path) -> None:
    module = tmp_path / "uses_dynamodb.js"
    module.write_text(
        'import { util } from "@aws-appsync/utils";\n'
        "export function request(ctx) { return util.dynamodb.toMapValues(ctx.arguments); }\n"
    )
    out = run(module, "request", {}, tmp_path)
    assert out["crash"]["message"].startswith("util.dynamodb is not implemented")


def test_stub_append_error_and_base64(tmp_path: Path) -> None:
    module = tmp_path / "appends.js"
    module.write_text(
        'import { util } from "@aws-appsync/utils";\n'
        "export function response(ctx) {\n"
        '  util.appendError("partial", "Partial", null, { n: 1 });\n'
        "  return { b: util.base64Encode(ctx.arguments.s), back: util.base64Decode(util.base64Encode(ctx.arguments.s)),\n"
        "           ulid: util.autoUlid(), now: util.time.nowISO8601() };\n"
        "}\n"
    )
    out = run(module, "response", {"arguments": {"s": "tenant é"}}, tmp_path)
    assert out["errors"] == [{"message": "partial", "type": "Partial", "data": None, "errorInfo": {"n": 1}}]
    assert out["result"]["b"] == base64.b64encode("tenant é".encode()).decode()
    assert out["result"]["back"] == "tenant é"
    assert len(out["result"]["ulid"]) == 26
    datetime.fromisoformat(out["result"]["now"])


# --- end to end against moto's EXPRESS execution --------------------------------------------------

ECHO = {
    "StartAt": "Echo",
    "States": {
        "Echo": {
            "Type": "Pass",
            "Parameters": {
                "tenantId.$": "$.identity.resolverContext.tenantId",
                "roleArn.$": "$.identity.resolverContext.tenantRoleArn",
                "arguments.$": "$.arguments",
            },
            "End": True,
        }
    },
}
TAKEN = {"StartAt": "Taken", "States": {"Taken": {"Type": "Fail", "Error": "UniqueConstraintViolation", "Cause": "email taken"}}}


@pytest.fixture(scope="module")
def sfn() -> Iterator[Any]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name="eu-west-1")


def _sync_response(sfn: Any, body: dict[str, Any]) -> dict[str, Any]:
    """What StartSyncExecution would answer, from moto's start_execution + describe_execution."""
    arn = sfn.start_execution(**body)["executionArn"]
    for _ in range(500):
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            break
        time.sleep(0.01)
    answer = {
        k: (v.timestamp() if isinstance(v, datetime) else v)
        for k, v in described.items()
        if k in SYNC.output_shape.members
    }
    return {"statusCode": 200, "headers": {}, "body": json.dumps(answer)}


@pytest.mark.parametrize(("definition", "expect_error"), [(ECHO, None), (TAKEN, "UniqueConstraintViolation")])
def test_round_trip_through_an_express_machine(
    sfn: Any, modules: dict[str, Path], tmp_path: Path, definition: dict, expect_error: str | None
) -> None:
    name = f"m{uuid.uuid4().hex[:8]}"
    arn = sfn.create_state_machine(
        name=name, definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/sfn", type="EXPRESS"
    )["stateMachineArn"]
    ctx = context("request_tenant_a")
    ctx["stash"] = {"stateMachineArn": arn}
    _, body, _ = request_of(run(modules["listed"], "request", ctx, tmp_path))
    ctx["result"] = _sync_response(sfn, body)
    out = run(modules["listed"], "response", ctx, tmp_path)
    if expect_error is None:
        rc = ctx["identity"]["resolverContext"]
        assert out["result"] == {
            "tenantId": rc["tenantId"],
            "roleArn": rc["tenantRoleArn"],
            "arguments": {"id": ctx["arguments"]["id"], "email": ctx["arguments"]["email"]},
        }
    else:
        assert out["error"]["type"] == expect_error
        assert out["error"]["message"] == "email taken"
