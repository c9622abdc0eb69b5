"""One tenant's update, the Distributed Map's child: wait until updatable, UpdateStack, poll, record.

Input (from the paging parent): ``tenantId``, ``templateUrl``, optionally ``templateVersion`` (the S3
object version of the template, the event's ``detail.object.version-id``) and ``tenantStatus``;
anything else (``stackName``, ``poll``, ``missing``) is ignored. Output: ``{tenantId, outcome, status,
reason}``, ``outcome`` one of ``updated``, ``unchanged``, ``failed`` or ``deleted``.

Why (issue 15):
- The child never fails: every path, an unexpected error included, ends in a record, so one tenant can
  never take the run with it (a Distributed Map fails when a child fails and no failure is tolerated).
- The stack name is derived from the tenant id (``tenant-<id>``), never read from the row: a row
  naming another tenant's stack would otherwise update (or report) the wrong stack.
- With ``templateVersion`` the TemplateURL carries ``?versionId=``: the bucket is versioned, and every
  tenant of one run must get the same bytes even if the template is replaced during the run.
- Healthy tenants are not reported failed: a describe throttled beyond its retries waits and asks
  again; an UpdateStack refused because the stack "is in UPDATE_IN_PROGRESS state" (a concurrent
  updater) waits for it, then updates; a rejected update is reported with the stack's status read
  again after the refusal, not the one read before it.
- A tenant deleted during the run (its stack gone and its row DELETING/DELETED, or no row) ends with
  outcome ``deleted``: not a failure, and not counted as updated or unchanged.
- Every wait loop has a deadline (``stack_polling.backoff``); then the tenant is failed with the status
  it was last seen in. A CREATING tenant whose stack does not exist yet is re-described at most
  ``MISSING_POLLS`` times.
"""

from __future__ import annotations

import json

from workflows.core import JSONATA, STANDARD, Chain, Choice, Pass, State, StateMachine, Task, Var
from workflows.patterns.stack_polling import (
    BUSY, DEADLINE_SECONDS, DOES_NOT_EXIST, THROTTLED, backoff, classified, failure_record, initial_poll, patient,
    timed_out,
)
from workflows.patterns.tenant_stacks.common import (
    MISSING_POLLS, PLACEHOLDERS, PLATFORM_PLACEHOLDERS, STACK_PREFIX, TENANT_PARAMETERS, UPDATABLE, _is_any, _read_row,
    placeholders_for, platform_parameters,
)
from workflows.patterns.tenant_stacks.placement import AccountPlacement, check_provisioning, provisioned, use_account

_IN_PROGRESS_REFUSAL = "*_IN_PROGRESS state and can not be updated*"


def _prepare() -> Pass:
    """The child's working state, whatever the parent sent (absent fields never fail a path)."""
    given = "$states.input"
    return Pass("PrepareTenantUpdate", query_language=JSONATA, output=(
        f"{{% ($id := {given}.tenantId; $url := {given}.templateUrl; $v := {given}.templateVersion; {{"
        "'tenantId': $exists($id) ? $id : null, "
        f"'stackName': '{STACK_PREFIX}' & ($type($id) = 'string' ? $id : ''), "
        "'templateUrl': ($type($v) = 'string' and $v != '') ? $url & '?versionId=' & $encodeUrlComponent($v) : $url, "
        f"'poll': {json.dumps(initial_poll())}, 'missing': {{'count': 0}}}}) %}}"))


def update_one(*, deadline_seconds: int = DEADLINE_SECONDS, placement: AccountPlacement | None = None) -> Chain:
    """Per tenant: wait until updatable, UpdateStack, poll; always ends with an outcome record.
    ``placement``: the stack is in the account the tenant's row names (read first; a CREATING tenant not
    placed yet is waited for like one whose stack does not exist yet)."""
    result = {"tenantId.$": "$.tenantId"}
    unchanged = Pass("Unchanged", parameters={**result, "outcome": "unchanged"})
    updated = Pass("Updated", parameters={**result, "outcome": "updated"})
    failed = Pass("Failed", parameters={**result, "outcome": "failed", "status.$": "$.failure.status",
                                        "reason.$": "$.failure.reason"})
    errored = Pass("Errored", parameters={**result, "outcome": "failed", "status": "ERROR",
                                          "reason.$": "States.Format('{}: {}', $.caught.Error, $.caught.Cause)"})
    deleted = Pass("Deleted", query_language=JSONATA, output=(
        "{% {'tenantId': $states.input.tenantId, 'outcome': 'deleted', "
        "'status': $type($states.input.row.Item.status.S) = 'string' ? $states.input.row.Item.status.S : 'NO_ROW', "
        "'reason': 'the tenant was deleted during the update'} %}"))

    def guarded(task: State) -> State:  # anything left unhandled becomes this tenant's failure
        return task.add_catch(["States.ALL"], errored, result_path="$.caught")

    expired = timed_out("UpdateTimedOut") >> failed
    first = guarded(patient(provisioned(Task.sdk("cloudformation", "describeStacks", "DescribeTenantStack",
                                                 parameters={"StackName.$": "$.stackName"},
                                                 result_selector={"value.$": "$.Stacks[0]"}), placement),
                            "CheckTenantStack", result_path="$.stack"))
    busy = backoff("Busy", first, expired=expired, deadline=deadline_seconds)
    poll = guarded(patient(provisioned(Task.sdk("cloudformation", "describeStacks", "PollUpdate",
                                                parameters={"StackName.$": "$.stackName"},
                                                result_selector={"value.$": "$.Stacks[0]"}), placement),
                           "PollTenantStack", result_path="$.stack"))
    polling = backoff("Update", poll, expired=expired, deadline=deadline_seconds)

    # the stack does not exist: deleted during the run, not created yet, or lost
    missing = Pass("StackMissing", parameters={"status": "DOES_NOT_EXIST", "reason.$": "$.stack.value.cause"},
                   result_path="$.failure")
    never_appeared = Pass("StackNeverAppeared", parameters={"status": "DOES_NOT_EXIST", "reason.$": (
        "States.Format('the tenant was still CREATING after {} polls: {}', $.missing.count, $.stack.value.cause)")},
        result_path="$.failure")
    count = Pass("CountMissingPoll", parameters={"count.$": "States.MathAdd($.missing.count, 1)"},
                 result_path="$.missing")
    by_row = (Choice("TenantStillThere")  # nested: AWS fails a comparison on an absent field
              .when(Var("$.row.Item.status.S").is_present(),
                    Choice("TenantRowStatus")
                    .when(_is_any("$.row.Item.status.S", ("DELETING", "DELETED")), deleted)
                    .when((Var("$.row.Item.status.S") == "CREATING") & (Var("$.missing.count") < MISSING_POLLS),
                          count >> backoff("Missing", first, expired=expired, deadline=deadline_seconds))
                    .when(Var("$.row.Item.status.S") == "CREATING", never_appeared >> failed)
                    .otherwise(missing >> failed))
              .otherwise(deleted))
    gone = guarded(_read_row("ReadTenantRow")) >> by_row

    describe_failed = Pass("DescribeFailed", parameters={"status": "DESCRIBE_FAILED", "reason.$": (
        "States.Format('{}: {}', $.stack.value.error, $.stack.value.cause)")}, result_path="$.failure")
    not_described = (Choice("StackExists")
                     .when(Var("$.stack.value.cause").matches(DOES_NOT_EXIST), gone)
                     .otherwise(describe_failed >> failed))

    polled = (Choice("UpdateDone")
              .when(Var("$.stack.value.error").is_present(),  # nested: AWS fails a comparison on an absent field
                    Choice("PollThrottled").when(Var("$.stack.value.error") == THROTTLED, polling)
                    .otherwise(not_described))
              .when(Var("$.stack.value.StackStatus") == "UPDATE_COMPLETE", updated)
              .when(Var("$.stack.value.StackStatus").matches(BUSY), polling)
              .otherwise(failure_record("UpdateFailure", failed)))

    update = guarded(classified(provisioned(Task.sdk("cloudformation", "updateStack", "UpdateTenantStack", parameters={
        "StackName.$": "$.stackName",
        "TemplateURL.$": "$.templateUrl",
        "Parameters": [*({"ParameterKey": key, "UsePreviousValue": True} for key in TENANT_PARAMETERS),
                       *platform_parameters(placement is not None)],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
    }, result_selector={"value.$": "$"}), placement), "UpdateStack", result_path="$.update"))
    # a rejected update reports the status read AFTER the refusal (the one before may be stale)
    recheck = guarded(patient(provisioned(Task.sdk("cloudformation", "describeStacks", "DescribeRejected",
                                                   parameters={"StackName.$": "$.stackName"},
                                                   result_selector={"value.$": "$.Stacks[0]"}), placement),
                              "RecheckTenantStack", result_path="$.stack"))
    rejected = Pass("UpdateRejected", query_language=JSONATA, output=(
        "{% $merge([$states.input, {'failure': {'status': $type($states.input.stack.value.StackStatus) = 'string' "
        "? $states.input.stack.value.StackStatus : 'UNKNOWN', 'reason': $states.input.update.value.cause}}]) %}"))
    refused = (Choice("NoChanges")
               .when(Var("$.update.value.cause").matches("*No updates are to be performed*"), unchanged)
               .when(Var("$.update.value.cause").matches(_IN_PROGRESS_REFUSAL), busy)  # a concurrent updater
               .when(Var("$.update.value.cause").matches(DOES_NOT_EXIST), gone)
               .otherwise(recheck >> rejected >> failed))
    after_update = (Choice("UpdateAccepted")
                    .when(Var("$.update.value.error").is_present(), refused)
                    .otherwise(poll >> polled))
    updatable = (Choice("Updatable")
                 .when(Var("$.stack.value.StackStatus").matches(BUSY), busy)
                 .when(_is_any("$.stack.value.StackStatus", UPDATABLE), update >> after_update)
                 .otherwise(failure_record("NotUpdatable", failed)))
    answered = (Choice("StackDescribed")
                .when(Var("$.stack.value.error").is_present(),
                      Choice("CheckThrottled").when(Var("$.stack.value.error") == THROTTLED, busy)
                      .otherwise(not_described))
                .otherwise(updatable))
    if placement is None:
        return _prepare() >> first >> answered
    # placed: the row names the tenant's account; a tenant not placed yet is waited for (at most MISSING_POLLS)
    locate = guarded(_read_row("ReadTenantAccount", account=True))
    unplaced = Pass("NotPlaced", parameters={"status": "NOT_PLACED", "reason.$": (
        "States.Format('tenant {} is {} and names no account', $.tenantId, $.row.Item.status.S)")},
        result_path="$.failure")
    count_unplaced = Pass("CountUnplacedPoll", parameters={"count.$": "States.MathAdd($.missing.count, 1)"},
                          result_path="$.missing")
    not_placed = (Choice("TenantRowPlaced")  # nested: AWS fails a comparison on an absent field
                  .when(Var("$.row.Item.status.S").is_present(),
                        Choice("UnplacedRowStatus")
                        .when(_is_any("$.row.Item.status.S", ("DELETING", "DELETED")), deleted)
                        .when((Var("$.row.Item.status.S") == "CREATING") & (Var("$.missing.count") < MISSING_POLLS),
                              count_unplaced >> backoff("Unplaced", locate, expired=expired,
                                                        deadline=deadline_seconds))
                        .otherwise(unplaced >> failed))
                  .otherwise(deleted))
    placed = (Choice("TenantPlaced")
              .when(Var("$.row.Item.accountId.S").is_present(), use_account("UseTenantAccount")
                    >> check_provisioning(first >> answered, failed))
              .otherwise(not_placed))
    return _prepare() >> locate >> placed


def tenant_stack_update_one(name: str = "tenant-stack-update-one", *, deadline_seconds: int = DEADLINE_SECONDS,
                            placement: AccountPlacement | None = None) -> StateMachine:
    """``update_one`` as a machine of its own (one tenant: ``{"tenantId", "templateUrl"}`` in, its outcome out),
    for a single tenant's update and for tests; the rollout runs the same chain as its Map's child."""
    return StateMachine(name, start=update_one(deadline_seconds=deadline_seconds, placement=placement), type=STANDARD,
                        placeholders=placeholders_for({"TenantsTable": PLACEHOLDERS["TenantsTable"],
                                                       **PLATFORM_PLACEHOLDERS}, placement, placing=False),
                        comment="Update one tenant's stack to a template; always ends with an outcome")
