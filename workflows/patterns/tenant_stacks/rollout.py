"""The rollout record of tenant-stack-update: what the paging parent carries from page to page.

Why a record of its own (``$.rollout``, a few hundred bytes plus a bounded failure sample): the parent
must stay far below Step Functions' 256 KiB state limit and its Fail cause below 32,768 characters
whatever the tenant count, and it must be able to hand itself to a successor execution (bounded
history) or to a resumed run (stopped wave). Every failure is written durably on the tenant's own
item (``lastRollout``); the record keeps only counts and the first ``SAMPLE`` failures.

Fields: ``id`` (the rollout, the first execution's name), ``templateUrl``, ``rollbackOf`` (the
rollout being undone, or null), ``waves`` (sizes of the bounded waves; after them one wave takes
the rest), ``wave``/``inWave``/``waveFailed`` (the current wave), ``maxFailures``/
``maxFailurePercent`` (a wave past either stops the rollout; null = no such limit), ``cursor``
(the scan's LastEvaluatedKey, null at the start and the end), ``updated``/``unchanged``/
``failedCount``, ``failed`` (the sample), ``pages`` (scanned by this execution), ``part`` (which
execution of the rollout this is), ``failures`` (where the full list is), ``stopped`` (why, if so),
``pass`` and ``canaries`` (below).

Marked canaries: a Scan cannot order, so a rollout reads the table twice. ``pass`` is ``canary`` for
the first read (only items with ``canary = true``, as BOOL: one wave of its own, any size, under
the same threshold), then ``rest`` (the counted ``waves`` over the items not so marked); ``all`` for a
rollback and for a machine built without marked canaries (one read, no canary filter). The cursor
belongs to the pass, so a successor or a resumed rollout goes on in the pass it was in; the end of
the canary pass resets the cursor and records ``canaries`` (how many marked tenants it took).
A record without ``pass`` (started before marked canaries existed) reads as ``all``.
"""

from __future__ import annotations

from typing import Sequence

from workflows.patterns.tenant_stacks.common import STACK_PREFIX

SAMPLE = 20
# Reasons longer than this are cut in the sample and in the Map results (the tenant item keeps
# REASON_STORED): 20 x (tenant id + status + 300) stays a few KiB, far below 32,768.
REASON_SAMPLE = 300
REASON_STORED = 1000
ROLLOUT_ATTRIBUTE = "lastRollout"
# A tenant whose item has ``canary = true`` (a BOOL) is in the canary wave, before any other.
CANARY_ATTRIBUTE = "canary"
# An item the Distributed Map returned without an outcome: a child execution that failed (moto
# yields null, AWS an error object) although the child is built never to fail.
CRASHED = "CHILD_FAILED"


def _js(value: object) -> str:
    """A Python value as a JSONata literal (JSON is JSONata; None is null)."""
    import json
    return json.dumps(value)


def start_expression(waves: Sequence[int], max_failures: int | None, max_failure_percent: float | None,
                     table: str, *, marked_canaries: bool = True) -> str:
    """The first state's Output: a fresh rollout (S3 event or rollback request), or a carried one
    (``continue`` from the predecessor execution, ``resume`` of a stopped rollout: next wave; a
    rollout stopped in its canary pass goes on with the canaries left, or with the counted waves if
    the canary pass was over)."""
    first_pass = "'canary'" if marked_canaries else "'all'"
    fresh = (
        "function($url, $of) {{'id': $substring($states.context.Execution.Name, 0, 60), 'templateUrl': $url, "
        "'rollbackOf': $of, 'waves': $of ? [] : " + _js(list(waves)) + ", 'wave': 0, 'inWave': 0, "
        "'waveFailed': 0, 'maxFailures': $of ? null : " + _js(max_failures) + ", 'maxFailurePercent': $of ? null : "
        + _js(max_failure_percent) + ", 'cursor': null, 'updated': 0, 'unchanged': 0, 'deleted': 0, 'failedCount': 0, "
        "'failed': [], 'pages': 0, 'part': 1, 'failures': 'tenants table " + table + ": items whose "
        + ROLLOUT_ATTRIBUTE + ".rolloutId is ' & $substring($states.context.Execution.Name, 0, 60) & ' and "
        + ROLLOUT_ATTRIBUTE + ".outcome is failed', 'stopped': null, 'pass': $of ? 'all' : " + first_pass
        + ", 'canaries': 0}}"
    )
    event_url = ("'https://' & $in.detail.bucket.name & '.s3.amazonaws.com/' & $in.detail.object.key"
                 " & ($in.detail.object.`version-id` ? '?versionId=' & $in.detail.object.`version-id` : '')")
    return ("{% ($in := $states.input; $fresh := " + fresh + "; {'rollout': "
            "$in.continue ? $merge([$in.continue, {'pages': 0, 'part': $in.continue.part + 1}]) "
            ": $in.resume ? $merge([$in.resume, {'pages': 0, 'part': $in.resume.part + 1, "
            "'inWave': 0, 'waveFailed': 0, 'stopped': null}, $in.resume.pass = 'canary' ? "
            "$merge([{'wave': 0, 'canaries': $in.resume.canaries + $in.resume.inWave}, "
            "$in.resume.cursor ? {} : {'pass': 'rest'}]) "
            ": {'wave': $in.resume.wave + 1}]) "
            ": $in.rollback ? $fresh($in.rollback.templateUrl, $in.rollback.rolloutId) "
            ": $fresh(" + event_url + ", null)}) %}")


def scan_arguments(page_size: int, table: str, *, from_cursor: bool) -> dict:
    """A scan's Arguments: at most the rest of the current wave (the canary pass: a page, its wave has
    no size); the canary pass reads only marked items, the rest pass the others; a rollback scans only
    the tenants the undone rollout touched. DynamoDB refuses unused expression names and values, so
    both follow the filter. An object of JSONata fields, not one JSONata string: cfn-lint's schema
    types ``Arguments`` as an object, so the page after the first is a state of its own (``from_cursor``)."""
    r = "$states.input.rollout"
    marked = "#canary = :canary"
    unmarked = "(attribute_not_exists(#canary) OR #canary <> :canary)"
    split = f"({r}.pass = 'canary' or {r}.pass = 'rest')"
    arguments = {
        "TableName": table,
        "Limit": (f"{{% ($r := {r}; $min([{page_size}, $not($r.pass = 'canary') and $r.wave < $count($r.waves) ? "
                  f"$r.waves[$r.wave] - $r.inWave : {page_size}])) %}}"),
        "ProjectionExpression": "pk, #status",
        "ExpressionAttributeNames": (f"{{% $merge([{{'#status': 'status'}}, {split} ? "
                                     f"{{'#canary': '{CANARY_ATTRIBUTE}'}} : {{}}]) %}}"),
        "FilterExpression": (f"{{% '#status <> :deleted' & ({r}.rollbackOf ? "
                             f"' AND {ROLLOUT_ATTRIBUTE}.rolloutId = :of' : '') & ({r}.pass = 'canary' ? ' AND {marked}' : {r}.pass = 'rest' ? "
                             f"' AND {unmarked}' : '') %}}"),
        "ExpressionAttributeValues": (f"{{% $merge([{{':deleted': {{'S': 'DELETED'}}}}, "
                                      f"{r}.rollbackOf ? {{':of': {{'S': {r}.rollbackOf}}}} : {{}}, "
                                      f"{split} ? {{':canary': {{'BOOL': true}}}} : {{}}]) %}}"),
    }
    if from_cursor:
        arguments["ExclusiveStartKey"] = f"{{% {r}.cursor %}}"
    return arguments


SCAN_OUTPUT = ("{% {'rollout': $states.input.rollout, 'page': {'Items': $exists($states.result.Items) "
               "? $append([], $states.result.Items) : [], 'LastEvaluatedKey': $exists($states.result.LastEvaluatedKey) "
               "? $states.result.LastEvaluatedKey : null}} %}")

# Counts and sample after one page. A result without an outcome is a child that failed: counted,
# sampled and listed in ``crashed`` for the parent to record on the tenant's item.
TALLY = (
    "{% ($r := $states.input.rollout; $items := $states.input.page.Items; "
    "$results := $map($states.input.results, function($x, $i) {$x.outcome ? $x : {'tenantId': $items[$i].pk.S, "
    f"'outcome': 'failed', 'status': '{CRASHED}', 'reason': $x.Cause ? $substring($string($x.Cause), 0, "
    f"{REASON_SAMPLE}) : 'the tenant update ended without a result', 'crashed': true}}}}); "
    "$failed := $results[outcome = 'failed']; "
    "$sample := $filter($append($r.failed, $failed.{'tenantId': tenantId, 'status': status, "
    f"'reason': $substring($string(reason), 0, {REASON_SAMPLE})}}), function($v, $i) {{$i < {SAMPLE}}}); "
    "$crashed := $results[crashed = true]; "
    "{'rollout': $merge([$r, {'updated': $r.updated + $count($results[outcome = 'updated']), "
    "'unchanged': $r.unchanged + $count($results[outcome = 'unchanged']), "
    "'deleted': ($r.deleted ? $r.deleted : 0) + $count($results[outcome = 'deleted']), "
    "'failedCount': $r.failedCount + $count($failed), 'failed': $append([], $sample), "
    "'inWave': $r.inWave + $count($results), 'waveFailed': $r.waveFailed + $count($failed), "
    "'cursor': $states.input.page.LastEvaluatedKey, 'pages': $r.pages + 1}]), "
    "'crashed': $append([], $crashed.{'tenantId': tenantId, 'outcome': outcome, 'status': status, "
    "'reason': reason, 'rolloutId': $r.id, 'templateUrl': $r.templateUrl})}) %}"
)

_R = "$states.input.rollout"
HAS_CRASHED = "{% $count($states.input.crashed) > 0 %}"
# A page the filter emptied (most pages of the canary pass): no Map run, the tally counts nothing.
EMPTY_PAGE = "{% $count($states.input.page.Items) = 0 %}"
NO_RESULTS = "{% $merge([$states.input, {'results': []}]) %}"
MORE = f"{{% $exists({_R}.cursor) and {_R}.cursor != null %}}"
_EXCEEDED = ("(($r.maxFailures != null and $r.waveFailed > $r.maxFailures) or "
             "($r.maxFailurePercent != null and $r.waveFailed * 100 > $r.maxFailurePercent * $r.inWave))")
# Checked after every page: a wave's failures only grow, so one past the threshold stops it at once
# (unless nothing is left: the end of the canary pass still leaves the rest pass).
STOP = f"{{% ($r := {_R}; {_EXCEEDED} and ($r.cursor != null or $r.pass = 'canary')) %}}"
# Checked once the pass's cursor is spent: the rest pass starts from the table's start.
CANARY_PASS_ENDED = f"{{% {_R}.pass = 'canary' %}}"
END_CANARY_PASS = (f"{{% {{'rollout': $merge([{_R}, {{'pass': 'rest', 'canaries': {_R}.canaries + {_R}.inWave, "
                   "'cursor': null, 'wave': 0, 'inWave': 0, 'waveFailed': 0}])} %}")
FAILED_ANY = f"{{% {_R}.failedCount > 0 %}}"
WAVE_ENDED = (f"{{% ($r := {_R}; $not($r.pass = 'canary') and $r.wave < $count($r.waves) "
              "and $r.inWave >= $r.waves[$r.wave]) %}")
NEXT_WAVE = f"{{% {{'rollout': $merge([{_R}, {{'wave': {_R}.wave + 1, 'inWave': 0, 'waveFailed': 0}}])}} %}}"


def pages_reached(pages_per_execution: int) -> str:
    return f"{{% {_R}.pages >= {pages_per_execution} %}}"


STOPPED = (
    f"$merge([{_R}, {{'stopped': ({_R}.pass = 'canary' ? 'canary wave' : 'wave ' & {_R}.wave) & ': ' "
    f"& {_R}.waveFailed & ' of ' & {_R}.inWave "
    f"& ' tenants failed, over the threshold (' & ({_R}.maxFailures != null ? 'more than ' & {_R}.maxFailures "
    f"& ' failures' : '') & ({_R}.maxFailures != null and {_R}.maxFailurePercent != null ? ' or ' : '') & "
    f"({_R}.maxFailurePercent != null ? 'more than ' & {_R}.maxFailurePercent & '%' : '') & '); the tenants "
    "after it are untouched: start the machine with {\"resume\": <this record>} to go on with the next wave "
    "(the canaries left, if any), "
    "or with {\"rollback\": {\"rolloutId\": <id>, \"templateUrl\": <the previous version>}}'}])"
)
SUMMARY = f"{{% {_R} %}}"
SUMMARY_TEXT = f"{{% $string({_R}) %}}"

SUCCESSOR_ARGUMENTS = {
    "StateMachineArn": "{% $states.context.StateMachine.Id %}",
    "Name": f"{{% {_R}.id & '-' & ({_R}.part + 1) %}}",
    "Input": f"{{% {{'continue': {_R}}} %}}",
}
CONTINUED = f"{{% $merge([{_R}, {{'continuedAs': $states.result.ExecutionArn}}]) %}}"


def child_start() -> dict:
    """The child's first Output: the fields update_one reads, derived from the raw row (a row
    missing ``status`` is a tenant of unknown status, not a crash; the stack name comes from the
    tenant id, never from the row)."""
    row = "$states.input.row"
    return {
        "tenantId": f"{{% {row}.pk.S %}}",
        "stackName": f"{{% '{STACK_PREFIX}' & {row}.pk.S %}}",
        "tenantStatus": f"{{% $exists({row}.status.S) ? {row}.status.S : 'UNKNOWN' %}}",
        "templateUrl": "{% $states.input.templateUrl %}",
    }


def outcome_values(rollout_id: str, template_url: str) -> dict:
    """The ``lastRollout`` map written on the tenant's item."""
    out = "$states.input"
    return {":r": {"M": {
        "rolloutId": {"S": f"{{% {rollout_id} %}}"},
        "outcome": {"S": f"{{% {out}.outcome %}}"},
        "status": {"S": f"{{% $exists({out}.status) ? $string({out}.status) : '' %}}"},
        "reason": {"S": f"{{% $exists({out}.reason) ? $substring($string({out}.reason), 0, {REASON_STORED}) : '' %}}"},
        "templateUrl": {"S": f"{{% {template_url} %}}"},
    }}}


# What the child returns to the Map: the outcome with its reason cut for the page's results.
OUTCOME_OUTPUT = ("{% $merge([$states.input, $exists($states.input.reason) ? {'reason': "
                  f"$substring($string($states.input.reason), 0, {REASON_SAMPLE})}} : {{}}]) %}}")
