"""Reading a deployed stack (moto's CloudFormation as the oracle of what describe_stacks answers)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from workflows.testing.stack_outputs import StackNotReady, read_stack
from workflows.testing.targets import TargetError, stack_target

STACK = "saas-prod"
ACCOUNT = "123456789012"
MACHINE = {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
    "DefinitionString": json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/x"}}


def template(outputs: dict[str, Any]) -> str:
    return json.dumps({"Resources": {
        "GetMachine": {**MACHINE, "Properties": {**MACHINE["Properties"], "StateMachineName": f"{STACK}-note-get"}},
        "PutMachine": {**MACHINE, "Properties": {**MACHINE["Properties"], "StateMachineName": f"{STACK}-note-put"}},
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}]}}},
        "Outputs": outputs})


@pytest.fixture
def session() -> Iterator[boto3.Session]:
    with mock_aws():
        yield boto3.Session(region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")


def test_machines_from_outputs_and_resources_placeholders_from_output_keys(session: boto3.Session) -> None:
    cfn = session.client("cloudformation")
    cfn.create_stack(StackName=STACK, TemplateBody=template({
        "GetArn": {"Value": {"Ref": "GetMachine"}},
        "ListArn": {"Value": f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:{STACK}-note-list"},
        "AppTable": {"Value": {"Ref": "Table"}},
        "GraphqlUrl": {"Value": "https://example.appsync-api.eu-west-1.amazonaws.com/graphql"}}))
    deployed = read_stack(cfn, STACK, {"AppTable", "TenantsTable"})
    prefix = f"arn:aws:states:eu-west-1:{ACCOUNT}:stateMachine:{STACK}-"
    # note-list only as an output, note-put only as a resource
    assert deployed.machines == {"note-get": prefix + "note-get", "note-list": prefix + "note-list",
                                 "note-put": prefix + "note-put"}
    table = session.client("dynamodb").list_tables()["TableNames"][0]
    assert deployed.placeholders == {"AppTable": table}  # TenantsTable has no output
    assert (deployed.region, deployed.account) == ("eu-west-1", ACCOUNT)

    target = stack_target(STACK, {"AppTable", "TenantsTable"}, required={"AppTable"}, session=session)
    assert (target.kind, target.shared, target.placeholders) == ("stack", True, {"AppTable": table})
    assert target.machine_arn("note-put") == prefix + "note-put"
    with pytest.raises(TargetError, match=r"no state machine for workflow 'note-delete' \(it has: note-get, note-list, note-put\)"):
        target.machine_arn("note-delete")
    with pytest.raises(TargetError, match="no output for placeholder.*TenantsTable.*CfnOutput"):
        stack_target(STACK, {"AppTable", "TenantsTable"}, required={"TenantsTable"}, session=session)


def test_an_absent_stack_is_named(session: boto3.Session) -> None:
    with pytest.raises(StackNotReady, match="stack 'nowhere'"):
        read_stack(session.client("cloudformation"), "nowhere")
