"""One page of a tenant's items: begins_with on the sort key, an optional index, a capped limit, paging.

Arguments (all optional): ``prefix`` is appended AFTER the entity's (or index's) sort-key prefix, so
``begins_with`` can narrow a listing but never leave the entity; ``limit`` is a positive integer,
capped at the builder's ``page_size``; ``nextToken`` continues a previous page.

Why the token holds sort keys only: ExclusiveStartKey's partition values (the table's and the
index's) are rebuilt from resolverContext on every call, so a forged token can at most move the
cursor inside the caller's own partition. The token is base64 of the last sort key; on an index it
is ``base64(index sort key) "." base64(table sort key)`` (both are needed to resume an index query;
"." is not a base64 character, so the split is unambiguous). A token or argument of the wrong form
fails as ``Resolver.InvalidArgument`` before any call.

An empty prefix (no sort-key prefix declared and no ``prefix`` argument) drops ``begins_with``
from the key condition: DynamoDB refuses an empty key value. The page request therefore carries
the key condition, names and values it computed (the partition value from resolverContext).

Shapes: JSONata -- one Task whose Arguments compute the page (or raise, caught into the Rejected
Fail) and whose Output unmarshals. JSONPath -- Parameters cannot omit a key or take a minimum, so a
JSONata ``PageRequest`` Pass computes the page into ``$.page`` (prefix, limit, start keys or the
reason it is invalid), a Choice routes to the first-page or next-page Task (JSONPath, tenant role
from a path), and the ``Unmarshal`` Pass makes plain JSON.
"""

from __future__ import annotations

from typing import Any

from workflows.core import JSONATA, BuildError, Choice, Fail, Pass, StateMachine, Task, Var
from workflows.patterns.appsync.arguments import INVALID_ARGUMENT
from workflows.patterns.appsync.resolver import guard, rejecting_catch, resolver_machine, strip_keys
from workflows.patterns.appsync.layout import TENANT_ID_KEY, TENANT_PATH, SecondaryIndex, TenantTable
from workflows.patterns.dynamodb_json import unmarshal_list_expr

__all__ = ["query_page", "query_items", "MAX_PAGE_SIZE", "DEFAULT_PAGE_SIZE"]

MAX_PAGE_SIZE = 1000  # DynamoDB evaluates at most 1 MB per Query anyway
_BASE64 = r"/^[A-Za-z0-9+\/]+={0,2}$/"
_ARGS = "$states.input.arguments"


class _Keys:
    """Which attributes a query's key condition and ExclusiveStartKey use, for the table or an index."""

    def __init__(self, layout: TenantTable, index: SecondaryIndex | None) -> None:
        self.layout, self.index = layout, index
        self.pk = index.pk_attr if index else layout.pk_attr
        self.sk = index.sk_attr if index else layout.sk_attr
        self.prefix = index.sk_prefix if index else layout.prefix
        self.suffix = index.partition_suffix if index else layout.partition_suffix
        # sort-key attributes the token carries, index first; the table's sk always (it completes the key)
        self.token_attrs = [self.sk] if self.sk == layout.sk_attr else [self.sk, layout.sk_attr]
        # partition attributes rebuilt from resolverContext: attribute -> suffix after the tenant id
        self.partitions = {layout.pk_attr: layout.partition_suffix, self.pk: self.suffix}


def _page_jsonata(keys: _Keys, page_size: int, tenant: str) -> str:
    """Bare JSONata: ``{prefix, limit, start: [sort key values], condition, names, values}`` or ``{invalid: reason}``.

    ``tenant``: bare JSONata for the tenant id (resolverContext).
    """
    a = _ARGS
    n_parts = len(keys.token_attrs)
    token_ok = (f'($count($p) = {n_parts} and $count($filter($p, function($s){{ $not($contains($s, {_BASE64})) }})) = 0)')
    invalid = (
        f'($exists({a}.limit) and {a}.limit != null and ($type({a}.limit) != "number" ? true : '
        f'({a}.limit < 1 or {a}.limit != $floor({a}.limit)))) ? "limit must be a positive integer" : '
        f'($exists({a}.prefix) and {a}.prefix != null and $type({a}.prefix) != "string") ? "prefix must be a string" : '
        f'($tok and $not({token_ok})) ? "nextToken is not a token of this query" : undefined')
    return (
        f'($tok := ($type({a}.nextToken) = "string" and {a}.nextToken != "") ? {a}.nextToken : undefined; '
        f'$p := $tok ? [$split($tok, ".")] : []; $invalid := {invalid}; '
        f'$prefix := "{keys.prefix}" & ($type({a}.prefix) = "string" ? {a}.prefix : ""); '
        f'$invalid ? {{"invalid": $invalid}} : {{'
        f'"prefix": $prefix, '
        f'"limit": $type({a}.limit) = "number" ? $min([{a}.limit, {page_size}]) : {page_size}, '
        f'"start": $tok ? [$map($p, function($v){{ $base64decode($v) }})] : undefined, '
        f'"condition": $prefix = "" ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :prefix)", '
        f'"names": $merge([{{"#pk": "{keys.pk}"}}, $prefix = "" ? {{}} : {{"#sk": "{keys.sk}"}}]), '
        f'"values": $merge([{{":pk": {{"S": {tenant} & "{keys.suffix}"}}}}, '
        f'$prefix = "" ? {{}} : {{":prefix": {{"S": $prefix}}}}])}})')


def _invalid_jsonata(keys: _Keys, page_size: int) -> str:
    """Bare JSONata: the reason the arguments are refused, or undefined (read by the Rejected Fail)."""
    return "(" + _page_jsonata(keys, page_size, '""') + ").invalid"


def _items_output(layout: TenantTable, keys: _Keys, result: str) -> str:
    strip = "function($i){ " + strip_keys(layout, "$i") + " }"
    lek = f"{result}.LastEvaluatedKey"
    token = ' & "." & '.join(f"$base64encode({lek}.{attr}.S)" for attr in keys.token_attrs)
    return ("{% {\"items\": [$map(" + unmarshal_list_expr(f"{result}.Items") + ", " + strip + ")], "
            f"\"nextToken\": $exists({lek}) ? {token} : null}} %}}")


def _base_request(layout: TenantTable, keys: _Keys) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": layout.table}
    if keys.index:
        request["IndexName"] = keys.index.name
    return request


def _jsonata_machine(layout: TenantTable, name: str, keys: _Keys, page_size: int, task_name: str,
                     comment: str) -> StateMachine:
    tenant = layout.tenant_expr()  # first: missing context fails before anything else is looked at
    request = _base_request(layout, keys)
    fixed = ", ".join(f'"{k}": {_json(v)}' for k, v in request.items())
    start = ", ".join([f'"{attr}": {{"S": $t & "{suffix}"}}' for attr, suffix in keys.partitions.items()]
                      + [f'"{attr}": {{"S": $page.start[{i}]}}' for i, attr in enumerate(keys.token_attrs)])
    args = (
        "{% ($t := " + tenant + "; $page := " + _page_jsonata(keys, page_size, "$t") + "; "
        '$exists($page.invalid) ? $error("' + INVALID_ARGUMENT + ': " & $page.invalid) : '
        "$merge([{" + fixed + ', "KeyConditionExpression": $page.condition, '
        '"ExpressionAttributeNames": $page.names, "ExpressionAttributeValues": $page.values, '
        '"Limit": $page.limit}, '
        "$exists($page.start) ? {\"ExclusiveStartKey\": {" + start + "}} : {}])) %}")
    task = Task.sdk("dynamodb", "query", task_name, arguments=args, credentials=layout.credentials(),
                    output=_items_output(layout, keys, "$states.result"),
                    catch=[rejecting_catch(layout, _invalid_jsonata(keys, page_size))])
    return resolver_machine(layout, name, task, comment)


def _jsonpath_machine(layout: TenantTable, name: str, keys: _Keys, page_size: int, task_name: str,
                      comment: str) -> StateMachine:
    tenant = TENANT_PATH

    def partition(suffix: str) -> dict[str, str]:
        return {"S.$": f"States.Format('{{}}{suffix}', {tenant})"} if suffix else {"S.$": tenant}

    params = _base_request(layout, keys) | {
        "KeyConditionExpression.$": "$.page.condition", "ExpressionAttributeNames.$": "$.page.names",
        "ExpressionAttributeValues.$": "$.page.values", "Limit.$": "$.page.limit"}
    start_key = {attr: partition(suffix) for attr, suffix in keys.partitions.items()}
    start_key |= {attr: {"S.$": f"States.ArrayGetItem($.page.start, {i})"} for i, attr in enumerate(keys.token_attrs)}
    unmarshal = Pass("Unmarshal", query_language=JSONATA, output=_items_output(layout, keys, "$states.input"))
    first = Task.sdk("dynamodb", "query", task_name, parameters=params, credentials=layout.credentials())
    following = Task.sdk("dynamodb", "query", f"{task_name}After",
                         parameters=params | {"ExclusiveStartKey": start_key}, credentials=layout.credentials())
    refused = Fail("InvalidArgument", error=INVALID_ARGUMENT, cause_path="$.page.invalid")
    route = (Choice("RoutePage")
             .when(Var("$.page.invalid").is_present(), refused)
             .when(Var("$.page.start").is_present(), following >> unmarshal)
             .otherwise(first >> unmarshal))
    page = Pass("PageRequest", query_language=JSONATA,
                output="{% $merge([$states.input, {\"page\": " + _page_jsonata(
                    keys, page_size, f"$states.input.identity.resolverContext.{TENANT_ID_KEY}") + "}]) %}")
    return resolver_machine(layout, name, guard(layout, page >> route), comment)


def query_page(layout: TenantTable, name: str, *, page_size: int, index: str | None = None) -> StateMachine:
    """``list<Entity>s(nextToken, prefix, limit)`` -> ``{"items": [...], "nextToken": str | null}``."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BuildError(f"page_size must be an int in 1..{MAX_PAGE_SIZE}, got {page_size!r}", rule="appsync-query")
    keys = _Keys(layout, layout.index(index) if index is not None else None)
    by = f" by index {index}" if index else ""
    task_name = f"Query{layout.name}s" + (f"By{_pascal(index)}" if index else "")
    comment = f"One page of the caller's tenant's {layout.name}s{by}, under the tenant's role"
    build = _jsonata_machine if layout.jsonata else _jsonpath_machine
    return build(layout, name, keys, page_size, task_name, comment)


def _pascal(text: str) -> str:
    parts = [p for p in text.replace("-", "_").replace(".", "_").split("_") if p]
    return "".join(p[0].upper() + p[1:] for p in parts)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(", ", ": "))


DEFAULT_PAGE_SIZE = 20


def query_items(layout: TenantTable, name: str, page_size: int = DEFAULT_PAGE_SIZE,
                index: str | None = None) -> StateMachine:
    """``list<Entity>s(nextToken, prefix, limit)``: one page of the tenant's items."""
    return query_page(layout, name, page_size=page_size, index=index)
