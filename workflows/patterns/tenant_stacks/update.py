"""Template updated: page the tenants table; a Distributed Map child per tenant updates its stack."""

from __future__ import annotations

from workflows.core import JSONATA, STANDARD, Choice, Fail, Map, Pass, StateMachine, Task, Var
from workflows.core.machine import INPUT_DOC
from workflows.patterns.entity import projection
from workflows.patterns.stack_polling import (
    initial_poll, sdk_call,
)
from workflows.patterns.tenant_stacks.common import (
    _RESULTS, _TABLE_ONLY, PLATFORM_PLACEHOLDERS, UPDATE_FAILED, TenantStackRef,
)
from workflows.patterns.tenant_stacks.update_one import update_one


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
    per_page = Map("UpdatePage", item_processor=update_one(), items_path="$.page.Items",
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
    return StateMachine(name, start=chain, type=STANDARD, placeholders={**_TABLE_ONLY, **PLATFORM_PLACEHOLDERS},
                        comment="Update every tenant's stack to the new template, page by page",
                        annotations={INPUT_DOC: 'the S3 event "Object Created" of the template, e.g. {"detail": '
                                                '{"bucket": {"name": "tenant-templates"}, '
                                                '"object": {"key": "tenant-stack.json"}}}'})

