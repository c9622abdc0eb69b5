"""One tenant's update, the Distributed Map's child: wait until updatable, UpdateStack, poll, record."""

from __future__ import annotations

from workflows.core import Chain, Choice, Pass, State, Task, Var
from workflows.patterns.stack_polling import BUSY, DOES_NOT_EXIST, backoff, classified, describe, failure_record
from workflows.patterns.tenant_stacks.common import (
    MISSING_POLLS, TENANT_PARAMETERS, UPDATABLE, _is_any, platform_parameters,
)


def update_one() -> Chain:
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
        "Parameters": [*({"ParameterKey": key, "UsePreviousValue": True} for key in TENANT_PARAMETERS),
                       *platform_parameters()],
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
