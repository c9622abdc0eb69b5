"""``LocalEndpoint`` in this process: its lifecycle, its errors, and the moto internals it pins."""

from __future__ import annotations

import inspect
import json
import os
import socket
from pathlib import Path

import pytest
from moto.core.config import default_user_config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.stepfunctions.parser import api as parser_api

from workflows.local.adaptations import mock_config as mock_adaptation
from workflows.local.errors import EngineError
from workflows.local.adaptations.parser_error_codes import install_parser_error_codes, parser_error_classes
from workflows.local.server import (
    EndpointAlreadyRunning,
    EndpointError,
    InvalidMachineSpec,
    LOCAL_ROLE_ARN,
    LocalEndpoint,
    machine_arn,
    parse_machine_arg,
)

PASS_ONLY = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})

# A getItem whose answer comes from the mock config, so the table need not exist.
MOCKED_GET = json.dumps(
    {
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Parameters": {"TableName": "absent", "Key": {"pk": {"S": "x"}}},
                "OutputPath": "$.Item",
                "End": True,
            }
        },
    }
)
MOCK_CONFIG = {
    "StateMachines": {"mocked": {"TestCases": {"Found": {"Get": "OneItem"}}}},
    "MockedResponses": {"OneItem": {"0": {"Return": {"Item": {"pk": {"S": "x"}}}}}},
}


def accepts_connections(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False
    return True


def test_start_binds_a_free_port_and_stop_restores_process_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTO_PORT", "4999")
    sfn_config_before = dict(default_user_config["stepfunctions"])
    with LocalEndpoint(machines=[("pass", PASS_ONLY, "STANDARD")]) as endpoint:
        assert endpoint.url.startswith("http://127.0.0.1:")
        port = endpoint.url.rsplit(":", 1)[1]
        # moto's interpreter calls services at localhost:$MOTO_PORT: it must be ours.
        assert os.environ["MOTO_PORT"] == port
        assert default_user_config["stepfunctions"]["execute_state_machine"] is True
        described = endpoint.client("stepfunctions").describe_state_machine(
            stateMachineArn=machine_arn("pass")
        )
        assert described["name"] == "pass"
        assert endpoint.ready_line().endswith("(1 state machine: pass)")
    assert os.environ["MOTO_PORT"] == "4999"
    assert dict(default_user_config["stepfunctions"]) == sfn_config_before
    assert not accepts_connections(endpoint.url)
    endpoint.stop()  # a second stop is harmless


def test_a_second_endpoint_in_one_process_is_refused_until_the_first_stops() -> None:
    with LocalEndpoint() as first:
        with pytest.raises(EndpointAlreadyRunning, match=first.url):
            LocalEndpoint().start()
    with LocalEndpoint() as again:
        assert accepts_connections(again.url)


def test_start_resets_state_left_by_an_earlier_endpoint() -> None:
    with LocalEndpoint(machines=[("left-over", PASS_ONLY, "STANDARD")]):
        pass
    with LocalEndpoint() as endpoint:
        assert endpoint.client("stepfunctions").list_state_machines()["stateMachines"] == []


def test_mock_config_answers_a_test_case_and_is_cleared_on_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(mock_adaptation.ENV_VAR, raising=False)
    machines = [("mocked", MOCKED_GET, "EXPRESS")]
    with LocalEndpoint(machines=machines, mock_config=MOCK_CONFIG) as endpoint:
        result = endpoint.client("stepfunctions").start_sync_execution(
            stateMachineArn=machine_arn("mocked") + "#Found", input="{}"
        )
        assert result["status"] == "SUCCEEDED", result
        assert json.loads(result["output"]) == {"pk": {"S": "x"}}
    assert mock_adaptation.active_mock_config() is None


@pytest.mark.parametrize(
    ("machine", "named"),
    [
        (("m", PASS_ONLY, "FAST"), "type 'FAST'"),
        (("m", "{not json", "STANDARD"), "definition is not JSON"),
        (("", PASS_ONLY, "STANDARD"), "name is empty"),
    ],
)
def test_malformed_machines_are_refused_before_start(machine: tuple[str, str, str], named: str) -> None:
    with pytest.raises(InvalidMachineSpec, match=named):
        LocalEndpoint(machines=[machine])


def test_duplicate_machine_names_are_refused() -> None:
    with pytest.raises(InvalidMachineSpec, match="given twice: m"):
        LocalEndpoint(machines=[("m", PASS_ONLY, "STANDARD"), ("m", PASS_ONLY, "EXPRESS")])


def test_a_definition_moto_rejects_names_the_machine_and_frees_the_endpoint() -> None:
    no_start = json.dumps({"States": {"P": {"Type": "Pass", "End": True}}})
    with pytest.raises(InvalidMachineSpec, match="'broken' rejected: InvalidDefinition"):
        LocalEndpoint(machines=[("broken", no_start, "STANDARD")]).start()
    with LocalEndpoint() as endpoint:  # the failed start released the process-wide slot
        assert accepts_connections(endpoint.url)


def test_a_port_in_use_is_a_named_error_not_a_hang() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EndpointError, match=f"cannot listen on 127.0.0.1:{port}"):
            LocalEndpoint(port=port).start()
    with LocalEndpoint() as endpoint:  # the failed start released the process-wide slot
        assert accepts_connections(endpoint.url)


def test_machine_errors_are_engine_errors() -> None:
    assert issubclass(InvalidMachineSpec, EngineError)
    assert issubclass(EndpointAlreadyRunning, EngineError)


def test_parse_machine_arg_reads_the_file_and_the_type(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(PASS_ONLY, encoding="utf-8")
    assert parse_machine_arg(f"m={path}:express").type == "EXPRESS"
    spec = parse_machine_arg(f"m={path}")
    assert (spec.name, spec.definition, spec.type) == ("m", PASS_ONLY, "STANDARD")
    assert spec.arn == "arn:aws:states:us-east-1:123456789012:stateMachine:m"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("no-equals-sign", "expected name=path.json"),
        ("m={folder}/m.json:FAST", "type 'FAST'"),
        ("m={folder}/absent.json", "cannot read"),
    ],
)
def test_parse_machine_arg_names_what_is_wrong(tmp_path: Path, text: str, named: str) -> None:
    (tmp_path / "m.json").write_text(PASS_ONLY, encoding="utf-8")
    with pytest.raises(InvalidMachineSpec, match=named):
        parse_machine_arg(text.format(folder=tmp_path))


def test_parser_errors_carry_their_aws_code_after_install() -> None:
    install_parser_error_codes()
    classes = parser_error_classes()
    assert parser_api.InvalidExecutionInput in classes
    assert parser_api.StateMachineDoesNotExist in classes
    for cls in classes:
        args = ("message",) if inspect.signature(cls).parameters else ()
        assert cls(*args).error_type == cls.__dict__["code"], cls.__name__
    assert install_parser_error_codes() == 0  # idempotent


def test_pinned_moto_server_construction_is_unchanged() -> None:
    # _ServedServicesServer copies ThreadedMotoServer._server_entry with another create_app;
    # if moto changes how it builds the app, the copy must be revisited.
    source = inspect.getsource(ThreadedMotoServer._server_entry)
    assert "DomainDispatcherApplication(create_backend_app)" in source
    assert "request_handler=MotoRequestHandler" in source
    for attr in ("_ip_address", "_port", "_server_ready_event"):
        assert attr in inspect.getsource(ThreadedMotoServer.__init__)


def test_task_credentials_are_enforced_through_the_endpoint() -> None:
    # The endpoint's execution role must let the Credentials adaptation assume a tenant role;
    # a role that does not exist must fail the task, as on AWS.
    get_as_tenant = json.dumps(
        {
            "StartAt": "Get",
            "States": {
                "Get": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Credentials": {"RoleArn.$": "$.role"},
                    "Parameters": {"TableName": "tenants", "Key": {"pk": {"S": "t1"}}},
                    "OutputPath": "$.Item.pk.S",
                    "End": True,
                }
            },
        }
    )
    with LocalEndpoint(machines=[("as-tenant", get_as_tenant, "EXPRESS")]) as endpoint:
        dynamodb, iam = endpoint.client("dynamodb"), endpoint.client("iam")
        dynamodb.create_table(
            TableName="tenants",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.put_item(TableName="tenants", Item={"pk": {"S": "t1"}})
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": LOCAL_ROLE_ARN}, "Action": "sts:AssumeRole"}
            ],
        }
        role = iam.create_role(RoleName="tenant-t1", AssumeRolePolicyDocument=json.dumps(trust))
        iam.put_role_policy(
            RoleName="tenant-t1",
            PolicyName="read",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}],
                }
            ),
        )
        assert iam.get_role(RoleName="saas-workflows-local")["Role"]["Arn"] == LOCAL_ROLE_ARN
        sfn = endpoint.client("stepfunctions")
        allowed = sfn.start_sync_execution(
            stateMachineArn=machine_arn("as-tenant"), input=json.dumps({"role": role["Role"]["Arn"]})
        )
        assert allowed["status"] == "SUCCEEDED", allowed
        assert json.loads(allowed["output"]) == "t1"
        missing = sfn.start_sync_execution(
            stateMachineArn=machine_arn("as-tenant"),
            input=json.dumps({"role": "arn:aws:iam::123456789012:role/no-such-tenant"}),
        )
        assert missing["status"] == "FAILED"
        assert missing["error"] == "States.TaskFailed"
        assert "no-such-tenant" in missing["cause"]
