"""Tenant Created: check the id, register the tenant, CreateStack (or adopt the stack), poll, record the role ARN.

Why each guard (issue 15):
- Idempotent: EventBridge delivers at least once, so a repeated "Tenant Created" finds the stack and
  adopts it. Every healthy state (``UPDATABLE``: CREATE_COMPLETE, UPDATE_COMPLETE after a template
  update, ...) records the role again; the failure record never overwrites an ACTIVE row, so a
  duplicate event can never lock a live tenant out.
- Ordered against delete: RegisterTenant writes CREATING only when the row is absent, CREATING,
  CREATE_FAILED, or DELETED by an *earlier* event (``deletedAt`` < this event's ``time``); an ACTIVE
  row is adopted as is; DELETING/DELETE_FAILED, or a newer delete, refuses the create with
  ``TenantStack.TenantDeleted`` before any stack exists. The final write (ACTIVE + role) is
  conditional on the row still being ours (CREATING/ACTIVE/CREATE_FAILED): a delete that ran while
  the stack was being made wins, and this execution deletes the stack it made before failing with
  ``TenantStack.TenantDeleted``. A recreate after the stack vanished first re-reads the row for the same
  reason.
- Nothing left CREATING silently: every CloudFormation call after registering is caught; throttling
  beyond retries, a describe that fails, a deadline that passes all end in CREATE_FAILED with a
  reason. A stack that disappears while polled (an old stack finishing its deletion) is created again;
  an adopted stack in ROLLBACK_COMPLETE (a failed earlier attempt, which CloudFormation cannot update)
  is deleted, then created. Every wait loop has a deadline (``stack_polling.backoff``).
- DynamoDB steps retry throttling and transient errors (``common.dynamodb_retry``).
"""

from __future__ import annotations

from workflows.core import STANDARD, Chain, Choice, Fail, Pass, State, StateMachine, Succeed, Task, Var
from workflows.core.machine import INPUT_DOC
from workflows.patterns.stack_polling import (
    BUSY, DEADLINE_SECONDS, DOES_NOT_EXIST, THROTTLED, backoff, classified, failure_record, patient, sdk_call, timed_out,
)
from workflows.patterns.tenant_stacks.common import (
    ALREADY_EXISTS, CREATE_FAILED, PLACEHOLDERS, TENANT_DELETED, UPDATABLE, _is_any, _read_row, _record, _start,
    _tenant_key, _valid_tenant_id, ddb_call, placeholders_for, platform_parameters,
)
from workflows.patterns.tenant_stacks.placement import (
    NO_ACCOUNT_CAPACITY, PROVISIONING_REFUSED, AccountPlacement, check_provisioning, place, provisioned,
)

CCF = "DynamoDB.ConditionalCheckFailedException"
# the row states a create may (re)claim: its own, a failed earlier attempt, or a live tenant (adopted)
_OURS = "#status IN (:creating, :failed, :active)"
_OURS_VALUES = {":creating": {"S": "CREATING"}, ":failed": {"S": "CREATE_FAILED"}, ":active": {"S": "ACTIVE"}}


def _delete_then(prefix: str, then: State | Chain, expired: State | Chain, deadline: int,
                 placement: AccountPlacement | None) -> Chain:
    """DeleteStack ``$.stack.value.StackId``, poll it by id until DELETE_COMPLETE (or gone), then ``then``."""
    delete = sdk_call(provisioned(Task.sdk("cloudformation", "deleteStack", f"{prefix}DeleteStack",
                                           parameters={"StackName.$": "$.stack.value.StackId"}, result_path=None),
                                  placement))
    poll = classified(provisioned(Task.sdk("cloudformation", "describeStacks", f"{prefix}Describe",
                                           parameters={"StackName.$": "$.stack.value.StackId"},
                                           result_selector={"value.$": "$.Stacks[0]"}), placement),
                      f"{prefix}Poll", result_path="$.gone")
    gone = (Choice(f"{prefix}Gone")
            .when(Var("$.gone.value.error").is_present(), then)
            .when(Var("$.gone.value.StackStatus") == "DELETE_COMPLETE", then)
            .otherwise(backoff(prefix, poll, expired=expired, deadline=deadline)))
    return delete >> poll >> gone


def _record_failure(name: str, *, then: Fail) -> Task:
    """Record CREATE_FAILED with the status and reason in ``$.failure``, then ``then``; never overwrites
    ACTIVE (a duplicate event) nor a delete's DELETING/DELETED (the condition fails: straight to ``then``)."""
    return _record(name, "CREATE_FAILED", extra_set=", stackStatus = :st, statusReason = :why",
                   extra_values={":st": {"S.$": "$.failure.status"}, ":why": {"S.$": "$.failure.reason"}},
                   condition="#status IN (:creating, :failed)",
                   condition_values={k: _OURS_VALUES[k] for k in (":creating", ":failed")}
                   ).add_catch([CCF], then, result_path=None)


def tenant_stack_create(name: str = "tenant-stack-create", *, deadline_seconds: int = DEADLINE_SECONDS,
                        placement: AccountPlacement | None = None) -> StateMachine:
    """Check the tenant id, register it, CreateStack (or adopt an existing one), poll until done, record
    the role ARN; ``deadline_seconds`` bounds every wait loop. ``placement``: place the tenant in one of
    several accounts and make its stack there (placement.py)."""
    start = _start()
    role_name = Pass("ChooseRoleName", parameters={"value.$": "States.UUID()"}, result_path="$.roleName")
    failed = Fail("CreateFailed", error=CREATE_FAILED, cause_path="$.failure.reason")
    record_failure = _record_failure("RecordCreateFailure", then=failed)
    give_up = record_failure >> failed
    errored = Pass("CreateErrored", parameters={"status": "ERROR", "reason.$": "States.Format('{}: {}', "
                                                "$.caught.Error, $.caught.Cause)"}, result_path="$.failure")

    def guarded(state: State) -> State:  # anything unhandled after registering is recorded, never lost
        return state.add_catch(["States.ALL"], errored >> give_up, result_path="$.caught")

    expired = timed_out("CreateTimedOut") >> give_up
    deleted_meanwhile = Fail("TenantDeletedMeanwhile", error=TENANT_DELETED, cause_path="$.superseded")
    supersede = Pass("CreateSuperseded", parameters={"value.$": (
        "States.Format('tenant {} was deleted while it was being created: the delete wins', $.tenantId)")},
        result_path="$.superseded")
    refused = Fail("CreateRefused", error=TENANT_DELETED, cause_path="$.refusal.value")

    create = guarded(classified(provisioned(Task.sdk("cloudformation", "createStack", "CreateStack", parameters={
        "StackName.$": "$.stackName",
        "TemplateURL": "https://${TemplateBucket}.s3.amazonaws.com/${TemplateKey}",
        "Parameters": [{"ParameterKey": "TenantId", "ParameterValue.$": "$.tenantId"},
                       {"ParameterKey": "RoleName", "ParameterValue.$": "$.roleName.value"},
                       {"ParameterKey": "AppTableName", "ParameterValue": "${AppTable}"},
                       *platform_parameters(placement is not None)],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": "TenantId", "Value.$": "$.tenantId"}],
    }, result_selector={"value.$": "$"}), placement), "CreateTenantStack", result_path="$.create",
        errors=("States.ALL",)))
    # a describe throttled beyond its retries is an answer too: wait and ask again (until the deadline)
    poll = guarded(patient(provisioned(Task.sdk("cloudformation", "describeStacks", "DescribeStack",
                                                parameters={"StackName.$": "$.stackName"},
                                                result_selector={"value.$": "$.Stacks[0]"}), placement),
                           "DescribeTenantStack", result_path="$.stack"))
    wait = backoff("Create", poll, expired=expired, deadline=deadline_seconds)

    # the row is checked again before a vanished stack is re-created: a delete may have removed it
    recreate = backoff("Recreate", create, expired=expired, deadline=deadline_seconds)
    still_ours = (_read_row("CheckStillCreating") >> (
        Choice("StillCreating")
        .when(_is_any("$.row.Item.status.S", ("CREATING", "CREATE_FAILED", "ACTIVE")), recreate)
        .otherwise(supersede >> deleted_meanwhile)))

    role_arn = Pass("ReadRoleArn", parameters={
        "values.$": "$.stack.value.Outputs[?(@.OutputKey == 'TenantRoleArn')].OutputValue"},
        result_path="$.outputs")
    undo = _delete_then("Superseded", supersede >> deleted_meanwhile, supersede >> deleted_meanwhile,
                        deadline_seconds, placement)
    activate = guarded(_record("RecordTenantRole", "ACTIVE",
                               extra_set=", tenantRoleArn = :r, stackStatus = :st REMOVE statusReason",
                               extra_values={":r": {"S.$": "States.ArrayGetItem($.outputs.values, 0)"},
                                             ":st": {"S.$": "$.stack.value.StackStatus"}},
                               condition=_OURS, condition_values=_OURS_VALUES
                               ).add_catch([CCF], undo, result_path=None))
    done = Succeed("TenantStackCreated")
    describe_failed = Pass("DescribeFailed", parameters={"status": "DESCRIBE_FAILED", "reason.$": (
        "States.Format('{}: {}', $.stack.value.error, $.stack.value.cause)")}, result_path="$.failure")
    not_described = (Choice("StackVanished")
                     .when(Var("$.stack.value.error") == THROTTLED, wait)
                     .when(Var("$.stack.value.cause").matches(DOES_NOT_EXIST), still_ours)
                     .otherwise(describe_failed >> give_up))
    unhealthy = failure_record("CreateFailure", give_up)
    retry_create = _delete_then("RolledBack", create, expired, deadline_seconds, placement)
    rolled_back = (Choice("AdoptedRollback")  # an earlier attempt's stack: delete it and create again
                   .when(Var("$.create.value.error").is_present(), retry_create)
                   .otherwise(unhealthy))
    check = (Choice("CreateDone")
             .when(Var("$.stack.value.error").is_present(), not_described)
             .when(_is_any("$.stack.value.StackStatus", UPDATABLE), role_arn >> activate >> done)
             .when(Var("$.stack.value.StackStatus") == "ROLLBACK_COMPLETE", rolled_back)
             .when(Var("$.stack.value.StackStatus").matches(BUSY), wait)
             .otherwise(unhealthy))
    polling = poll >> check
    rejected = Pass("CreateRejected", parameters={
        "status": "CREATE_REJECTED",
        "reason.$": "States.Format('{}: {}', $.create.value.error, $.create.value.cause)"}, result_path="$.failure")
    adopt = (Choice("StackAlreadyExists")
             .when(Var("$.create.value.error") == ALREADY_EXISTS, polling)
             .otherwise(rejected >> give_up))
    accepted = (Choice("CreateAccepted")
                .when(Var("$.create.value.error").is_present(), adopt)
                .otherwise(polling))

    registering = ddb_call(Task.dynamodb("updateItem", "RegisterTenant", parameters={
        "TableName": "${TenantsTable}", "Key": _tenant_key(),
        "UpdateExpression": "SET stackName = :n, #status = :creating, requestedAt = :t",
        "ConditionExpression": ("attribute_not_exists(pk) OR #status IN (:creating, :failed) OR "
                                "(#status = :deleted AND (attribute_not_exists(deletedAt) OR deletedAt < :t))"),
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":n": {"S.$": "$.stackName"}, ":creating": {"S": "CREATING"},
                                      ":failed": {"S": "CREATE_FAILED"}, ":deleted": {"S": "DELETED"},
                                      ":t": {"S.$": "$.eventTime"}},
    }, result_path=None))
    refusal = Pass("RefusalReason", parameters={"value.$": (
        "States.Format('tenant {} is {}: a delete ordered after this create wins (send Tenant Created again "
        "once it is DELETED)', $.tenantId, $.row.Item.status.S)")}, result_path="$.refusal")
    stack_part = Chain.coerce(create) >> accepted
    if placement is not None:  # find the tenant's account first (kept when already placed)
        no_room = Fail("NoAccountCapacity", error=NO_ACCOUNT_CAPACITY, cause_path="$.failure.reason")
        record_no_room = _record_failure("RecordNoCapacity", then=no_room)
        refused_role = Fail("ProvisioningRoleRefused", error=PROVISIONING_REFUSED, cause_path="$.failure.reason")
        record_refused = _record_failure("RecordProvisioningRefused", then=refused_role)
        stack_part = check_provisioning(stack_part, record_refused >> refused_role)
        stack_part = place(placement, placed=stack_part, lost=supersede >> deleted_meanwhile,
                           full=record_no_room >> no_room, expired=expired, deadline=deadline_seconds,
                           read_row=lambda n: guarded(_read_row(n, account=True)), guard=guarded)
    not_registered = _read_row("ReadRefusingRow") >> (
        Choice("AlreadyActive")  # a live tenant: adopt its stack, keep it ACTIVE throughout
        .when(Var("$.row.Item.status.S") == "ACTIVE", stack_part)
        .otherwise(refusal >> refused))
    registering = registering.add_catch([CCF], not_registered, result_path=None)
    registered = registering >> stack_part
    chain = _valid_tenant_id(start >> role_name >> registered)
    return StateMachine(name, start=chain, type=STANDARD, placeholders=placeholders_for(PLACEHOLDERS, placement),
                        comment="Create a tenant's stack (or adopt the existing one) and record its role",
                        annotations={INPUT_DOC: 'the EventBridge event "Tenant Created", e.g. '
                                                '{"detail": {"tenantId": "initech"}}'})
