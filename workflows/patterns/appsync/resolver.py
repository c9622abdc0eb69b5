"""The pieces every AppSync resolver machine shares: the tenant-context guard, the rejecting Catch,
the denial Catch, the key-stripping output, the one data-task constructor and the EXPRESS,
tenant-scoped machine (with its GraphQL contract recorded).

Why one module: the builders (items, query, unique) must agree on how a tenant's role reaches a task
and how a refusal is named; they import these, never each other.

A cross-tenant denial has ONE name, ``Tenant.AccessDenied``, whichever integration met it. Why: IAM's
refusal surfaces as ``DynamoDB.AccessDeniedException`` from an optimized task (getItem, putItem, ...)
but as the SDK's catch-all ``DynamoDb.DynamoDbException`` from an ``aws-sdk`` task (query,
transactWriteItems), so a client would need to know which integration backs a field to recognise it.
Each data task catches what its integration raises and fails with ``Tenant.AccessDenied``; the cause
is AWS's error name and message (``DynamoDB.AccessDeniedException: User: ... is not authorized ...``).
An SDK error that is not a denial is re-raised unchanged (same error, same cause).
"""

from __future__ import annotations

from typing import Any, Sequence

from workflows.core import EXPRESS, JSONATA, Catch, Choice, Condition, Fail, Pass, StateMachine, Succeed, Task, Var
from workflows.patterns.appsync.contract import Contract, annotations
from workflows.patterns.appsync.arguments import INVALID_ARGUMENT, key_invalid_jsonata
from workflows.patterns.appsync.layout import (MISSING_CONTEXT, ROLE_ARN_KEY, ROLE_PATH, TENANT_ID_KEY, TENANT_PATH,
                                               TenantTable)
from workflows.patterns.dynamodb_json import unmarshal_expr

EVALUATION_ERRORS = ["States.QueryEvaluationError", "States.Runtime"]
MISSING_CAUSE = f"resolverContext needs non-empty {TENANT_ID_KEY} and {ROLE_ARN_KEY} (set by the Lambda authorizer)"
ARGS_J = "$states.input.arguments"
#: The error every resolver machine fails with when IAM refuses the tenant's role the item's key.
ACCESS_DENIED = "Tenant.AccessDenied"
#: The error ``get_item(..., not_found="error")`` fails with when no item has the key.
NOT_FOUND = "Resolver.NotFound"
_OPTIMIZED_DENIED = ["DynamoDB.AccessDeniedException"]
# the SDK integration names an unmodelled error after the service's base exception (see
# workflows/local/adaptations/credentials.py); AccessDeniedException is listed in case AWS models it
_SDK_DENIED = ["DynamoDb.AccessDeniedException", "DynamoDb.DynamoDbException"]
_DENIAL = '($contains($states.input.Error, "AccessDenied") or $contains($states.input.Cause, "is not authorized to perform"))'
_AWS_ERROR = '$states.input.Error & ": " & ($exists($states.input.Cause) ? $states.input.Cause : "")'


def missing_fail() -> Fail:
    return Fail("MissingTenantContext", error=MISSING_CONTEXT, cause=MISSING_CAUSE)


def guard(layout: TenantTable, then: Any, rules: Sequence[tuple[Condition, Fail]] = ()) -> Choice:
    """JSONPath: fail with Tenant.MissingContext unless both context keys are non-empty strings.

    Three rules in order because a type or value test on an absent path is itself a runtime error.
    ``rules`` (argument checks, ``arguments``) follow in the same Choice: one state, and the
    context is always judged first.
    """
    t, r = Var(TENANT_PATH), Var(ROLE_PATH)
    fail = missing_fail()
    choice = (Choice("CheckTenantContext")
              .when(~t.is_present() | ~r.is_present(), fail)
              .when(~t.is_string() | ~r.is_string(), fail)
              .when((t == "") | (r == ""), fail))
    for condition, target in rules:
        choice = choice.when(condition, target)
    return choice.otherwise(then)


def rejected(layout: TenantTable) -> Fail:
    """JSONata: the Fail a task's evaluation errors go to.

    Missing context is ``Tenant.MissingContext``; an argument the machine refused (the catch put its
    reason in ``invalid``) is ``Resolver.InvalidArgument``; any other evaluation error ``Resolver.<name>``.
    """
    return Fail(
        "Rejected",
        error='{% $states.input.missing ? "' + MISSING_CONTEXT + '" : $exists($states.input.invalid) ? "'
              + INVALID_ARGUMENT + '" : "Resolver." & $substringAfter($states.input.error, "States.") %}',
        cause='{% $states.input.missing ? "' + MISSING_CAUSE + '" : $exists($states.input.invalid) ? '
              '$states.input.invalid : $string($states.input.cause) %}',
    )


def rejecting_catch(layout: TenantTable, invalid: str | None = None) -> Catch:
    """``invalid``: bare JSONata giving the reason the arguments are refused, or undefined when they are fine."""
    extra = f', "invalid": {invalid}' if invalid else ""
    return Catch(EVALUATION_ERRORS, rejected(layout), output=(
        "{% {\"missing\": $not(" + layout.context_ok() + "), \"error\": $states.errorOutput.Error, "
        "\"cause\": $states.errorOutput.Cause" + extra + "} %}"))


def strip_keys(layout: TenantTable, value: str) -> str:
    keys = "[" + ", ".join(f'"{a}"' for a in layout.hidden_attrs) + "]"
    return (f'$type({value}) = "object" ? $sift({value}, function($v, $k){{ $not($k in {keys}) }}) : {value}')


def item_output(layout: TenantTable, target: str) -> str:
    """``{% %}`` Output: the attribute map at ``target`` as plain JSON without key attributes (null if absent)."""
    return "{% ($i := " + unmarshal_expr(target) + "; " + strip_keys(layout, "$i") + ") %}"


def unmarshal_pass(output: str) -> Pass:
    return Pass("Unmarshal", query_language=JSONATA, output=output)


def resolver_machine(layout: TenantTable, name: str, start: Any, comment: str, contract: Contract) -> StateMachine:
    """The EXPRESS, tenant-scoped machine, carrying ``contract`` (what it reads and returns) for the schema checks."""
    return StateMachine(name, start=start, type=EXPRESS, comment=comment,
                        query_language=JSONATA if layout.jsonata else None,
                        placeholders=layout.placeholders, tenant_scoped=True, annotations=annotations(contract))


def finish(layout: TenantTable, name: str, task: Task, output: str | None, comment: str, contract: Contract,
           rules: Sequence[tuple[Condition, Fail]] = (), not_found: bool = False) -> StateMachine:
    """JSONata: the task alone (Output inline, guard folded). JSONPath: guard >> task >> Unmarshal.

    ``not_found``: a missing item (``output`` null) fails with ``Resolver.NotFound`` instead of returning null.
    """
    if layout.jsonata:
        return resolver_machine(layout, name, task >> not_found_check(layout) if not_found else task, comment,
                                contract)
    chain: Any = task
    if output is not None:
        unmarshal = unmarshal_pass(output)
        chain = task >> (not_found_check(layout, unmarshal) if not_found else unmarshal)
    return resolver_machine(layout, name, guard(layout, chain, rules), comment, contract)


def _jsonata_state(layout: TenantTable) -> str | None:
    """The QueryLanguage a JSONata-only state declares: none in a JSONata machine, JSONata in a JSONPath one."""
    return None if layout.jsonata else JSONATA


def denial_catch(layout: TenantTable, sdk: bool) -> Catch:
    """Catch IAM's refusal of the tenant's role and fail with ``Tenant.AccessDenied`` (cause: AWS's error and message).

    Optimized integrations name the refusal exactly; the SDK integration uses its catch-all exception, so
    that Fail tells a denial (by AWS's message) from any other error, which it raises unchanged.
    """
    output = {"output": "{% $states.errorOutput %}"} if layout.jsonata else {}
    if not sdk:
        fail = Fail("AccessDenied", query_language=_jsonata_state(layout), error=ACCESS_DENIED,
                    cause="{% " + _AWS_ERROR + " %}")
        return Catch(_OPTIMIZED_DENIED, fail, **output)
    fail = Fail("DynamoDbFailed", query_language=_jsonata_state(layout),
                error='{% ' + _DENIAL + ' ? "' + ACCESS_DENIED + '" : $states.input.Error %}',
                cause="{% " + _DENIAL + " ? " + _AWS_ERROR + " : ($exists($states.input.Cause) ? "
                      "$states.input.Cause : \"\") %}")
    return Catch(_SDK_DENIED, fail, **output)


def not_found_check(layout: TenantTable, found: Any = None) -> Choice:
    """A get's missing item fails with ``Resolver.NotFound`` (cause naming the entity and the key).

    JSONata: after the task, whose Output is the item or null; the item goes on to ``Found``.
    JSONPath: between the task and ``found`` (the Unmarshal), on the raw ``Item``.
    """
    key = layout.key_field
    if layout.jsonata:
        missing = Fail("NotFound", error=NOT_FOUND, cause=(
            '{% "no ' + layout.name + ' with ' + key + ' " & $string($states.context.Execution.Input.arguments.`'
            + key + '`) & " in this tenant" %}'))
        return (Choice("ItemFound").when('{% $type($states.input) = "object" %}', Succeed("Found"))
                .otherwise(missing))
    missing = Fail("NotFound", error=NOT_FOUND, cause_path=(
        f"States.Format('no {layout.name} with {key} {{}} in this tenant', $$.Execution.Input.arguments.{key})"))
    return Choice("ItemFound").when(Var("$.Item").is_present(), found).otherwise(missing)


#: Actions the resolver machines call through the ``aws-sdk`` integration (no optimized one exists).
SDK_ACTIONS = ("query", "transactWriteItems")


def data_task(layout: TenantTable, action: str, name: str, args_path: dict[str, Any], args_jsonata: Any,
          output: str | None, invalid: str | None = None, **extra: Any) -> Task:
    """``invalid``: JSONata reason the arguments are refused (the Arguments must raise on it too)."""
    common = {"credentials": layout.credentials()}
    denied = denial_catch(layout, sdk=action in SDK_ACTIONS)
    if layout.jsonata:
        common |= {"arguments": args_jsonata, "catch": [rejecting_catch(layout, invalid), denied]}
        if output is not None:
            common["output"] = output
        if "jsonata_output" in extra:
            common["output"] = extra.pop("jsonata_output")
        extra.pop("path_fields", None)
    else:
        common |= {"parameters": args_path, "catch": [denied]}
        extra.pop("jsonata_output", None)
        common |= extra.pop("path_fields", {})
    if action in SDK_ACTIONS:
        return Task.sdk("dynamodb", action, name, **common)
    return Task.dynamodb(action, name, **common)


def key_reason(layout: TenantTable) -> str:
    return key_invalid_jsonata(f"{ARGS_J}.`{layout.key_field}`", layout.key_field)
