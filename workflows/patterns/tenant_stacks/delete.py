"""Tenant Deleted: wait while the stack is busy, DeleteStack, poll until gone, mark the tenant."""

from __future__ import annotations

from workflows.core import STANDARD, Choice, Fail, StateMachine, Succeed, Task, Var
from workflows.core.machine import INPUT_DOC
from workflows.patterns.stack_polling import BUSY, DOES_NOT_EXIST, backoff, classified, describe, failure_record, sdk_call
from workflows.patterns.tenant_stacks.common import DELETE_FAILED, _TABLE_ONLY, _record, _start


def tenant_stack_delete(name: str = "tenant-stack-delete") -> StateMachine:
    """Wait while the stack is busy, DeleteStack, poll until gone; mark the tenant deleted."""
    start = _start()
    before = classified(Task.sdk("cloudformation", "describeStacks", "DescribeBeforeDelete",
                                 parameters={"StackName.$": "$.stackName"},
                                 result_selector={"value.$": "$.Stacks[0]"}),
                        "DescribeStackBeforeDelete", result_path="$.stack")
    done = Succeed("TenantStackDeleted")
    # only a tenant the table knows is marked: an unknown one has nothing to mark (no row invented)
    mark = _record("MarkTenantDeleted", "DELETED", extra_set=" REMOVE tenantRoleArn",
                   condition="attribute_exists(pk)").add_catch(
        ["DynamoDB.ConditionalCheckFailedException"], Succeed("NoTenantToMark"), result_path=None)
    marked = mark >> done
    not_found = Fail("DescribeFailed", error=DELETE_FAILED, cause_path="$.stack.value.cause")
    # after DeleteStack, follow the stack by id: AWS keeps deleted stacks describable by id.
    after = describe("DescribeAfterDelete", "$.stack.value.StackId", result_path="$.after")
    delete = sdk_call(Task.sdk("cloudformation", "deleteStack", "DeleteStack",
                               parameters={"StackName.$": "$.stack.value.StackId"}, result_path=None))
    failed = Fail("DeleteFailed", error=DELETE_FAILED, cause_path="$.failure.reason")
    record_failure = _record("RecordDeleteFailure", "DELETE_FAILED",
                             extra_set=", stackStatus = :st, statusReason = :why",
                             extra_values={":st": {"S.$": "$.failure.status"}, ":why": {"S.$": "$.failure.reason"}})
    deleting = (Choice("DeleteDone")
                .when(Var("$.after.value.StackStatus") == "DELETE_COMPLETE", marked)
                .when(Var("$.after.value.StackStatus").matches(BUSY), backoff("Delete", after))
                .otherwise(failure_record("DeleteFailure", record_failure >> failed, "$.after.value")))
    gone = (Choice("StackGone")  # nested, not And: AWS fails a comparison on an absent field
            .when(Var("$.stack.value.cause").matches(DOES_NOT_EXIST), marked)
            .otherwise(not_found))
    ready = (Choice("StackBusy")
             .when(Var("$.stack.value.error").is_present(), gone)
             .when(Var("$.stack.value.StackStatus") == "DELETE_COMPLETE", marked)
             .when(Var("$.stack.value.StackStatus").matches(BUSY), backoff("Busy", before))
             .otherwise(delete >> after >> deleting))
    return StateMachine(name, start=start >> before >> ready, type=STANDARD, placeholders=_TABLE_ONLY,
                        comment="Delete a tenant's stack once it is not busy; deleting twice is fine",
                        annotations={INPUT_DOC: 'the EventBridge event "Tenant Deleted", e.g. '
                                                '{"detail": {"tenantId": "globex"}}'})

