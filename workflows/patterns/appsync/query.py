"""One page of a tenant's items: begins_with on the sort key, an optional index, a capped limit, paging.

Arguments (all optional; their GraphQL names are the builder's ``cursor``/``prefix``/``limit``, by
default ``nextToken``, ``prefix``, ``limit``; ``prefix=None``/``limit=None`` read no such argument):
the prefix is appended AFTER the entity's (or index's) sort-key prefix, so ``begins_with`` can narrow
a listing but never leave the entity; the limit is a positive integer, capped at the builder's
``page_size``; the cursor continues a previous page.

The output is ``{"items": [...], "nextToken": str | null}`` unless ``page=PageShape(...)`` moves them,
e.g. ``PageShape(items="items", cursor="pageInfo.nextPageKey")`` answers
``{"items": [...], "pageInfo": {"nextPageKey": ...}}``. The machine records both (arguments read,
page shape) as its GraphQL contract, so ``workflows check`` refuses a field whose cursor argument or
page type differs.

A layout without a sort-key prefix in the tenant's shared partition (``partition="tenant"``,
``sk_prefix=""``: ``pk = <tenantId>``, ``sk = <id>``) gives begins_with nothing to narrow by: a query
returns EVERY item stored under the tenant id, other entity types included, each unmarshalled as if
it were this entity (GraphQL then fails on their missing non-null fields, or shows them). Such a
query is a BuildError unless ``whole_partition=True`` says this entity is the only one stored there.

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

import re
from dataclasses import dataclass
from typing import Any

from workflows.core import JSONATA, BuildError, Choice, Fail, Pass, StateMachine, Task, Var
from workflows.patterns.appsync.arguments import INVALID_ARGUMENT
from workflows.patterns.appsync.contract import Contract, Shape, entity_output
from workflows.patterns.appsync.resolver import denial_catch, guard, rejecting_catch, resolver_machine, strip_keys
from workflows.patterns.appsync.layout import TENANT_ID_KEY, TENANT_PATH, SecondaryIndex, TenantTable
from workflows.patterns.dynamodb_json import unmarshal_list_expr

__all__ = ["query_page", "query_items", "PageShape", "MAX_PAGE_SIZE", "DEFAULT_PAGE_SIZE"]

MAX_PAGE_SIZE = 1000  # DynamoDB evaluates at most 1 MB per Query anyway
_BASE64 = r"/^[A-Za-z0-9+\/]+={0,2}$/"
_ARGS = "$states.input.arguments"
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")
_JSONATA_WORDS = {"and", "or", "in", "true", "false", "null", "function"}


def _check_name(option: str, value: Any, what: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise BuildError(f"{option}={value!r}: {what} must be a GraphQL name ([_A-Za-z][_0-9A-Za-z]*)",
                         rule="appsync-query")


@dataclass(frozen=True)
class PageShape:
    """Where a page's items and its cursor go in the machine's output: dotted paths make nested objects.

    ``PageShape()`` is ``{items, nextToken}``; ``PageShape(items="items", cursor="pageInfo.nextPageKey")``
    is ``{items, pageInfo: {nextPageKey}}``. ``name`` is the GraphQL type ``workflows schema`` gives the
    page (default ``<Entity>Page``); a nested object's type is its member name in PascalCase
    (``pageInfo`` -> ``PageInfo``). The cursor is null on the last page.
    """

    items: str = "items"
    cursor: str = "nextToken"
    name: str | None = None

    def __post_init__(self) -> None:
        for option in ("items", "cursor"):
            value = getattr(self, option)
            if not isinstance(value, str) or not all(_NAME.match(p) for p in value.split(".")):
                raise BuildError(f"PageShape {option}={value!r} must be a dotted path of GraphQL names",
                                 rule="appsync-query")
        if self.name is not None:
            _check_name("PageShape name", self.name, "the page type")
        a, b = self.items.split("."), self.cursor.split(".")
        if a[: len(b)] == b or b[: len(a)] == a:
            raise BuildError(f"PageShape items={self.items!r} and cursor={self.cursor!r} overlap: each needs its "
                             "own member", rule="appsync-query")

    def members(self, items: Any, cursor: Any) -> dict[str, Any]:
        """``{member: value or nested dict}`` with ``items``/``cursor`` placed at their paths."""
        tree: dict[str, Any] = {}
        for path, value in ((self.items, items), (self.cursor, cursor)):
            *parents, last = path.split(".")
            node = tree
            for part in parents:
                node = node.setdefault(part, {})
            node[last] = value
        return tree


@dataclass(frozen=True)
class _Args:
    """The GraphQL argument names a query machine reads (None: not read)."""

    cursor: str
    prefix: str | None
    limit: str | None

    def __post_init__(self) -> None:
        _check_name("cursor", self.cursor, "the cursor argument")
        for option in ("prefix", "limit"):
            value = getattr(self, option)
            if value is not None:
                _check_name(option, value, f"the {option} argument (None reads none; page_size sets the page size)")
        names = [n for n in (self.cursor, self.prefix, self.limit) if n is not None]
        if len(set(names)) != len(names):
            raise BuildError(f"cursor, prefix and limit must be different arguments, got {names}", rule="appsync-query")

    @staticmethod
    def ref(name: str) -> str:
        """The argument as a JSONata path step."""
        return f"`{name}`" if name in _JSONATA_WORDS or name.startswith("_") else name


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


def _page_jsonata(keys: _Keys, page_size: int, tenant: str, args: _Args) -> str:
    """Bare JSONata: ``{prefix, limit, start: [sort key values], condition, names, values}`` or ``{invalid: reason}``.

    ``tenant``: bare JSONata for the tenant id (resolverContext).
    """
    a = _ARGS
    c = f"{a}.{args.ref(args.cursor)}"
    n_parts = len(keys.token_attrs)
    token_ok = (f'($count($p) = {n_parts} and $count($filter($p, function($s){{ $not($contains($s, {_BASE64})) }})) = 0)')
    checks = []
    if args.limit is not None:
        lim = f"{a}.{args.ref(args.limit)}"
        checks.append(f'($exists({lim}) and {lim} != null and ($type({lim}) != "number" ? true : '
                      f'({lim} < 1 or {lim} != $floor({lim})))) ? "{args.limit} must be a positive integer" : ')
    if args.prefix is not None:
        pre = f"{a}.{args.ref(args.prefix)}"
        checks.append(f'($exists({pre}) and {pre} != null and $type({pre}) != "string") ? '
                      f'"{args.prefix} must be a string" : ')
    invalid = "".join(checks) + f'($tok and $not({token_ok})) ? "{args.cursor} is not a token of this query" : undefined'
    prefix = (f'"{keys.prefix}" & ($type({pre}) = "string" ? {pre} : "")' if args.prefix is not None
              else f'"{keys.prefix}"')
    limit = (f'$type({lim}) = "number" ? $min([{lim}, {page_size}]) : {page_size}' if args.limit is not None
             else f"{page_size}")
    return (
        f'($tok := ($type({c}) = "string" and {c} != "") ? {c} : undefined; '
        f'$p := $tok ? [$split($tok, ".")] : []; $invalid := {invalid}; '
        f'$prefix := {prefix}; '
        f'$invalid ? {{"invalid": $invalid}} : {{'
        f'"prefix": $prefix, '
        f'"limit": {limit}, '
        f'"start": $tok ? [$map($p, function($v){{ $base64decode($v) }})] : undefined, '
        f'"condition": $prefix = "" ? "#pk = :pk" : "#pk = :pk AND begins_with(#sk, :prefix)", '
        f'"names": $merge([{{"#pk": "{keys.pk}"}}, $prefix = "" ? {{}} : {{"#sk": "{keys.sk}"}}]), '
        f'"values": $merge([{{":pk": {{"S": {tenant} & "{keys.suffix}"}}}}, '
        f'$prefix = "" ? {{}} : {{":prefix": {{"S": $prefix}}}}])}})')


def _invalid_jsonata(keys: _Keys, page_size: int, args: _Args) -> str:
    """Bare JSONata: the reason the arguments are refused, or undefined (read by the Rejected Fail)."""
    return "(" + _page_jsonata(keys, page_size, '""', args) + ").invalid"


def _object_jsonata(tree: dict[str, Any]) -> str:
    return "{" + ", ".join(f'"{k}": ' + (_object_jsonata(v) if isinstance(v, dict) else v)
                           for k, v in tree.items()) + "}"


def _items_output(layout: TenantTable, keys: _Keys, result: str, page: PageShape) -> str:
    strip = "function($i){ " + strip_keys(layout, "$i") + " }"
    lek = f"{result}.LastEvaluatedKey"
    token = ' & "." & '.join(f"$base64encode({lek}.{attr}.S)" for attr in keys.token_attrs)
    items = "[$map(" + unmarshal_list_expr(f"{result}.Items") + ", " + strip + ")]"
    return "{% " + _object_jsonata(page.members(items, f"$exists({lek}) ? {token} : null")) + " %}"


def _pascal_member(name: str) -> str:
    return name[0].upper() + name[1:]


def _page_output(layout: TenantTable, page: PageShape) -> Shape:
    """The page as GraphQL sees it: items never null, the cursor null on the last page."""
    items = Shape.list_of(entity_output(layout.entity, layout.key_field))
    cursor = Shape.scalar("String", nullable=True, why_null="it is null on the last page")

    def build(name: str, tree: dict[str, Any]) -> Shape:
        return Shape.object(name, [(k, build(_pascal_member(k), v) if isinstance(v, dict) else v)
                                   for k, v in tree.items()])

    return build(page.name or f"{layout.name}Page", page.members(items, cursor))


def _contract(layout: TenantTable, args: _Args, page: PageShape) -> Contract:
    reads = [(args.cursor, Shape.scalar("String", nullable=True))]
    if args.prefix is not None:
        reads.append((args.prefix, Shape.scalar("String", nullable=True)))
    if args.limit is not None:
        reads.append((args.limit, Shape.scalar("Int", nullable=True)))
    return Contract(tuple(reads), _page_output(layout, page))


def _base_request(layout: TenantTable, keys: _Keys) -> dict[str, Any]:
    request: dict[str, Any] = {"TableName": layout.table}
    if keys.index:
        request["IndexName"] = keys.index.name
    return request


def _jsonata_machine(layout: TenantTable, name: str, keys: _Keys, page_size: int, task_name: str,
                     comment: str, args_: _Args, page_shape: PageShape) -> StateMachine:
    tenant = layout.tenant_expr()  # first: missing context fails before anything else is looked at
    request = _base_request(layout, keys)
    fixed = ", ".join(f'"{k}": {_json(v)}' for k, v in request.items())
    start = ", ".join([f'"{attr}": {{"S": $t & "{suffix}"}}' for attr, suffix in keys.partitions.items()]
                      + [f'"{attr}": {{"S": $page.start[{i}]}}' for i, attr in enumerate(keys.token_attrs)])
    args = (
        "{% ($t := " + tenant + "; $page := " + _page_jsonata(keys, page_size, "$t", args_) + "; "
        '$exists($page.invalid) ? $error("' + INVALID_ARGUMENT + ': " & $page.invalid) : '
        "$merge([{" + fixed + ', "KeyConditionExpression": $page.condition, '
        '"ExpressionAttributeNames": $page.names, "ExpressionAttributeValues": $page.values, '
        '"Limit": $page.limit}, '
        "$exists($page.start) ? {\"ExclusiveStartKey\": {" + start + "}} : {}])) %}")
    task = Task.sdk("dynamodb", "query", task_name, arguments=args, credentials=layout.credentials(),
                    output=_items_output(layout, keys, "$states.result", page_shape),
                    catch=[rejecting_catch(layout, _invalid_jsonata(keys, page_size, args_)),
                           denial_catch(layout, sdk=True)])
    return resolver_machine(layout, name, task, comment, _contract(layout, args_, page_shape))


def _jsonpath_machine(layout: TenantTable, name: str, keys: _Keys, page_size: int, task_name: str,
                      comment: str, args_: _Args, page_shape: PageShape) -> StateMachine:
    tenant = TENANT_PATH

    def partition(suffix: str) -> dict[str, str]:
        return {"S.$": f"States.Format('{{}}{suffix}', {tenant})"} if suffix else {"S.$": tenant}

    params = _base_request(layout, keys) | {
        "KeyConditionExpression.$": "$.page.condition", "ExpressionAttributeNames.$": "$.page.names",
        "ExpressionAttributeValues.$": "$.page.values", "Limit.$": "$.page.limit"}
    start_key = {attr: partition(suffix) for attr, suffix in keys.partitions.items()}
    start_key |= {attr: {"S.$": f"States.ArrayGetItem($.page.start, {i})"} for i, attr in enumerate(keys.token_attrs)}
    unmarshal = Pass("Unmarshal", query_language=JSONATA,
                     output=_items_output(layout, keys, "$states.input", page_shape))
    denied = denial_catch(layout, sdk=True)  # one Fail state for both tasks
    first = Task.sdk("dynamodb", "query", task_name, parameters=params, credentials=layout.credentials(),
                     catch=[denied])
    following = Task.sdk("dynamodb", "query", f"{task_name}After",
                         parameters=params | {"ExclusiveStartKey": start_key}, credentials=layout.credentials(),
                         catch=[denied])
    refused = Fail("InvalidArgument", error=INVALID_ARGUMENT, cause_path="$.page.invalid")
    route = (Choice("RoutePage")
             .when(Var("$.page.invalid").is_present(), refused)
             .when(Var("$.page.start").is_present(), following >> unmarshal)
             .otherwise(first >> unmarshal))
    page = Pass("PageRequest", query_language=JSONATA,
                output="{% $merge([$states.input, {\"page\": " + _page_jsonata(
                    keys, page_size, f"$states.input.identity.resolverContext.{TENANT_ID_KEY}", args_) + "}]) %}")
    return resolver_machine(layout, name, guard(layout, page >> route), comment, _contract(layout, args_, page_shape))


def query_page(layout: TenantTable, name: str, *, page_size: int, index: str | None = None,
               cursor: str = "nextToken", prefix: str | None = "prefix", limit: str | None = "limit",
               page: PageShape = PageShape(), whole_partition: bool = False) -> StateMachine:
    """``list<Entity>s(nextToken, prefix, limit)`` -> ``{"items": [...], "nextToken": str | null}`` (see the module)."""
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BuildError(f"page_size must be an int in 1..{MAX_PAGE_SIZE}, got {page_size!r}", rule="appsync-query")
    if not isinstance(page, PageShape):
        raise BuildError(f"page must be a PageShape, got {page!r}", rule="appsync-query")
    args = _Args(cursor, prefix, limit)
    keys = _Keys(layout, layout.index(index) if index is not None else None)
    if not keys.prefix and not keys.suffix and not whole_partition:
        where = f"index {index}" if index else "the table"
        raise BuildError(
            f"{layout.name}s on {where} have no sort-key prefix in the tenant's shared partition (partition key = the "
            f"tenant id alone): a query would return EVERY item stored under the tenant id, other entity types "
            f"included, as {layout.name}s. Declare a sort-key prefix, use partition='tenant#entity', or pass "
            f"whole_partition=True if {layout.name}s are the only items there", rule="appsync-query")
    by = f" by index {index}" if index else ""
    task_name = f"Query{layout.name}s" + (f"By{_pascal(index)}" if index else "")
    comment = f"One page of the caller's tenant's {layout.name}s{by}, under the tenant's role"
    build = _jsonata_machine if layout.jsonata else _jsonpath_machine
    return build(layout, name, keys, page_size, task_name, comment, args, page)


def _pascal(text: str) -> str:
    parts = [p for p in text.replace("-", "_").replace(".", "_").split("_") if p]
    return "".join(p[0].upper() + p[1:] for p in parts)


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(", ", ": "))


DEFAULT_PAGE_SIZE = 20


def query_items(layout: TenantTable, name: str, page_size: int = DEFAULT_PAGE_SIZE, index: str | None = None, *,
                cursor: str = "nextToken", prefix: str | None = "prefix", limit: str | None = "limit",
                page: PageShape = PageShape(), whole_partition: bool = False) -> StateMachine:
    """``list<Entity>s(nextToken, prefix, limit)``: one page of the tenant's items.

    ``cursor``/``prefix``/``limit``: the GraphQL arguments the machine reads (``None``: no prefix or
    limit argument). ``page``: where the items and the next cursor go in the answer. ``whole_partition``:
    allow a query over a partition other entities may share (see the module docstring).
    Example: ``query_items(SETS, "list-sets", cursor="nextPageKey", prefix=None, limit=None,
    page=PageShape(cursor="pageInfo.nextPageKey"))`` backs ``listSets(nextPageKey: String): SetPage!``.
    """
    return query_page(layout, name, page_size=page_size, index=index, cursor=cursor, prefix=prefix, limit=limit,
                      page=page, whole_partition=whole_partition)
