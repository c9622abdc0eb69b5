"""Tenant stack lifecycle: one CloudFormation stack per tenant, created, deleted and updated by
STANDARD machines that poll CloudFormation (no Lambda).

Why these shapes:
- The tenant id becomes the stack name (``tenant-<id>``), and CloudFormation allows only letters,
  digits and hyphens there, so create checks the id first (``TenantStack.InvalidTenantId``) rather
  than register a tenant whose stack can never exist. Every CreateStack error is classified:
  throttling is retried, AlreadyExists adopts the stack, anything else is recorded on the tenant
  (CREATE_FAILED with its reason) before the execution fails, so no tenant stays CREATING silently.
- The tenants table item (pk = tenant id) is written when creation *starts* (status CREATING) so an
  update that runs meanwhile finds the tenant and waits for its stack instead of skipping it: a
  CREATING tenant whose stack does not exist yet (CreateStack not yet accepted) is polled with
  backoff, at most ``MISSING_POLLS`` times, before it is reported failed. The role ARN is added
  once the stack is CREATE_COMPLETE (that is what the AppSync authorizer reads).
- Delete marks only a tenant the table knows (``attribute_exists(pk)``): deleting an unknown tenant,
  or deleting twice, succeeds without inventing a row.
- The role name is ``States.UUID()``: a name derived from the tenant id would let anyone who knows
  a tenant id guess its role ARN.
- Update-all pages the table; each page goes to a Distributed Map whose iterations are child
  executions, so the parent's history grows with pages, not tenants (STANDARD caps at 25,000
  events). Each child turns every outcome into a record and never fails, so one tenant's failure
  never stops the others. ``mode="INLINE"`` exists only for the bench's comparison.
"""

from __future__ import annotations

from importlib.resources import files
from typing import TypedDict

from workflows.core import (
    JSONATA, STANDARD, Chain, Choice, Fail, Map, Pass, State, StateMachine, Succeed, Task, Var,
)
from workflows.core.machine import INPUT_DOC
from workflows.patterns.entity import projection
from workflows.patterns.stack_polling import (
    BUSY, DOES_NOT_EXIST, backoff, classified, describe, failure_record, initial_poll, sdk_call,
)

CREATE_FAILED = "TenantStack.CreateFailed"
DELETE_FAILED = "TenantStack.DeleteFailed"
UPDATE_FAILED = "TenantStack.UpdateFailed"
INVALID_TENANT_ID = "TenantStack.InvalidTenantId"
ALREADY_EXISTS = "CloudFormation.AlreadyExistsException"
# Stack names allow [A-Za-z0-9-] (starting with a letter, which STACK_PREFIX provides); 64 is the
# tenant template's TenantId limit. Stricter than the template's AllowedPattern, which also takes '_'.
TENANT_ID_PATTERN = "^[A-Za-z0-9-]{1,64}$"
# The machine does not use TENANT_ID_PATTERN's anchors: in AWS's JSONata (JavaScript) '$' is the end of
# the string, but in Python's re (jsonata-python, the local engine) it also matches before a final
# newline, so "acme\n" would pass locally. "No character outside the set, 1-64 of them" means the
# same in both engines.
_TENANT_ID_OUTSIDE = "/[^A-Za-z0-9-]/"
_TENANT_ID_MAX = 64
# How often update-all re-describes a CREATING tenant whose stack does not exist yet (backoff
# 5, 10, 20, 40, then 60 s: about 5 minutes, well past CreateStack's own throttling retries).
MISSING_POLLS = 8

PLACEHOLDERS = {
    "TenantsTable": "tenants",
    "AppTable": "app-table",
    "TemplateBucket": "tenant-templates",
    "TemplateKey": "tenant-stack.json",
}
_TABLE_ONLY = {"TenantsTable": PLACEHOLDERS["TenantsTable"]}
# A child execution that ended without a result (it should not: every path ends in a record) is
# counted as failed under its tenant id rather than silently dropped from the summary.
_RESULTS = ("$map($states.input.results, function($r, $i) {$r ? $r : {'tenantId': "
            "$states.input.page.Items[$i].pk.S, 'outcome': 'failed', 'status': 'UNKNOWN', "
            "'reason': 'the tenant update ended without a result'}})")
STACK_PREFIX = "tenant-"
# every parameter of the tenant template: an update keeps each one's previous value
TEMPLATE_PARAMETERS = ("TenantId", "RoleName", "AppTableName")
UPDATABLE = ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE",
             "IMPORT_ROLLBACK_COMPLETE")


class TenantStackRef(TypedDict):
    """What update-all reads of a tenants table item."""

    pk: str
    stackName: str
    status: str


def _is_any(path: str, values: tuple[str, ...]):  # -> Condition
    condition = Var(path) == values[0]
    for value in values[1:]:
        condition = condition | (Var(path) == value)
    return condition


def _tenant_key() -> dict:
    return {"pk": {"S.$": "$.tenantId"}}


def _record(name: str, status: str, *, extra_set: str = "", extra_values: dict | None = None,
            condition: str | None = None) -> Task:
    """UpdateItem on the tenant's item: status plus optional attributes (no Credentials: these
    machines are the platform's, not a tenant's)."""
    values = {":s": {"S": status}, **(extra_values or {})}
    parameters = {
        "TableName": "${TenantsTable}", "Key": _tenant_key(),
        "UpdateExpression": f"SET #status = :s{extra_set}",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": values,
    }
    if condition is not None:
        parameters["ConditionExpression"] = condition
    return sdk_call(Task.dynamodb("updateItem", name, parameters=parameters, result_path=None))


def _start(event_field: str = "$.detail.tenantId") -> Pass:
    return Pass("ReadTenant", parameters={
        "tenantId.$": event_field,
        "stackName.$": f"States.Format('{STACK_PREFIX}{{}}', {event_field})",
        "poll": initial_poll(),
    })


def _valid_tenant_id(then: State | Chain) -> Choice:
    """Go on to ``then`` only for a stack-name-safe ``detail.tenantId`` (JSONata: a JSONPath Choice
    has only ``*`` wildcards, no character classes); else fail before any call."""
    tenant = "$states.input.detail.tenantId"
    valid = (f"{{% $type({tenant}) = 'string' and $length({tenant}) >= 1 and $length({tenant}) <= {_TENANT_ID_MAX}"
             f" and $not($contains({tenant}, {_TENANT_ID_OUTSIDE})) %}}")
    cause = (f"{{% $exists({tenant}) ? 'tenantId ' & $substring($string({tenant}), 0, 100) & "
             f"' is not 1-64 letters, digits or hyphens (it names the stack {STACK_PREFIX}<tenantId>)' "
             f": 'the event has no detail.tenantId' %}}")
    invalid = Fail("InvalidTenantId", query_language=JSONATA, error=INVALID_TENANT_ID, cause=cause)
    return Choice("CheckTenantId", query_language=JSONATA).when(valid, then).otherwise(invalid)


# -- create ------------------------------------------------------------------------------------
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
                       {"ParameterKey": "AppTableName", "ParameterValue": "${AppTable}"}],
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


# -- delete ------------------------------------------------------------------------------------
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


# -- update one tenant (the Distributed Map's child) ---------------------------------------------
def _update_one() -> Chain:
    """Per tenant: wait until updatable, UpdateStack, poll; always ends with an outcome record."""
    result = {"tenantId.$": "$.tenantId"}
    unchanged = Pass("Unchanged", parameters={**result, "outcome": "unchanged"})
    updated = Pass("Updated", parameters={**result, "outcome": "updated"})
    failed = Pass("Failed", parameters={**result, "outcome": "failed", "status.$": "$.failure.status",
                                        "reason.$": "$.failure.reason"})
    errored = Pass("Errored", parameters={**result, "outcome": "failed", "status": "ERROR",
                                          "reason.$": "$.caught.Cause"})

    def guarded(task: State) -> State:  # anything left unhandled becomes this tenant's failure
        return task.add_catch(["States.ALL"], errored, result_path="$.caught")

    # classified: "does not exist" is an answer here (a CREATING tenant's stack may not exist yet)
    first = guarded(classified(Task.sdk("cloudformation", "describeStacks", "DescribeTenantStack",
                                        parameters={"StackName.$": "$.stackName"},
                                        result_selector={"value.$": "$.Stacks[0]"}),
                               "CheckTenantStack", result_path="$.stack"))
    poll = guarded(describe("PollUpdate", "$.stackName"))
    update = guarded(classified(Task.sdk("cloudformation", "updateStack", "UpdateTenantStack", parameters={
        "StackName.$": "$.stackName",
        "TemplateURL.$": "$.templateUrl",
        "Parameters": [{"ParameterKey": key, "UsePreviousValue": True} for key in TEMPLATE_PARAMETERS],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
    }, result_selector={"value.$": "$"}), "UpdateStack", result_path="$.update"))
    rejected = Pass("UpdateRejected", parameters={"status.$": "$.stack.value.StackStatus",
                                                  "reason.$": "$.update.value.cause"}, result_path="$.failure")
    polled = (Choice("UpdateDone")
              .when(Var("$.stack.value.StackStatus") == "UPDATE_COMPLETE", updated)
              .when(Var("$.stack.value.StackStatus").matches(BUSY), backoff("Update", poll))
              .otherwise(failure_record("UpdateFailure", failed)))
    no_changes = (Choice("NoChanges")
                  .when(Var("$.update.value.cause").matches("*No updates are to be performed*"), unchanged)
                  .otherwise(rejected >> failed))
    after_update = (Choice("UpdateAccepted")
                    .when(Var("$.update.value.error").is_present(), no_changes)
                    .otherwise(poll >> polled))
    updatable = (Choice("Updatable")
                 .when(Var("$.stack.value.StackStatus").matches(BUSY), backoff("Busy", first))
                 .when(_is_any("$.stack.value.StackStatus", UPDATABLE), update >> after_update)
                 .otherwise(failure_record("NotUpdatable", failed)))
    missing = Pass("StackMissing", parameters={"status": "DOES_NOT_EXIST", "reason.$": "$.stack.value.cause"},
                   result_path="$.failure")
    never_appeared = Pass("StackNeverAppeared", parameters={"status": "DOES_NOT_EXIST", "reason.$": (
        "States.Format('the tenant was still CREATING after {} polls: {}', $.missing.count, $.stack.value.cause)")},
        result_path="$.failure")
    describe_failed = Pass("DescribeFailed", parameters={"status": "DESCRIBE_FAILED", "reason.$": (
        "States.Format('{}: {}', $.stack.value.error, $.stack.value.cause)")}, result_path="$.failure")
    count = Pass("CountMissingPoll", parameters={"count.$": "States.MathAdd($.missing.count, 1)"},
                 result_path="$.missing")
    not_yet = (Choice("StillCreating")
               .when((Var("$.tenantStatus") == "CREATING") & (Var("$.missing.count") < MISSING_POLLS),
                     count >> backoff("Missing", first))
               .when(Var("$.tenantStatus") == "CREATING", never_appeared >> failed)
               .otherwise(missing >> failed))
    answered = (Choice("StackDescribed")
                .when(Var("$.stack.value.error").is_present(),
                      Choice("StackExists").when(Var("$.stack.value.cause").matches(DOES_NOT_EXIST), not_yet)
                      .otherwise(describe_failed >> failed))
                .otherwise(updatable))
    return first >> answered


# -- update all --------------------------------------------------------------------------------
def tenant_stack_update(name: str = "tenant-stack-update", *, page_size: int = 100, max_concurrency: int = 10,
                        mode: str = "DISTRIBUTED") -> StateMachine:
    """Page through the tenants table; update every tenant's stack; summarise; fail if any failed."""
    start = Pass("ReadTemplate", parameters={
        "templateUrl.$": "States.Format('https://{}.s3.amazonaws.com/{}', $.detail.bucket.name, $.detail.object.key)",
        "summary": {"updated": 0, "unchanged": 0, "failed": []},
    })
    scan_args = {"TableName": "${TenantsTable}", "Limit": page_size,
                 "ProjectionExpression": "pk, stackName, #status",
                 "FilterExpression": "#status <> :deleted",
                 "ExpressionAttributeNames": {"#status": "status"},
                 "ExpressionAttributeValues": {":deleted": {"S": "DELETED"}}}
    first_page = sdk_call(Task.sdk("dynamodb", "scan", "ScanTenants", parameters=scan_args, result_path="$.page"))
    next_page = sdk_call(Task.sdk("dynamodb", "scan", "ScanMoreTenants", parameters={
        **scan_args, "ExclusiveStartKey.$": "$.page.LastEvaluatedKey"}, result_path="$.page"))
    item = projection(TenantStackRef, "$$.Map.Item.Value").selector
    per_page = Map("UpdatePage", item_processor=_update_one(), items_path="$.page.Items",
                   item_selector={"tenantId.$": item["pk.$"], "stackName.$": item["stackName.$"],
                                  "tenantStatus.$": item["status.$"], "templateUrl.$": "$.templateUrl",
                                  "poll": initial_poll(), "missing": {"count": 0}},
                   max_concurrency=max_concurrency, result_path="$.results",
                   mode=mode, execution_type="STANDARD" if mode == "DISTRIBUTED" else None,
                   label="TenantStackUpdates" if mode == "DISTRIBUTED" else None)
    tally = Pass("TallyPage", query_language=JSONATA, output=(
        "{% ($results := " + _RESULTS + "; $merge([$states.input, {'results': [], 'summary': {"
        "'updated': $states.input.summary.updated + $count($results[outcome = 'updated']), "
        "'unchanged': $states.input.summary.unchanged + $count($results[outcome = 'unchanged']), "
        "'failed': $append($states.input.summary.failed, "
        "[$results[outcome = 'failed'].{'tenantId': tenantId, 'status': status, 'reason': reason}])"
        "}}])) %}"))
    failed = Fail("UpdateFailed", query_language=JSONATA, error=UPDATE_FAILED,
                  cause="{% $string($states.input.summary) %}")
    # A Pass, not a Succeed: cfn-lint 1.58's schema refuses OutputPath on Succeed (ASL allows it).
    done = Pass("AllTenantsUpdated", output_path="$.summary")
    more = (Choice("MorePages")
            .when(Var("$.page.LastEvaluatedKey").is_present(), next_page >> per_page)
            .when(Var("$.summary.failed[0]").is_present(), failed)
            .otherwise(done))
    chain = start >> first_page >> per_page >> tally >> more
    return StateMachine(name, start=chain, type=STANDARD, placeholders=_TABLE_ONLY,
                        comment="Update every tenant's stack to the new template, page by page",
                        annotations={INPUT_DOC: 'the S3 event "Object Created" of the template, e.g. {"detail": '
                                                '{"bucket": {"name": "tenant-templates"}, '
                                                '"object": {"key": "tenant-stack.json"}}}'})


__all__ = ["CREATE_FAILED", "DELETE_FAILED", "INVALID_TENANT_ID", "MISSING_POLLS", "TENANT_ID_PATTERN",
           "UPDATE_FAILED", "TenantStackRef", "tenant_stack_create",
           "tenant_stack_delete", "tenant_stack_update"]


TEMPLATE_RESOURCE = "templates/tenant-stack.json"


def tenant_template() -> str:
    """The tenant stack's CloudFormation template (JSON text): the role these machines create per tenant.

    Package data so that tests, fixtures and the demo deploy the same file without CDK installed; it is the
    CDK synth of the tenant template, byte for byte (tests/cdk pins it).
    """
    return files("workflows.patterns").joinpath(TEMPLATE_RESOURCE).read_text(encoding="utf-8")
