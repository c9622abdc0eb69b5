"""Tenant Created: check the id, CreateStack (or adopt the stack), poll, record the role ARN."""

from __future__ import annotations

from workflows.core import STANDARD, Choice, Fail, Pass, StateMachine, Succeed, Task, Var
from workflows.core.machine import INPUT_DOC
from workflows.patterns.stack_polling import BUSY, backoff, classified, describe, failure_record, sdk_call
from workflows.patterns.tenant_stacks.common import (
    ALREADY_EXISTS, CREATE_FAILED, PLACEHOLDERS, _record, _start, _tenant_key, _valid_tenant_id, platform_parameters,
)


def tenant_stack_create(name: str = "tenant-stack-create") -> StateMachine:
    """Check the tenant id, CreateStack (or adopt an existing one), poll until done, record the role ARN."""
    start = _start()
    role_name = Pass("ChooseRoleName", parameters={"value.$": "States.UUID()"}, result_path="$.roleName")
    registering = sdk_call(Task.dynamodb("updateItem", "RegisterTenant", parameters={
        "TableName": "${TenantsTable}", "Key": _tenant_key(),
        "UpdateExpression": "SET stackName = :n, #status = if_not_exists(#status, :creating)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":n": {"S.$": "$.stackName"}, ":creating": {"S": "CREATING"}},
    }, result_path=None))
    poll = describe("DescribeStack", "$.stackName")
    # every error becomes data: throttling is retried, AlreadyExists is adopted, the rest recorded
    create = classified(Task.sdk("cloudformation", "createStack", "CreateStack", parameters={
        "StackName.$": "$.stackName",
        "TemplateURL": "https://${TemplateBucket}.s3.amazonaws.com/${TemplateKey}",
        "Parameters": [{"ParameterKey": "TenantId", "ParameterValue.$": "$.tenantId"},
                       {"ParameterKey": "RoleName", "ParameterValue.$": "$.roleName.value"},
                       {"ParameterKey": "AppTableName", "ParameterValue": "${AppTable}"},
                       *platform_parameters()],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": "TenantId", "Value.$": "$.tenantId"}],
    }, result_selector={"value.$": "$"}), "CreateTenantStack", result_path="$.create", errors=("States.ALL",))

    role_arn = Pass("ReadRoleArn", parameters={
        "values.$": "$.stack.value.Outputs[?(@.OutputKey == 'TenantRoleArn')].OutputValue"},
        result_path="$.outputs")
    activate = _record("RecordTenantRole", "ACTIVE",
                       extra_set=", tenantRoleArn = :r, stackStatus = :st REMOVE statusReason",
                       extra_values={":r": {"S.$": "States.ArrayGetItem($.outputs.values, 0)"},
                                     ":st": {"S.$": "$.stack.value.StackStatus"}})
    done = Succeed("TenantStackCreated")
    failed = Fail("CreateFailed", error=CREATE_FAILED, cause_path="$.failure.reason")
    record_failure = _record("RecordCreateFailure", "CREATE_FAILED",
                             extra_set=", stackStatus = :st, statusReason = :why",
                             extra_values={":st": {"S.$": "$.failure.status"}, ":why": {"S.$": "$.failure.reason"}})
    check = (Choice("CreateDone")
             .when(Var("$.stack.value.StackStatus") == "CREATE_COMPLETE", role_arn >> activate >> done)
             .when(Var("$.stack.value.StackStatus").matches(BUSY), backoff("Create", poll))
             .otherwise(failure_record("CreateFailure", record_failure >> failed)))
    polling = poll >> check
    rejected = Pass("CreateRejected", parameters={
        "status": "CREATE_REJECTED",
        "reason.$": "States.Format('{}: {}', $.create.value.error, $.create.value.cause)"}, result_path="$.failure")
    refused = (Choice("StackAlreadyExists")
               .when(Var("$.create.value.error") == ALREADY_EXISTS, polling)
               .otherwise(rejected >> record_failure >> failed))
    accepted = (Choice("CreateAccepted")
                .when(Var("$.create.value.error").is_present(), refused)
                .otherwise(polling))
    chain = _valid_tenant_id(start >> role_name >> registering >> create >> accepted)
    return StateMachine(name, start=chain, type=STANDARD, placeholders=PLACEHOLDERS,
                        comment="Create a tenant's stack (or adopt the existing one) and record its role",
                        annotations={INPUT_DOC: 'the EventBridge event "Tenant Created", e.g. '
                                                '{"detail": {"tenantId": "initech"}}'})

