"""Template updated: page the tenants table; a Distributed Map child per tenant updates its stack."""

from __future__ import annotations

from workflows.core import JSONATA, STANDARD, Chain, Choice, Fail, Map, Pass, State, StateMachine, Task, Var
from workflows.core.machine import INPUT_DOC
from workflows.patterns.entity import projection
from workflows.patterns.stack_polling import (
    BUSY, DOES_NOT_EXIST, backoff, classified, describe, failure_record, initial_poll, sdk_call,
)
from workflows.patterns.tenant_stacks.common import (
    _RESULTS, _TABLE_ONLY, MISSING_POLLS, TEMPLATE_PARAMETERS, UPDATABLE, UPDATE_FAILED, TenantStackRef, _is_any,
)


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

