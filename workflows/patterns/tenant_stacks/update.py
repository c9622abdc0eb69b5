"""Template updated: roll the new template out over the tenants table, in waves, page by page.

Why this shape:
- Waves: first the marked canaries (items with ``canary = true``: a wave of their own, read by a pass
  over the table of its own, since a Scan cannot order), then the ``waves`` sizes (default 1, then
  10, then 100 tenants), each ending with a failure check; after them one wave takes the rest.
  With nothing marked the canary pass only costs a read of the table (its pages hold no tenant and
  run no Map) and the counted waves behave as before. A wave whose failures pass ``max_failures`` or
  ``max_failure_percent`` stops the rollout (``TenantStack.RolloutStopped``, the cause says why and how
  to resume or roll back); tenants after it are untouched.
- Failures are durable: every child writes its outcome on its tenant's item (``lastRollout``), so
  the parent keeps only counts and the first 20 failures and names where the full list is; its
  state and Fail cause stay small at any failure count.
- Bounded history: after ``pages_per_execution`` pages the parent starts its successor
  (``states:startExecution``) with the rollout record and ends; each execution's history is bounded.
- Child failures: the child is built never to fail (every outcome becomes a record). One that does
  crash anyway would, on AWS, fail a Distributed Map with no tolerated failures and lose the summary,
  so the Map tolerates 100%: the crashed item comes back without an outcome, is counted failed
  (status CHILD_FAILED), sampled and recorded on its tenant's item by the parent. A Catch on the Map
  would lose every other outcome of the page, which the children already applied.
"""

from __future__ import annotations

from typing import Sequence

from workflows.core import JSONATA, STANDARD, BuildError, Choice, Fail, Map, Pass, Retry, StateMachine, Task
from workflows.core.machine import INPUT_DOC
from workflows.patterns.stack_polling import initial_poll
from workflows.patterns.tenant_stacks import rollout as R
from workflows.patterns.tenant_stacks.common import (
    PLATFORM_PLACEHOLDERS, _TABLE_ONLY, UPDATE_FAILED, dynamodb_retry, placeholders_for,
)
from workflows.patterns.tenant_stacks.placement import AccountPlacement
from workflows.patterns.tenant_stacks.update_one import update_one

ROLLOUT_STOPPED = "TenantStack.RolloutStopped"
TABLE = "${TenantsTable}"
# A page's results (one outcome per tenant, reasons cut to 300 characters) must fit the parent's
# 256 KiB state with room to spare.
MAX_PAGE_SIZE = 250
_CONDITION_FAILED = "DynamoDB.ConditionalCheckFailedException"


def _retry_reads() -> Retry:
    """Starting the successor is idempotent (its name is fixed by the rollout id and part): any task
    failure is retried with jittered backoff before it counts. DynamoDB steps use common.dynamodb_retry."""
    return Retry(("States.TaskFailed",), interval_seconds=1, max_attempts=6, backoff_rate=2.0, max_delay_seconds=20,
                 jitter_strategy="FULL")


def record_outcome(name: str, *, rollout_id: str, template_url: str) -> Task:
    """Write the outcome on the tenant's item as ``lastRollout`` and pass the outcome on (reason cut).
    A tenant whose item is gone (deleted meanwhile) is not re-created: the write is conditional."""
    # the Catch's Output keeps the outcome (a JSONata Catch passes the error object by default)
    gone = Pass(f"{name}ItemGone", query_language=JSONATA, comment="the tenant's item was removed meanwhile")
    task = Task.dynamodb("updateItem", name, query_language=JSONATA, arguments={
        "TableName": TABLE, "Key": {"pk": {"S": "{% $states.input.tenantId %}"}},
        "UpdateExpression": f"SET {R.ROLLOUT_ATTRIBUTE} = :r", "ConditionExpression": "attribute_exists(pk)",
        "ExpressionAttributeValues": R.outcome_values(rollout_id, template_url),
    }, output=R.OUTCOME_OUTPUT, retry=(Retry((_CONDITION_FAILED,), max_attempts=0), dynamodb_retry()))
    return task.add_catch([_CONDITION_FAILED], gone, output=R.OUTCOME_OUTPUT)


def _child(placement: AccountPlacement | None = None):  # -> Chain
    read = Pass("ReadRow", query_language=JSONATA, output={
        **R.child_start(), "poll": initial_poll(), "missing": {"count": 0}},
        assign={"rolloutId": "{% $states.input.rolloutId %}", "templateUrl": "{% $states.input.templateUrl %}"})
    return read >> update_one(placement=placement) >> record_outcome(
        "RecordOutcome", rollout_id="$rolloutId", template_url="$templateUrl")


def tenant_stack_update(name: str = "tenant-stack-update", *, page_size: int = 100, max_concurrency: int = 10,
                        waves: Sequence[int] = (1, 10, 100), max_failures: int | None = None,
                        max_failure_percent: float | None = 10, pages_per_execution: int = 100,
                        marked_canaries: bool = True, mode: str = "DISTRIBUTED",
                        placement: AccountPlacement | None = None) -> StateMachine:
    """Roll the template of an S3 "Object Created" event out to every tenant's stack, in waves.

    Also started with ``{"resume": <stopped record>}`` (go on with the next wave) or
    ``{"rollback": {"rolloutId": ..., "templateUrl": <previous version>}}`` (put the tenants that
    rollout touched back on that template, in one wave, no threshold). ``waves``: sizes of the
    bounded waves before the rest (``()``: one wave); ``max_failures``/``max_failure_percent``: a
    wave with more failures stops the rollout (None: no such limit; both None: never stops).
    ``marked_canaries``: tenants whose item has ``canary = true`` (BOOL) go first, as a wave of their
    own under the same thresholds (False: no canary pass, one read of the table).
    ``placement``: each child updates the stack in the account its tenant's row names (placement.py).
    """
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BuildError(f"page_size must be 1..{MAX_PAGE_SIZE} (a page's results live in the parent's state)",
                         rule="rollout", path=name)
    if any(not isinstance(w, int) or w < 1 for w in waves):
        raise BuildError(f"waves must be positive tenant counts, not {list(waves)!r}", rule="rollout", path=name)
    if pages_per_execution < 1:
        raise BuildError("pages_per_execution must be at least 1", rule="rollout", path=name)
    start = Pass("StartRollout", query_language=JSONATA,
                 output=R.start_expression(waves, max_failures, max_failure_percent, TABLE,
                                            marked_canaries=marked_canaries))
    first = Task.sdk("dynamodb", "scan", "ScanTenants", query_language=JSONATA,
                     arguments=R.scan_arguments(page_size, TABLE, from_cursor=False), output=R.SCAN_OUTPUT,
                     retry=(dynamodb_retry(),))
    following = Task.sdk("dynamodb", "scan", "ScanMoreTenants", query_language=JSONATA,
                         arguments=R.scan_arguments(page_size, TABLE, from_cursor=True), output=R.SCAN_OUTPUT,
                         retry=(dynamodb_retry(),))
    per_page = Map("UpdatePage", item_processor=_child(placement), items_path="$.page.Items",
                   item_selector={"row.$": "$$.Map.Item.Value", "templateUrl.$": "$.rollout.templateUrl",
                                  "rolloutId.$": "$.rollout.id"},
                   max_concurrency=max_concurrency, result_path="$.results",
                   tolerated_failure_percentage=100 if mode == "DISTRIBUTED" else None,
                   mode=mode, execution_type="STANDARD" if mode == "DISTRIBUTED" else None,
                   label="TenantStackUpdates" if mode == "DISTRIBUTED" else None)
    tally = Pass("TallyPage", query_language=JSONATA, output=R.TALLY)
    page = (Choice("PageHasTenants", query_language=JSONATA)
            .when(R.EMPTY_PAGE, Pass("NoTenantsInPage", query_language=JSONATA, output=R.NO_RESULTS) >> tally)
            .otherwise(per_page >> tally))
    record_crashed = Map("RecordCrashed", query_language=JSONATA, items="{% $states.input.crashed %}",
                         item_processor=record_outcome("RecordCrashedOutcome", rollout_id="$states.input.rolloutId",
                                                       template_url="$states.input.templateUrl"),
                         max_concurrency=10, output="{% {'rollout': $states.input.rollout} %}")
    failed = Fail("UpdateFailed", query_language=JSONATA, error=UPDATE_FAILED, cause=R.SUMMARY_TEXT)
    stopped = Fail("RolloutStopped", query_language=JSONATA, error=ROLLOUT_STOPPED,
                   cause="{% $string(" + R.STOPPED + ") %}")
    # A Pass, not a Succeed: cfn-lint 1.58's schema refuses Output on Succeed (ASL allows it).
    done = Pass("AllTenantsUpdated", query_language=JSONATA, output=R.SUMMARY)
    successor = Task("StartSuccessor", query_language=JSONATA, resource="arn:aws:states:::states:startExecution",
                     arguments=R.SUCCESSOR_ARGUMENTS, output=R.CONTINUED, retry=(_retry_reads(),))
    next_wave = Pass("NextWave", query_language=JSONATA, output=R.NEXT_WAVE)
    end_canary = Pass("EndCanaryPass", query_language=JSONATA, output=R.END_CANARY_PASS)
    # a later page: from the cursor; the rest pass's first page: from the table's start
    go_on = (Choice("PagesLeftInExecution", query_language=JSONATA)
             .when(R.pages_reached(pages_per_execution), successor)
             .when(R.MORE, following)
             .otherwise(first))
    check = (Choice("CheckWave", query_language=JSONATA)
             .when(R.STOP, stopped)
             .when(R.MORE, Choice("WaveEnded", query_language=JSONATA).when(R.WAVE_ENDED, next_wave >> go_on)
                   .otherwise(go_on))
             .when(R.CANARY_PASS_ENDED, end_canary >> go_on)
             .when(R.FAILED_ANY, failed)
             .otherwise(done))
    crashed = Choice("AnyChildCrashed", query_language=JSONATA).when(R.HAS_CRASHED, record_crashed >> check) \
        .otherwise(check)
    # a resumed or continued rollout starts from its cursor; a fresh one (or a new pass) from the table's start
    from_cursor = (Choice("FromCursor", query_language=JSONATA).when(R.MORE, following >> page)
                   .otherwise(first >> page))
    chain = start >> from_cursor >> crashed
    return StateMachine(name, start=chain, type=STANDARD,
                        placeholders=placeholders_for({**_TABLE_ONLY, **PLATFORM_PLACEHOLDERS}, placement, placing=False),
                        comment="Roll a new tenant template out to every tenant's stack: waves, page by page",
                        annotations={INPUT_DOC: 'the S3 event "Object Created" of the template, e.g. {"detail": '
                                                '{"bucket": {"name": "tenant-templates"}, '
                                                '"object": {"key": "tenant-stack.json"}}}; or {"resume": '
                                                '<a stopped rollout>}; or {"rollback": {"rolloutId": "...", '
                                                '"templateUrl": "..."}}'})
