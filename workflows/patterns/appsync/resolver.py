"""The pieces every AppSync resolver machine shares: the tenant-context guard, the rejecting Catch,
the key-stripping output, the one data-task constructor and the EXPRESS, tenant-scoped machine.

Why one module: the builders (items, query, unique) must agree on how a tenant's role reaches a task
and how a refusal is named; they import these, never each other.
"""

from __future__ import annotations

from typing import Any, Sequence

from workflows.core import EXPRESS, JSONATA, Catch, Choice, Condition, Fail, Pass, StateMachine, Task, Var
from workflows.patterns.appsync.arguments import INVALID_ARGUMENT, key_invalid_jsonata
from workflows.patterns.appsync.layout import (MISSING_CONTEXT, ROLE_ARN_KEY, ROLE_PATH, TENANT_ID_KEY, TENANT_PATH,
                                               TenantTable)
from workflows.patterns.dynamodb_json import unmarshal_expr

EVALUATION_ERRORS = ["States.QueryEvaluationError", "States.Runtime"]
MISSING_CAUSE = f"resolverContext needs non-empty {TENANT_ID_KEY} and {ROLE_ARN_KEY} (set by the Lambda authorizer)"
ARGS_J = "$states.input.arguments"


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


def resolver_machine(layout: TenantTable, name: str, start: Any, comment: str) -> StateMachine:
    return StateMachine(name, start=start, type=EXPRESS, comment=comment,
                        query_language=JSONATA if layout.jsonata else None,
                        placeholders=layout.placeholders, tenant_scoped=True)


def finish(layout: TenantTable, name: str, task: Task, output: str | None, comment: str,
            rules: Sequence[tuple[Condition, Fail]] = ()) -> StateMachine:
    """JSONata: the task alone (Output inline, guard folded). JSONPath: guard >> task >> Unmarshal."""
    if layout.jsonata:
        return resolver_machine(layout, name, task, comment)
    chain: Any = task if output is None else task >> unmarshal_pass(output)
    return resolver_machine(layout, name, guard(layout, chain, rules), comment)


def data_task(layout: TenantTable, action: str, name: str, args_path: dict[str, Any], args_jsonata: Any,
          output: str | None, invalid: str | None = None, **extra: Any) -> Task:
    """``invalid``: JSONata reason the arguments are refused (the Arguments must raise on it too)."""
    common = {"credentials": layout.credentials()}
    if layout.jsonata:
        common |= {"arguments": args_jsonata, "catch": [rejecting_catch(layout, invalid)]}
        if output is not None:
            common["output"] = output
        if "jsonata_output" in extra:
            common["output"] = extra.pop("jsonata_output")
        extra.pop("path_fields", None)
    else:
        common |= {"parameters": args_path}
        extra.pop("jsonata_output", None)
        common |= extra.pop("path_fields", {})
    if action == "query":
        return Task.sdk("dynamodb", "query", name, **common)
    return Task.dynamodb(action, name, **common)


def key_reason(layout: TenantTable) -> str:
    return key_invalid_jsonata(f"{ARGS_J}.`{layout.key_field}`", layout.key_field)
