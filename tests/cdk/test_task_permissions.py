"""Task permissions read from ASL: nested states are found (by the core's own walk) and named by path."""

from __future__ import annotations

import pytest

from workflows.cdk.task_permissions import TaskUse, UnsupportedTask, runs_distributed_map, task_uses

PUT = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
       "Credentials": {"RoleArn.$": "$.roleArn"}, "Parameters": {"TableName": "${AppTable}", "Item": {}}}
GET = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem", "End": True,
       "Arguments": {"TableName": "${TenantsTable}", "Key": {"pk": {"S": "{% $t %}"}}, "Note": "${not a name}"}}


def nested(mode: str = "INLINE") -> dict:
    return {"StartAt": "Fan", "States": {
        "Fan": {"Type": "Parallel", "Next": "Each", "Branches": [
            {"StartAt": "Put", "States": {"Put": PUT}}]},
        "Each": {"Type": "Map", "End": True, "ItemProcessor": {
            "ProcessorConfig": {"Mode": mode}, "StartAt": "Get", "States": {"Get": GET}}}}}


def test_nested_tasks_are_found_with_their_paths_and_placeholders() -> None:
    assert task_uses(nested()) == [
        TaskUse("Fan/Branches[0]/Put", "dynamodb:PutItem", True, ("AppTable",)),
        TaskUse("Each/ItemProcessor/Get", "dynamodb:GetItem", False, ("TenantsTable",)),
    ]


def test_distributed_map_is_detected_only_when_distributed() -> None:
    assert runs_distributed_map(nested("DISTRIBUTED"))
    assert not runs_distributed_map(nested("INLINE"))


def test_a_resource_without_a_rule_is_named() -> None:
    asl = {"StartAt": "Call", "States": {"Call": {"Type": "Task", "End": True,
                                                  "Resource": "arn:aws:lambda:us-east-1:1:function:f"}}}
    with pytest.raises(UnsupportedTask, match=r"'Call'.*arn:aws:lambda"):
        task_uses(asl)


def test_start_execution_is_a_states_action() -> None:
    """A successor execution (arn:aws:states:::states:startExecution) needs states:StartExecution;
    machines.py grants it on the machine's own ARN only."""
    asl = {"StartAt": "Next", "States": {"Next": {
        "Type": "Task", "Resource": "arn:aws:states:::states:startExecution", "End": True,
        "Arguments": {"StateMachineArn": "{% $states.context.StateMachine.Id %}", "Input": "{% {} %}"}}}}
    assert task_uses(asl) == [TaskUse("Next", "states:StartExecution", False, ())]


@pytest.mark.parametrize("state, kind", [
    ({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True,
      "Parameters": {"TableName": "${Elsewhere}", "Key": {}}}, "table"),
    ({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True,
      "Parameters": {"QueueUrl": "${Elsewhere}", "MessageBody": "x"}}, "queue"),
])
def test_a_task_naming_no_known_table_or_queue_is_refused(state: dict, kind: str) -> None:
    """A role is granted only on resources the stack knows: a table or queue it cannot name is an error
    at synth, not a permission on ``*``."""
    import json

    import aws_cdk as cdk

    from workflows.cdk.machines import WorkflowMachine
    from workflows.cdk.sources import MachineSource

    asl = {"StartAt": "Call", "States": {"Call": state}}
    source = MachineSource("m", json.dumps(asl), "STANDARD", {"Elsewhere": "x"}, asl=asl)
    with pytest.raises(UnsupportedTask, match=rf"m\.Call: .* names no known {kind}"):
        WorkflowMachine(cdk.Stack(cdk.App(), "S"), "M", source, prefix="p", substitutions={"Elsewhere": "x"},
                        tables={}, queues={})


PROVISIONER = {"RoleArn.$": "States.Format('arn:aws:iam::{}:role/${ProvisioningRoleName}', $.account)"}


@pytest.mark.parametrize("state, action", [
    ({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudformation:createStack", "End": True,
      "Credentials": PROVISIONER, "Parameters": {"StackName.$": "$.stackName"}}, "cloudformation:CreateStack"),
    # the role read from state (a variable holding the ARN): a CloudFormation call is never a tenant's
    ({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudformation:deleteStack", "End": True,
      "Credentials": {"RoleArn.$": "$.provisioner"}, "Parameters": {"StackName.$": "$.stackName"}},
     "cloudformation:DeleteStack"),
    # naming the provisioning role makes any call a provisioning one
    ({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:iam:getRole", "End": True,
      "Credentials": PROVISIONER, "Parameters": {"RoleName.$": "$.role"}}, "iam:GetRole"),
])
def test_a_call_in_a_tenant_account_as_its_provisioning_role_is_not_a_tenant_call(state: dict, action: str) -> None:
    """A placed lifecycle machine (issue 15) runs CloudFormation with Credentials of a tenant account's
    provisioning role: its role needs sts:AssumeRole on that role, and must not be taken for a tenant-task
    machine (tenant roles would trust it, and it would be granted tenant roles)."""
    asl = {"StartAt": "Call", "States": {"Call": state}}
    assert task_uses(asl) == [TaskUse("Call", action, False, (), as_provisioner=True)]


def test_a_provisioning_call_without_tenant_accounts_is_refused() -> None:
    import json

    import aws_cdk as cdk

    from workflows.cdk.machines import WorkflowMachine
    from workflows.cdk.sources import MachineSource

    asl = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:cloudformation:deleteStack", "End": True,
        "Credentials": PROVISIONER, "Parameters": {"StackName.$": "$.stackName"}}}}
    source = MachineSource("m", json.dumps(asl), "STANDARD", {"ProvisioningRoleName": "p"}, asl=asl)
    with pytest.raises(UnsupportedTask, match=r"m\.Call: cloudformation:DeleteStack runs as a tenant account's "
                                              r"provisioning role, but no tenant accounts are named"):
        WorkflowMachine(cdk.Stack(cdk.App(), "S"), "M", source, prefix="p",
                        substitutions={"ProvisioningRoleName": "p"}, tables={}, stack_arn="arn:stacks")
