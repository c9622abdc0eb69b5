"""Tenant Deleted: mark the tenant DELETING, purge its items, delete its stack, mark it DELETED.

Why this order (issue 15):
- DELETING first: the authorizer refuses any status but ACTIVE, so the tenant's API stops before its
  data goes, and a create of the same tenant that is still running sees the row is no longer its own
  (create.py) and undoes its stack. The mark carries the event's time (``deletedAt``); a create
  whose event is older than it is refused, so a late duplicate "Tenant Created" cannot bring the
  tenant back. A delete older than the tenant's latest create (``requestedAt``) is stale and does
  nothing.
- The purge runs before DeleteStack because it runs under the tenant's OWN role (``Credentials``,
  the ``tenantRoleArn`` the row holds): that role's policy allows only items whose leading key is the
  tenant's (``dynamodb:LeadingKeys`` ``[tenant, tenant#*]``), so even a wrong filter could not delete
  another tenant's item -- IAM refuses it. We chose this over a LeadingKeys-restricted platform
  policy because IAM cannot restrict a platform role to "the tenant being deleted": its condition
  would have to name every tenant. Finding the items needs a Scan (their partitions --
  ``<tenant>``, ``<tenant>#<Entity>``, ``<tenant>#UNIQUE#<Entity>.<field>#<value>`` -- cannot be
  listed by Query, and the tenant role has no Scan), so the platform role scans keys only,
  filtered to ``pk = tenant OR begins_with(pk, 'tenant#')``, one page at a time (``purge_page``
  items read per page); each page's items are deleted under the tenant's role. The purge is
  idempotent, so a delete that fails part-way (recorded DELETE_FAILED) is resumed by sending
  "Tenant Deleted" again: the next scan finds only what is left. A tenant without a role (never
  ACTIVE) never had access to the app table, so there is nothing to purge.
- The row is marked DELETED only after the stack is gone and the items are purged, and create
  accepts a DELETED tenant again: a re-created tenant id starts empty.
- Every DynamoDB step retries throttling and transient errors; every wait loop has a deadline.
"""

from __future__ import annotations

from workflows.core import JSONATA, STANDARD, Chain, Choice, Credentials, Fail, Map, Pass, State, StateMachine, Succeed, Task, Var
from workflows.core.machine import INPUT_DOC
from workflows.patterns.stack_polling import (
    BUSY, DEADLINE_SECONDS, DOES_NOT_EXIST, THROTTLED, backoff, failure_record, patient, sdk_call, timed_out,
)
from workflows.patterns.tenant_stacks.common import (
    DELETE_FAILED, PLACEHOLDERS, _read_row, _record, _start, _tenant_key, _valid_tenant_id, ddb_call,
    placeholders_for,
)
from workflows.patterns.tenant_stacks.placement import (
    PROVISIONING_REFUSED, AccountPlacement, check_provisioning, free_account, provisioned, use_account,
)

CCF = "DynamoDB.ConditionalCheckFailedException"
_PLACEHOLDERS = {k: PLACEHOLDERS[k] for k in ("TenantsTable", "AppTable")}


def _purge(done_target, failed_target, page: int, keys: tuple[str, str],
           placement: AccountPlacement | None = None):  # -> Chain
    """Scan the app table's keys for the tenant's items, page by page; delete each under the tenant's role.

    Each page's deletes are a Distributed Map (child executions): an inline Map costs about 8 history
    events per item, so a tenant with ~3,000 items would pass STANDARD's 25,000 events; here the
    parent's history grows with pages only. Placed: the scan runs in the tenant's account (its app table),
    under the provisioning role; the tenant role's deletes go there by themselves (the role's account)."""
    pk, sk = keys
    scan_args = {"TableName": "${AppTable}", "Limit": page, "ConsistentRead": True,
                 "ProjectionExpression": "#pk, #sk",
                 "FilterExpression": "#pk = :tenant OR begins_with(#pk, :prefix)",
                 "ExpressionAttributeNames": {"#pk": pk, "#sk": sk},
                 "ExpressionAttributeValues": {":tenant": {"S.$": "$.tenantId"},
                                               ":prefix": {"S.$": "States.Format('{}#', $.tenantId)"}}}
    first = provisioned(Task.sdk("dynamodb", "scan", "ScanTenantItems", parameters=scan_args, result_path="$.purge"),
                        placement)
    first = ddb_call(first).add_catch(["States.ALL"], failed_target, result_path="$.caught")
    more = ddb_call(provisioned(Task.sdk("dynamodb", "scan", "ScanMoreTenantItems", parameters={
        **scan_args, "ExclusiveStartKey.$": "$.purge.LastEvaluatedKey"}, result_path="$.purge"), placement)
    ).add_catch(["States.ALL"], failed_target, result_path="$.caught")
    delete_item = ddb_call(Task.dynamodb("deleteItem", "DeleteTenantItem", parameters={
        "TableName": "${AppTable}", "Key.$": "$.key"}, credentials=Credentials.from_path("$.roleArn"),
        result_selector={"deleted": True}))
    per_page = Map("PurgePage", item_processor=delete_item, items_path="$.purge.Items",
                   item_selector={"key.$": "$$.Map.Item.Value", "roleArn.$": "$.row.Item.tenantRoleArn.S"},
                   max_concurrency=10, result_path="$.purged", mode="DISTRIBUTED", execution_type="STANDARD",
                   label="TenantPurge").add_catch(["States.ALL"], failed_target, result_path="$.caught")
    # every item of the page must report its delete: a child that ended without a result (the local
    # engine's Distributed Map does not fail for it, AWS's does) must not let the purge pass as done
    incomplete = Pass("PurgeIncomplete", query_language=JSONATA, output=(
        "{% $merge([$states.input, {'caught': {'Error': 'TenantStack.PurgeIncomplete', 'Cause': "
        "$string($count($states.input.purge.Items) - $count($states.input.purged[deleted = true])) & ' of ' & "
        "$string($count($states.input.purge.Items)) & ' items of the page were not deleted'}}]) %}"))
    paging = (Choice("MoreTenantItems")
              .when(Var("$.purge.LastEvaluatedKey").is_present(), more >> per_page)
              .otherwise(done_target))
    complete = (Choice("PageFullyPurged", query_language=JSONATA)
                .when("{% $count($states.input.purged[deleted = true]) = $count($states.input.purge.Items) %}", paging)
                .otherwise(incomplete >> failed_target))
    return first >> per_page >> complete


def _record_refusal(failed: State):  # -> Chain
    """DELETE_FAILED with the refused provisioning role's reason, then ``TenantStack.ProvisioningRoleRefused``."""
    refused = Fail("ProvisioningRoleRefused", error=PROVISIONING_REFUSED, cause_path="$.failure.reason")
    return _record("RecordProvisioningRefused", "DELETE_FAILED", extra_set=", stackStatus = :st, statusReason = :why",
                   extra_values={":st": {"S.$": "$.failure.status"}, ":why": {"S.$": "$.failure.reason"}},
                   condition="attribute_exists(pk)").add_catch([CCF], refused, result_path=None) >> refused


def tenant_stack_delete(name: str = "tenant-stack-delete", *, deadline_seconds: int = DEADLINE_SECONDS,
                        purge_page: int = 500, app_keys: tuple[str, str] = ("pk", "sk"),
                        placement: AccountPlacement | None = None) -> StateMachine:
    """Mark DELETING, purge the tenant's app-table items under its own role, delete its stack once not
    busy, mark DELETED. ``app_keys`` are the app table's partition and sort key attributes. ``placement``:
    the tenant's stack and items are in its account (the row's ``accountId``); marking it DELETED frees its
    place there (placement.py)."""
    start = _start()
    done = Succeed("TenantStackDeleted")
    failed = Fail("DeleteFailed", error=DELETE_FAILED, cause_path="$.failure.reason")
    record_failure = _record("RecordDeleteFailure", "DELETE_FAILED",
                             extra_set=", stackStatus = :st, statusReason = :why",
                             extra_values={":st": {"S.$": "$.failure.status"}, ":why": {"S.$": "$.failure.reason"}},
                             condition="attribute_exists(pk)").add_catch([CCF], failed, result_path=None)
    give_up = record_failure >> failed
    errored = Pass("DeleteErrored", parameters={"status": "ERROR", "reason.$": "States.Format('{}: {}', "
                                                "$.caught.Error, $.caught.Cause)"}, result_path="$.failure")
    errored_chain = errored >> give_up
    expired = timed_out("DeleteTimedOut") >> give_up

    # only a tenant the table knows is marked: an unknown one has nothing to mark (no row invented)
    no_mark = Succeed("NoTenantToMark")
    mark = _record("MarkTenantDeleted", "DELETED", extra_set=" REMOVE tenantRoleArn",
                   condition="attribute_exists(pk)").add_catch([CCF], no_mark, result_path=None)
    marked = mark >> done
    unplaced = marked  # placed: a tenant without an account has no stack and no items anywhere
    if placement is not None:  # the stack is gone: mark DELETED and free the place in one transaction
        marked = free_account(no_mark) >> done

    before = patient(provisioned(Task.sdk("cloudformation", "describeStacks", "DescribeBeforeDelete",
                                          parameters={"StackName.$": "$.stackName"},
                                          result_selector={"value.$": "$.Stacks[0]"}), placement),
                     "DescribeStackBeforeDelete", result_path="$.stack").add_catch(
        ["States.ALL"], errored_chain, result_path="$.caught")
    # after DeleteStack, follow the stack by id: AWS keeps deleted stacks describable by id.
    after = patient(provisioned(Task.sdk("cloudformation", "describeStacks", "DescribeAfterDelete",
                                         parameters={"StackName.$": "$.stack.value.StackId"},
                                         result_selector={"value.$": "$.Stacks[0]"}), placement),
                    "DescribeStackAfterDelete",
                    result_path="$.after").add_catch(["States.ALL"], errored_chain, result_path="$.caught")
    delete = sdk_call(provisioned(Task.sdk("cloudformation", "deleteStack", "DeleteStack",
                                           parameters={"StackName.$": "$.stack.value.StackId"}, result_path=None),
                                  placement)).add_catch(["States.ALL"], errored_chain, result_path="$.caught")
    after_wait = backoff("Delete", after, expired=timed_out("DeleteTimedOutAfter", "after") >> give_up,
                         deadline=deadline_seconds)
    deleting = (Choice("DeleteDone")
                .when(Var("$.after.value.error").is_present(),  # nested: AWS fails a comparison on an absent field
                      Choice("DeleteThrottled").when(Var("$.after.value.error") == THROTTLED, after_wait)
                      .otherwise(marked))  # gone (moto forgets a deleted stack's id)
                .when(Var("$.after.value.StackStatus") == "DELETE_COMPLETE", marked)
                .when(Var("$.after.value.StackStatus").matches(BUSY), after_wait)
                .otherwise(failure_record("DeleteFailure", give_up, "$.after.value")))
    before_wait = backoff("Busy", before, expired=expired, deadline=deadline_seconds)
    describe_failed = Pass("DescribeFailed", parameters={"status": "DESCRIBE_FAILED", "reason.$": (
        "States.Format('{}: {}', $.stack.value.error, $.stack.value.cause)")}, result_path="$.failure")
    gone = (Choice("StackGone")  # nested, not And: AWS fails a comparison on an absent field
            .when(Var("$.stack.value.error") == THROTTLED, before_wait)
            .when(Var("$.stack.value.cause").matches(DOES_NOT_EXIST), marked)
            .otherwise(describe_failed >> give_up))
    ready = (Choice("StackBusy")
             .when(Var("$.stack.value.error").is_present(), gone)
             .when(Var("$.stack.value.StackStatus") == "DELETE_COMPLETE", marked)
             .when(Var("$.stack.value.StackStatus").matches(BUSY), before_wait)
             .otherwise(delete >> after >> deleting))
    stack_part = before >> ready

    purge = _purge(stack_part, errored_chain, purge_page, app_keys, placement)
    has_role = (Choice("TenantHasRole")  # no role: the tenant never had access to the app table
                .when(Var("$.row.Item.tenantRoleArn.S").is_present(), purge)
                .otherwise(stack_part))
    read = _read_row("ReadTenantRow") >> has_role
    if placement is not None:  # the stack and the items are in the tenant's account
        read = _read_row("ReadTenantRow", account=True) >> (
            Choice("TenantPlacedIn").when(Var("$.row.Item.accountId.S").is_present(),
                                          use_account("UseTenantAccount") >> check_provisioning(
                                              has_role, _record_refusal(failed)))
            .otherwise(unplaced))
    mark_deleting = ddb_call(Task.dynamodb("updateItem", "MarkTenantDeleting", parameters={
        "TableName": "${TenantsTable}", "Key": _tenant_key(),
        "UpdateExpression": "SET #status = :deleting, deletedAt = :t",
        "ConditionExpression": "attribute_exists(pk) AND (attribute_not_exists(requestedAt) OR requestedAt < :t)",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {":deleting": {"S": "DELETING"}, ":t": {"S.$": "$.eventTime"}},
    }, result_path=None))
    # refused: no row (an unknown tenant: its stack, if any, is still deleted) or a newer create (stale)
    stale = Succeed("StaleDelete", comment="the tenant was created again after this delete's event")
    refused = _read_row("ReadUnmarkedRow") >> (
        Choice("TenantKnown").when(Var("$.row.Item").is_present(), stale)
        # placed: a tenant the table does not know was never placed, so it has no stack anywhere
        .otherwise(stack_part if placement is None else Succeed("UnknownTenant")))
    mark_deleting = mark_deleting.add_catch([CCF], refused, result_path=None)
    chain = start >> mark_deleting >> read
    if placement is not None:  # counter items ("#account#<id>") share the table: never take one for a tenant
        chain = Chain.coerce(_valid_tenant_id(chain))
    return StateMachine(name, start=chain, type=STANDARD,
                        placeholders=placeholders_for(_PLACEHOLDERS, placement, placing=False),
                        comment="Delete a tenant: its items, then its stack once not busy; deleting twice is fine",
                        annotations={INPUT_DOC: 'the EventBridge event "Tenant Deleted", e.g. '
                                                '{"detail": {"tenantId": "globex"}}'})
