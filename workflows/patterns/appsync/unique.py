"""Unique fields for tenant items: a constraint record per value, written in the same transaction.

Why a record per value: DynamoDB has no unique index. One TransactWriteItems puts, per unique
field, a record keyed by the value with ``attribute_not_exists(pk) OR ownerId = :id``, plus the
item itself; a value held by another item cancels the whole transaction, which the machine turns
into ``UniqueConstraintViolation`` naming the field(s). The item's own Put is create-only
(``attribute_not_exists(pk)``, ``Resolver.AlreadyExists``) unless the builder is asked for an
``upsert``: a create that silently replaced an item would drop its other values and release its
unique values to anyone. The constraint key starts with the tenant id
(``<tenant>#UNIQUE#<Entity>.<field>#<value>``), so uniqueness is per tenant -- a tenant's role
cannot even read another tenant's constraint records, which is the point.

A changed or removed value leaves its old record behind (the transaction cannot know the old
value). ``unique_cleanup`` consumes the table's stream records -- one record, or the array an
EventBridge Pipe sends to a Step Functions target, handled one at a time in stream order (MODIFY
with a changed value, or REMOVE) -- and deletes the old record under the tenant's role.

Why a per-write token: "still owned by the same item" is not enough. A user who drops a value and
registers it again before the cleanup runs owns the NEW record too, and an owner-only condition
would let the late cleanup delete it (the value then looks free to everyone). So each put draws
one token (``States.UUID()`` / ``$uuid()``) and writes it, in the same transaction, into the item
and each of its constraint records (attribute ``uniqueToken``); the cleanup deletes a record only
while its token equals the one in the stream record's OldImage, i.e. only the record written for
that old item version. Items written before tokens existed are released only while their record
has no token either. The token is bookkeeping: outputs leave it out (``TenantTable.hidden_attrs``).

Why each record on its own: one bad record (a tenant no longer in the registry, a role that lost
access) must not leave the rest of a batch unreleased. Each record runs inside a Catch; the batch
ends with a summary and fails with ``UniqueCleanup.RecordsFailed`` naming the failed records.

Why retries and a dead-letter queue in the machine: its pipe starts it fire-and-forget, so a failed
execution is retried by no one and reaches no pipe dead-letter queue -- a throttled delete would keep
the old value locked for good (nobody can register it again). So the registry read and each delete
retry throttling and the service's transient errors (``TRANSIENT_ERRORS``: 1 s, x2, at most 8 s
apart, 3 retries, full jitter); a record that still fails, for any reason, is sent to an SQS queue
(``${CleanupDeadLetterQueue}``, its URL) with its tenant, its key, the error and cause and the
stream record reduced to what the cleanup reads -- which is a valid input of this machine, so an
operator redrives by starting the machine with the message's ``record``. Time budget: at most
2 x 7 s of retry waits per record per unique field, so a 10-record batch stays well inside an
EXPRESS execution's 5 minutes.

Where the role comes from: the record's ``pk`` starts with the tenant id (written by the
tenant-scoped machines from resolverContext); the machine reads that tenant's ``tenantRoleArn``
from the tenants table (``${TenantsTable}``, key ``pk`` = tenant id, as tenant_stacks writes it and
the authorizer reads it; ``tenants_key`` renames it) with its OWN execution role, puts it
where resolverContext would be, and runs the delete with it. It never builds a role ARN. That
registry read runs under the execution role and the delete under a role that comes from the table, not
from resolverContext, so this machine is not marked tenant_scoped; the tests pin that these two, and
the dead letter to the operators' queue (execution role), are the only tasks the isolation lint would name.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Sequence

from workflows.core import (EXPRESS, JSONATA, BuildError, Catch, Choice, Credentials, Fail, Map, Parallel, Pass,
                            Retry, StateMachine, Succeed, Task, Var)
from workflows.core.tasks import check_arguments, operation
from workflows.patterns.appsync.contract import Contract, entity_input, entity_output
from workflows.patterns.appsync.resolver import denial_catch, guard, rejecting_catch, resolver_machine
from workflows.patterns.appsync.arguments import INVALID_ARGUMENT, either, invalid_jsonata, path_rules, refuse
from workflows.patterns.appsync.layout import (ROLE_ARN_KEY, TENANT_ID_KEY, TENANT_PATH, UNIQUE_TOKEN_ATTR,
                                               TenantTable)
from workflows.patterns.appsync.marshal import echo_paths, marshal_jsonata, marshal_paths
from workflows.patterns.appsync.normalize import Normalize, normalized, normalized_jsonata, refusal_jsonata

__all__ = ["put_unique", "unique_cleanup", "cleanup_filter", "UNIQUE_VIOLATION", "ALREADY_EXISTS", "CLEANUP_FAILED",
           "MALFORMED_RECORD", "CONSTRAINT_SK", "UNIQUE_TOKEN_ATTR", "constraint_key", "TRANSIENT_ERRORS",
           "TRANSIENT_RETRY", "DEAD_LETTERS", "DEAD_LETTERS_DEFAULT"]

UNIQUE_VIOLATION = "UniqueConstraintViolation"
#: The error a create-only ``put_unique`` fails with when an item with the same key exists (cause:
#: ``<Entity> <id> already exists``). One name for every entity, like ``Resolver.InvalidArgument``.
ALREADY_EXISTS = "Resolver.AlreadyExists"
_CREATE_ONLY = "attribute_not_exists(#pk)"
CONSTRAINT_SK = "UNIQUE"
_CANCELLED = "DynamoDb.TransactionCanceledException"
#: The error a cleanup execution fails with when any record of its batch failed (its cause is the summary).
CLEANUP_FAILED = "UniqueCleanup.RecordsFailed"
#: A cleanup record's error when it lacks what every stream record has (eventName, string pk and sk).
MALFORMED_RECORD = "UniqueCleanup.MalformedRecord"
#: DynamoDB errors (as the optimized integration names them) worth another attempt: throttling and the
#: service's own failures. AccessDenied, a failed condition, an unknown tenant are not: they go to the queue.
TRANSIENT_ERRORS = ("DynamoDB.ProvisionedThroughputExceededException", "DynamoDB.ThrottlingException",
                    "DynamoDB.RequestLimitExceeded", "DynamoDB.InternalServerErrorException",
                    "DynamoDB.AmazonDynamoDBException")
#: 1 s, 2 s, 4 s (each at most 8 s), with full jitter so that throttled executions do not retry in step.
TRANSIENT_RETRY = Retry(TRANSIENT_ERRORS, interval_seconds=1, max_attempts=3, backoff_rate=2.0,
                        max_delay_seconds=8, jitter_strategy="FULL")
#: The placeholder the cleanup's dead letters go to (an SQS queue URL) and its local default.
DEAD_LETTERS = "${CleanupDeadLetterQueue}"
DEAD_LETTERS_DEFAULT = "https://sqs.us-east-1.amazonaws.com/123456789012/unique-cleanup-dead-letters"
_TOKEN_AT = "$.uniqueToken"  # JSONPath put: where the NewUniqueToken Pass leaves the write's token
_TOKEN_PATH = f"{_TOKEN_AT}.value"


def constraint_key(layout: TenantTable, tenant_id: str, field: str, value: str) -> dict[str, dict[str, str]]:
    """The constraint record's key as DynamoDB JSON (for tests and operators); ``value`` as the client sent it."""
    compared = normalized(layout.normalization(field), value)
    return {layout.pk_attr: {"S": f"{tenant_id}#UNIQUE#{layout.name}.{field}#{compared}"},
            layout.sk_attr: {"S": CONSTRAINT_SK}}


def _refusals(layout: TenantTable, fields: list[str], src: str) -> list[str]:
    """Bare JSONata reasons a unique value cannot be compared in its field's normalization (``normalize``)."""
    reasons = (refusal_jsonata(layout.normalization(f), f"{src}.`{f}`", f"input.{f}") for f in fields)
    return [r for r in reasons if r is not None]


def _check_fields(layout: TenantTable, unique: Sequence[str] | None) -> list[str]:
    """``unique`` (default: the layout's) must name required str fields and keep every one the layout declares."""
    if unique is None:
        unique = layout.unique
    if isinstance(unique, str) or not unique:
        raise BuildError("unique needs a non-empty sequence of field names", rule="appsync-unique")
    # the layout's own check, on the fields given here
    checked = dataclasses.replace(layout, unique=tuple(unique),
                                  normalize={k: v for k, v in layout.normalize.items() if k in unique})
    dropped = [f for f in layout.unique if f not in checked.unique]
    if dropped:
        raise BuildError(f"{layout.name} declares {dropped} unique; they cannot be left out here",
                         rule="appsync-unique")
    return list(checked.unique)


def _violation(layout: TenantTable, unique: list[str]) -> Fail:
    """Reads the cancellation reasons (one per TransactItems element: constraint records, then the item).

    Its input is the put's input with the error at ``failure`` (the id is named in the cause). The
    item's own condition (create-only) failing wins: the request is wrong whatever its values are.
    """
    fields = "[" + ", ".join(f'"{f}"' for f in unique) + "]"
    cause = "$states.input.failure.Cause"
    reasons = f'$split($match({cause}, /\\[([^\\]]*)\\]/).groups[0], ", ")'
    failed = '"ConditionalCheckFailed"'
    taken = f'($f := {fields}; $filter($f, function($v, $i){{ $r[$i] = {failed} }}))'
    exists = f"$r[{len(unique)}] = {failed}"
    key = f"$string($states.input.arguments.input.`{layout.key_field}`)"
    return Fail(
        UNIQUE_VIOLATION, query_language=JSONATA,
        error=(f'{{% ($r := {reasons}; {exists} ? "{ALREADY_EXISTS}" : $count({taken}) > 0 ? "{UNIQUE_VIOLATION}"'
               ' : "Resolver.TransactionCanceled") %}'),
        cause=(f'{{% ($r := {reasons}; $t := {taken}; {exists} ? "{layout.name} " & {key} & " already exists"'
               f' : $count($t) > 0 ? $join($t, ", ") & " already used by another {layout.name}"'
               f' : $string({cause})) %}}'),
    )


def put_unique(layout: TenantTable, name: str, unique: Sequence[str] | None = None, *,
               upsert: bool = False) -> StateMachine:
    """``register<Entity>(input)``: create an item whose unique fields' values no other item of the tenant holds.

    Create-only by default: an item with the same key fails the whole transaction with
    ``Resolver.AlreadyExists`` (``ALREADY_EXISTS``), so a create can never replace another item
    (its flags, its counters) nor release its unique values. ``upsert=True`` is the explicit
    ``put<Entity>``: the item is written whether or not it exists (its old values are released by
    ``unique_cleanup``).
    """
    fields = _check_fields(layout, unique)
    shape = layout.shape
    contract = Contract((("input", entity_input(layout.entity, layout.key_field)),),
                        entity_output(layout.entity, layout.key_field))
    condition = f"attribute_not_exists(#pk) OR ownerId = :id"
    names = {"#pk": layout.pk_attr}
    violation = _violation(layout, fields)
    # create-only: the item's own Put is the last TransactItems element (its reason is read by _violation)
    create_j = "" if upsert else (f', "ConditionExpression": "{_CREATE_ONLY}", '
                                  f'"ExpressionAttributeNames": {{"#pk": "{layout.pk_attr}"}}')
    create_p: dict[str, Any] = {} if upsert else {"ConditionExpression": _CREATE_ONLY, "ExpressionAttributeNames": names}
    if layout.jsonata:
        src = "$states.input.arguments.input"
        tenant = layout.tenant_expr()
        # the arguments' types first, then whether each unique value can be compared (normalize)
        reason = either(invalid_jsonata(shape, src, "input"), *_refusals(layout, fields, src))
        items = []
        for f in fields:
            compared = normalized_jsonata(layout.normalization(f), f"{src}.`{f}`")
            items.append(
                '{"Put": {"TableName": "' + layout.table + '", "Item": {'
                f'"{layout.pk_attr}": {{"S": $t & "#UNIQUE#{layout.name}.{f}#" & {compared}}}, '
                f'"{layout.sk_attr}": {{"S": "{CONSTRAINT_SK}"}}, "ownerId": {{"S": {src}.`{layout.key_field}`}}, '
                f'"field": {{"S": "{f}"}}, "{UNIQUE_TOKEN_ATTR}": {{"S": $token}}}}, '
                f'"ConditionExpression": "{condition}", '
                f'"ExpressionAttributeNames": {{"#pk": "{layout.pk_attr}"}}, '
                f'"ExpressionAttributeValues": {{":id": {{"S": {src}.`{layout.key_field}`}}}}}}}}')
        main = ('{"Put": {"TableName": "' + layout.table + '", "Item": $merge([' + marshal_jsonata(shape, src)
                + f', {{"{layout.pk_attr}": {{"S": $t & "{layout.partition_suffix}"}}, '
                f'"{layout.sk_attr}": {{"S": {layout.sk_expr(f"{src}.`{layout.key_field}`")}}}, '
                f'"{UNIQUE_TOKEN_ATTR}": {{"S": $token}}{layout.index_keys_jsonata("$t", src)}}}]){create_j}}}}}')
        # one token per write, in the item and in each of its constraint records (see unique_cleanup)
        args = ("{% ($t := " + tenant + "; " + refuse(reason) + '; $token := $uuid(); {"TransactItems": ['
                + ", ".join(items + [main]) + "]}) %}")
        names_list = "[" + ", ".join(f'"{f.name}"' for f in shape.fields) + "]"
        task = Task.sdk("dynamodb", "transactWriteItems", f"Put{layout.name}Unique", arguments=args,
                        credentials=layout.credentials(),
                        output="{% $sift(" + src + ", function($v, $k){ $k in " + names_list + " }) %}",
                        catch=[rejecting_catch(layout, reason),
                               Catch([_CANCELLED], violation, output=(
                                   '{% $merge([$states.input, {"failure": $states.errorOutput}]) %}')),
                               denial_catch(layout, sdk=True)])
        return resolver_machine(layout, name, task, f"Put one {layout.name} with unique {', '.join(fields)}", contract)
    src = "$.arguments.input"
    tenant = TENANT_PATH
    # JSONPath has no lowercase: a JSONata Pass puts each normalized value at $.uniqueKeys (see _token_pass)
    compared_at = {f: f"{src}.{f}" if layout.normalization(f) is Normalize.EXACT else f"$.uniqueKeys.{f}"
                   for f in fields}
    puts: list[dict[str, Any]] = []
    for f in fields:
        puts.append({"Put": {
            "TableName": layout.table,
            "Item": {layout.pk_attr: {"S.$": f"States.Format('{{}}#UNIQUE#{layout.name}.{f}#{{}}', {tenant}, "
                                             f"{compared_at[f]})"},
                     layout.sk_attr: {"S": CONSTRAINT_SK},
                     "ownerId": {"S.$": f"{src}.{layout.key_field}"}, "field": {"S": f},
                     UNIQUE_TOKEN_ATTR: {"S.$": _TOKEN_PATH}},
            "ConditionExpression": condition, "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": {":id": {"S.$": f"{src}.{layout.key_field}"}}}})
    puts.append({"Put": {"TableName": layout.table,
                         "Item": {**layout.key_path(f"{src}.{layout.key_field}"), **marshal_paths(shape, src),
                                  **layout.index_keys_path(src), UNIQUE_TOKEN_ATTR: {"S.$": _TOKEN_PATH}},
                         **create_p}})
    task = Task.sdk("dynamodb", "transactWriteItems", f"Put{layout.name}Unique",
                    parameters={"TransactItems": puts}, credentials=layout.credentials(),
                    result_selector=echo_paths(shape, "$$.Execution.Input.arguments.input"),
                    catch=[Catch([_CANCELLED], violation, result_path="$.failure"), denial_catch(layout, sdk=True)])
    checked = guard(layout, _token_pass(layout, fields, task), path_rules(shape, src, "input"))
    return resolver_machine(layout, name, checked, f"Put one {layout.name} with unique {', '.join(fields)}", contract)


def _token_pass(layout: TenantTable, fields: list[str], task: Task) -> Any:
    """JSONPath: the write's token at ``$.uniqueToken.value``, then the task.

    With a normalized unique field the Pass is a JSONata state (JSONPath has no lowercase) that also
    puts each compared form at ``$.uniqueKeys.<field>``, and a Choice refuses a value that cannot be
    compared (``Resolver.InvalidArgument``; a Pass cannot fail with a name of its own).
    """
    normalized_fields = [f for f in fields if layout.normalization(f) is not Normalize.EXACT]
    if not normalized_fields:
        return Pass("NewUniqueToken", parameters={"value.$": "States.UUID()"}, result_path=_TOKEN_AT) >> task
    src = "$states.input.arguments.input"
    keys = ", ".join(f'"{f}": {normalized_jsonata(layout.normalization(f), f"{src}.`{f}`")}'
                     for f in normalized_fields)
    refused = either(*_refusals(layout, fields, src))
    # one literal-keyed object merged onto the input: the isolation analysis proves the role unchanged
    token = Pass("NewUniqueToken", query_language=JSONATA, output=(
        '{% $merge([$states.input, {"refused": ' + refused + ', "uniqueToken": {"value": $uuid()}, '
        '"uniqueKeys": {' + keys + '}}]) %}'))
    comparable = (Choice("UniqueValuesComparable")
                  .when(Var("$.refused").is_present(), Fail(
                      "UniqueValueRefused", query_language=JSONATA, error=INVALID_ARGUMENT,
                      cause="{% $states.input.refused %}"))
                  .otherwise(task))
    return token >> comparable


def _release(layout: TenantTable, field: str, label: str, nxt: Any, retry: Retry | None) -> Task:
    """JSONata DeleteItem of the old constraint record, only if it is still the old item version's.

    Why a JSONata state in this JSONPath machine: the condition depends on whether the old image has
    a token (items written before tokens existed do not), and only JSONata can choose a condition and
    leave ``:token`` out in one state. With a token: ``ownerId = :id AND token = :token`` -- a later
    re-put of the same value by the same owner wrote a new token, so its record survives. Without one:
    ``ownerId = :id AND attribute_not_exists(token)`` -- a record rewritten since (with a token) survives.
    """
    old = "$states.input.dynamodb.OldImage"
    has_token = f"$exists({old}.{UNIQUE_TOKEN_ATTR}.S)"
    owner = f"{old}.`{layout.key_field}`.S"
    return Task.dynamodb(
        "deleteItem", f"Release{label}", query_language=JSONATA,
        arguments={
            "TableName": layout.table,
            # the compared form, as the put wrote it (an old value the put would now refuse is lowercased only:
            # no record holds it, so the conditional delete finds nothing)
            "Key": {layout.pk_attr: {"S": "{% $states.input.identity.resolverContext." + TENANT_ID_KEY + " & "
                                          f'"#UNIQUE#{layout.name}.{field}#" & '
                                          f'{normalized_jsonata(layout.normalization(field), f"{old}.`{field}`.S")} %}}'},
                    layout.sk_attr: {"S": CONSTRAINT_SK}},
            "ConditionExpression": (f'{{% {has_token} ? "ownerId = :id AND #token = :token"'
                                    ' : "ownerId = :id AND attribute_not_exists(#token)" %}'),
            "ExpressionAttributeNames": {"#token": UNIQUE_TOKEN_ATTR},
            "ExpressionAttributeValues": (f'{{% $merge([{{":id": {{"S": {owner}}}}}, {has_token} ? '
                                          f'{{":token": {{"S": {old}.{UNIQUE_TOKEN_ATTR}.S}}}} : {{}}]) %}}')},
        credentials=Credentials(role_arn="{% $states.input.identity.resolverContext." + ROLE_ARN_KEY + " %}"),
        output='{% $merge([$states.input, {"released": $append($states.input.released, ["' + field + '"])}]) %}',
        retry=[retry] if retry is not None else (),
        # another item, or a later write of the same item, holds the value now: not ours to delete
        catch=[Catch(["DynamoDB.ConditionalCheckFailedException"], nxt, output="{% $states.input %}")])


def _dead_letter(layout: TenantTable, fields: list[str], queue: str, name: str) -> Task:
    """The failed record to the operators' queue: tenant, key, error, cause and a record to redrive with.

    Its input is the stream record with the error at ``failure`` (the record as the Map gave it: the
    tenant's role, looked up inside the branch, is not in it). Its own failure (the queue is missing,
    SQS throttles past the retries) is reported in the outcome, never hidden.
    """
    r = "$states.input"
    keep = "[" + ", ".join(f'"{a}"' for a in dict.fromkeys([*fields, layout.key_field, UNIQUE_TOKEN_ATTR])) + "]"
    new_keep = "[" + ", ".join(f'"{f}"' for f in fields) + "]"
    pk = f"{r}.dynamodb.Keys.{layout.pk_attr}.S"
    body = (
        '{% {"source": "' + name + '", '
        f'"tenantId": $type({pk}) = "string" ? $substringBefore({pk}, "#") : null, '
        f'"keys": $exists({r}.dynamodb.Keys) ? {r}.dynamodb.Keys : null, '
        f'"eventId": $exists({r}.eventID) ? {r}.eventID : null, '
        f'"eventName": $exists({r}.eventName) ? {r}.eventName : null, '
        f'"error": {r}.failure.Error, "cause": {r}.failure.Cause, '
        f'"record": {{"eventID": {r}.eventID, "eventName": {r}.eventName, "dynamodb": {{'
        f'"Keys": {r}.dynamodb.Keys, '
        f'"OldImage": $sift({r}.dynamodb.OldImage, function($v, $k){{ $k in {keep} }}), '
        f'"NewImage": $sift({r}.dynamodb.NewImage, function($v, $k){{ $k in {new_keep} }})}}}}}} %}}')
    outcome = ('{"eventId": $states.input.eventID, "outcome": "failed", "error": $states.input.failure.Error, '
               '"cause": $states.input.failure.Cause')
    arguments = {"QueueUrl": queue, "MessageBody": body}
    check_arguments(operation("sqs", "sendMessage", "DeadLetter"), arguments, "DeadLetter")
    not_sent = Pass("DeadLetterFailed", query_language=JSONATA, output=(
        "{% " + outcome + ', "deadLettered": false, "deadLetterError": $states.input.deadLetter.Error} %}'))
    return Task("DeadLetter", resource="arn:aws:states:::sqs:sendMessage", query_language=JSONATA,
                arguments=arguments, output="{% " + outcome + ', "deadLettered": true} %}',
                retry=[Retry(["States.ALL"], interval_seconds=1, max_attempts=3, backoff_rate=2.0,
                             max_delay_seconds=8, jitter_strategy="FULL")],
                catch=[Catch(["States.ALL"], not_sent,
                             output='{% $merge([$states.input, {"deadLetter": $states.errorOutput}]) %}')])


def _record_cleanup(layout: TenantTable, fields: list[str], tenants_table: str, tenants_key: str,
                    failed: Any, retry: Retry | None) -> Parallel:
    """One stream record's cleanup, wrapped so that any error of it goes to ``failed`` (the dead letter).

    Why a one-branch Parallel: its Catch sees every error of the record (an unknown tenant's Fail,
    AccessDenied, a malformed record's runtime error, retries exhausted) and turns it into a result, so
    the Map goes on with the next record instead of failing the batch.
    """
    tenant_of_pk = f"States.ArrayGetItem(States.StringSplit($.dynamodb.Keys.{layout.pk_attr}.S, '#'), 0)"
    nxt: Any = Succeed("RecordDone")
    for f in reversed(fields):
        old, new = Var(f"$.dynamodb.OldImage.{f}.S"), Var(f"$.dynamodb.NewImage.{f}.S")
        label = f[0].upper() + f[1:]
        delete = _release(layout, f, label, nxt, retry)
        nxt = (Choice(f"{label}Released")
               .when(~old.is_present(), nxt)
               .when(Var("$.eventName") == "REMOVE", delete >> nxt)
               .when(~new.is_present(), delete >> nxt)
               .when(new.string_equals_path(old.path), nxt)
               .otherwise(delete >> nxt))
    context = Pass("TenantContext", parameters={f"{TENANT_ID_KEY}.$": tenant_of_pk,
                                                f"{ROLE_ARN_KEY}.$": "$.tenant.Item.tenantRoleArn.S"},
                   result_path="$.identity.resolverContext")
    lookup = Task.dynamodb("getItem", "LookupTenantRole", parameters={
        "TableName": tenants_table, "Key": {tenants_key: {"S.$": tenant_of_pk}},
        "ProjectionExpression": "tenantRoleArn"}, result_path="$.tenant", retry=[retry] if retry is not None else ())
    known = (Choice("TenantKnown")
             .when(Var("$.tenant.Item.tenantRoleArn.S").is_present(), context >> nxt)
             .otherwise(Fail("UnknownTenant", error="Tenant.NotFound",
                             cause="the tenants table has no tenantRoleArn for the record's tenant")))
    sk = Var(f"$.dynamodb.Keys.{layout.sk_attr}.S")
    relevant = (Choice("IsEntityChange")
                # tested first: a rule reading an absent path is a runtime error on AWS, not a non-match
                .when(~Var("$.eventName").is_present() | ~sk.is_present()
                      | ~Var(f"$.dynamodb.Keys.{layout.pk_attr}.S").is_present(), Fail(
                    "MalformedRecord", error=MALFORMED_RECORD, cause=(
                        f"a stream record needs eventName, dynamodb.Keys.{layout.pk_attr}.S and "
                        f"dynamodb.Keys.{layout.sk_attr}.S")))
                .when(sk.matches(f"{layout.prefix}*") & ((Var("$.eventName") == "MODIFY") |
                                                         (Var("$.eventName") == "REMOVE")), lookup >> known)
                .otherwise(Succeed("NothingToRelease")))
    return Parallel("CleanRecord", branches=[relevant], result_path="$.result",
                    catch=[Catch(["States.ALL"], failed, result_path="$.failure")])


def unique_cleanup(layout: TenantTable, name: str, unique: Sequence[str] | None = None, *,
                   tenants_table: str = "${TenantsTable}", tenants_default: str = "tenants",
                   tenants_key: str = "pk", dead_letters: str | None = DEAD_LETTERS,
                   dead_letters_default: str = DEAD_LETTERS_DEFAULT,
                   retry: Retry | None = TRANSIENT_RETRY) -> StateMachine:
    """Stream record(s) in (MODIFY/REMOVE of an entity item) -> old constraint records deleted, tenant's role.

    Input: one DynamoDB stream record, or an array of them (a Pipe's batch). Every record is
    attempted, in order, each on its own: the output is ``{cleaned, skipped, failed: [{eventId,
    error, cause}]}`` (counts of records; ``cleaned`` = at least one constraint record deleted). If
    any record failed (e.g. ``Tenant.NotFound``), the execution fails with ``CLEANUP_FAILED`` and
    that summary (JSON text) as its cause, after the whole batch was worked through -- so the failure reaches
    the logs and the ExecutionsFailed alarm, while the other records are still cleaned.

    ``retry`` (default ``TRANSIENT_RETRY``) is put on the registry read and on each delete. Each failed
    record is also sent to the SQS queue at ``dead_letters`` (a ``${Placeholder}`` with the local default
    ``dead_letters_default``, or a literal URL) as ``{source, tenantId, keys, eventId, eventName, error,
    cause, record}``; its ``failed`` entry says ``deadLettered`` (and ``deadLetterError`` when even that
    failed). ``dead_letters=None`` leaves failures to the execution's cause and logs only.
    """
    fields = _check_fields(layout, unique)
    outcome = Pass("RecordOutcome", query_language=JSONATA, output=(
        '{% {"eventId": $states.input.eventID, "outcome": $count($states.input.result[0].released) > 0'
        ' ? "cleaned" : "skipped"} %}'))
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tenants_key):
        raise BuildError(f"tenants_key {tenants_key!r} must be an identifier", rule="appsync-unique")
    table_defaults = dict(layout.placeholders)
    if tenants_table.startswith("${"):
        table_defaults[tenants_table[2:-1]] = tenants_default
    if dead_letters is None:
        failed: Any = Pass("RecordFailed", query_language=JSONATA, output=(
            '{% {"eventId": $states.input.eventID, "outcome": "failed", "error": $states.input.failure.Error, '
            '"cause": $states.input.failure.Cause, "deadLettered": false} %}'))
    else:
        failed = _dead_letter(layout, fields, dead_letters, name)
        if dead_letters.startswith("${"):
            table_defaults[dead_letters[2:-1]] = dead_letters_default
    per_record = _record_cleanup(layout, fields, tenants_table, tenants_key, failed, retry) >> outcome
    # a Pipe's Step Functions target receives the batch as an array; a direct caller may send one record
    records = Pass("Records", query_language=JSONATA, output=(
        '{% {"records": $type($states.input) = "array" ? $states.input : [$states.input]} %}'))
    each = Map("EachRecord", item_processor=per_record, items_path="$.records", max_concurrency=1)
    summary = Pass("Summary", query_language=JSONATA, output=(
        '{% ($o := $states.input; {"cleaned": $count($o[outcome = "cleaned"]), '
        '"skipped": $count($o[outcome = "skipped"]), "failed": [$o[outcome = "failed"].{'
        '"eventId": $exists(eventId) ? eventId : null, "error": $exists(error) ? error : null, '
        '"cause": $exists(cause) ? cause : null, "deadLettered": deadLettered = true, '
        '"deadLetterError": deadLetterError}]}) %}'))
    verdict = (Choice("AllRecordsCleaned")
               .when(Var("$.failed[0]").is_present(), Fail(
                   "RecordsFailed", query_language=JSONATA, error=CLEANUP_FAILED,
                   cause="{% $string($states.input) %}"))
               .otherwise(Succeed("Cleaned")))
    return StateMachine(name, start=records >> each >> summary >> verdict, type=EXPRESS,
                        placeholders=table_defaults,
                        comment=f"Delete {layout.name} constraint records a stream record released")


def cleanup_filter(layout: TenantTable, unique: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """EventBridge filter patterns (OR'ed) for the stream records ``unique_cleanup`` may act on.

    Why this coarse: a filter cannot compare OldImage with NewImage, so it passes every MODIFY/REMOVE
    of an entity item whose old image holds a unique value; the machine decides whether the value
    changed. INSERTs and other entities' records never start an execution.
    """
    fields = _check_fields(layout, unique)
    return [{"eventName": ["MODIFY", "REMOVE"],
             "dynamodb": {"Keys": {layout.sk_attr: {"S": [{"prefix": layout.prefix}]}},
                          "OldImage": {f: {"S": [{"exists": True}]}}}} for f in fields]
