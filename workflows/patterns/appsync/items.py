"""Lambda-less AppSync resolver machines: one EXPRESS machine per GraphQL field, run for the caller's tenant.

Why: AppSync's direct DynamoDB integration cannot be scoped to a tenant, but a Step Functions task
can run under the tenant's role (``Credentials``) that the Lambda authorizer put in
``resolverContext``. Reading another tenant's key is then an AccessDenied from IAM, not a leak.
Every machine here: EVERY data task carries that role (``tenant_scoped=True`` makes the isolation
lint prove it), keys start with the tenant id from resolverContext (``layout``), missing
context fails with ``Tenant.MissingContext`` before any call, and the output is plain JSON
(``dynamodb_json``'s unmarshaller, with the key attributes removed).

Shapes (input is what ``js`` resolvers send: ``{"identity": {"resolverContext"}, "arguments"}``):
- JSONata: the guard is folded into the key expression (an evaluation error, so no call is made)
  and the unmarshal into the Task's Output: a get is ONE state; a Catch maps the evaluation error
  to a Fail named ``Tenant.MissingContext`` (other evaluation errors become ``Resolver.<name>``:
  a Fail state may not raise ``States.*``).
- JSONPath: a guard Choice, the Task, and an ``Unmarshal`` Pass that is a JSONata state (the one
  unmarshaller is JSONata; ASL lets a JSONPath machine hold JSONata states).

Arguments are checked before any call (``arguments``): a missing or mistyped field fails
as ``Resolver.InvalidArgument`` naming it. Unique fields declared on the layout
(``TenantTable.unique``) may only be written by ``appsync.put_unique``: ``put_item`` refuses
such a layout and ``update_item`` such a field, since a plain write leaves no constraint record.

Query (``query``): begins_with on the sort key, optional index, ``limit`` capped at the
page size, opaque ``nextToken`` whose partition half is always rebuilt from resolverContext.

Each builder records its GraphQL contract on the machine (``contract``): the arguments it reads
(``id: ID!``, ``input: <Entity>Input!``) and what it returns (``<Entity>`` -- nullable for a get or
delete that answers null when there is no item). A denial of the tenant's role is ``Tenant.AccessDenied``.
"""

from __future__ import annotations

from typing import Any, Sequence

from workflows.core import BuildError, StateMachine
from workflows.patterns.appsync.arguments import (either, invalid_jsonata, key_rules, path_rules, refuse,
                                                  required_subset)
from workflows.patterns.appsync.contract import Contract, Shape, entity_input, entity_output, key_argument
from workflows.patterns.appsync.layout import TenantTable
from workflows.patterns.appsync.marshal import echo_paths, field_jsonata, field_path, marshal_jsonata, marshal_paths
from workflows.patterns.appsync.resolver import ARGS_J, data_task, finish, item_output, key_reason


NOT_FOUND_OPTIONS = ("null", "error")


def get_item(layout: TenantTable, name: str, *, not_found: str = "null") -> StateMachine:
    """``get<Entity>(id)``: the item as plain JSON; when it does not exist, null or ``Resolver.NotFound``.

    ``not_found="null"`` (the default) answers null, so the field's type must be nullable (``Set``);
    ``not_found="error"`` fails with ``Resolver.NotFound`` (cause naming the entity and the key)
    instead, so the machine can back a non-null field (``getSet(id: ID!): Set!``). In JSONata the
    default get is one state; the error variant adds a Choice and a Fail after it.
    """
    if not_found not in NOT_FOUND_OPTIONS:
        raise BuildError(f"not_found must be one of {NOT_FOUND_OPTIONS}, not {not_found!r}", rule="appsync-get")
    returns = entity_output(layout.entity, layout.key_field)
    if not_found == "null":
        returns = returns.or_null(f"it is null when no {layout.name} has the {layout.key_field} "
                                  "(get_item(..., not_found=\"error\") fails with Resolver.NotFound instead)")
    contract = Contract((key_argument(layout.key_field),), returns)
    out_jsonata = item_output(layout, "$states.result.Item")
    reason = key_reason(layout)
    task = data_task(layout, "getItem", f"Get{layout.name}",
                 {"TableName": layout.table, "Key": layout.key_path()},
                 {"TableName": layout.table, "Key": layout.key_jsonata(check=refuse(reason))}, out_jsonata, reason)
    return finish(layout, name, task, item_output(layout, "$states.input.Item"),
                  f"Get one {layout.name} of the caller's tenant, under the tenant's role", contract,
                  key_rules(f"$.arguments.{layout.key_field}", layout.key_field), not_found=not_found == "error")


def put_item(layout: TenantTable, name: str, *, allow_unique_fields: bool = False) -> StateMachine:
    """``put<Entity>(input)``: write the whole item (key from ``input.<key_field>``); returns the stored fields.

    A layout with unique fields is refused unless ``allow_unique_fields``: this plain PutItem writes no
    constraint record, so it could store a duplicate or change a registered value (``put_unique`` can't).
    """
    if layout.unique and not allow_unique_fields:
        raise BuildError(f"put_item would write {layout.name}'s unique field(s) {list(layout.unique)} without their "
                         "constraint records; use appsync.put_unique (or allow_unique_fields=True)",
                         rule="appsync-unique")
    shape = layout.shape
    src = "$.arguments.input"
    src_j = f"{ARGS_J}.input"
    item_path = {} if layout.jsonata else {**layout.key_path(f"{src}.{layout.key_field}"),
                                           **marshal_paths(shape, src), **layout.index_keys_path(src)}
    reason = invalid_jsonata(shape, src_j, "input")
    item_j = ("{% ($t := " + layout.tenant_expr() + "; " + refuse(reason) + "; $merge(["
              + marshal_jsonata(shape, src_j) + ", {"
              + f'"{layout.pk_attr}": {{"S": $t & "{layout.partition_suffix}"}}, '
              + f'"{layout.sk_attr}": {{"S": {layout.sk_expr(f"{src_j}.`{layout.key_field}`")}}}'
              + layout.index_keys_jsonata("$t", src_j) + "}])) %}")
    names = "[" + ", ".join(f'"{f.name}"' for f in shape.fields) + "]"
    task = data_task(layout, "putItem", f"Put{layout.name}",
                 {"TableName": layout.table, "Item": item_path},
                 {"TableName": layout.table, "Item": item_j}, None, reason,
                 jsonata_output="{% $sift(" + src_j + ", function($v, $k){ $k in " + names + " }) %}",
                 # PutItem returns {}: the selector replaces it with the stored fields, read from the execution
                 # input (the guard before this task passes the input on unchanged)
                 path_fields={"result_selector": echo_paths(shape, "$$.Execution.Input.arguments.input")})
    contract = Contract((("input", entity_input(layout.entity, layout.key_field)),),
                        entity_output(layout.entity, layout.key_field))
    return finish(layout, name, task, None, f"Put one {layout.name} of the caller's tenant, under the tenant's role",
                  contract, path_rules(shape, src, "input") if not layout.jsonata else ())


def update_item(layout: TenantTable, name: str, fields: Sequence[str],
                condition: str | None = "attribute_exists(#pk)") -> StateMachine:
    """``update<Entity>(id, input)``: SET the given fields (all required in ``input``); returns the new item.

    ``condition`` may use ``#pk``/``#sk`` for the key attributes; the default refuses to create an
    item (DynamoDB.ConditionalCheckFailedException when it does not exist). A condition without
    ``attribute_exists(#pk)`` (or ``#sk``) may create the item with only the SET fields, so its contract
    says the other fields may be null. Unique fields and the
    fields an index sort key is made from cannot be updated (no constraint record / a stale index key).
    """
    shape = layout.shape
    known = {f.name: f for f in shape.fields}
    if isinstance(fields, str) or not fields:
        raise BuildError("update_item needs a non-empty sequence of field names", rule="appsync-update")
    for f in fields:
        if f not in known:
            raise BuildError(f"{shape.name} has no field {f!r} (fields: {', '.join(known)})", rule="appsync-update")
        if f == layout.key_field:
            raise BuildError(f"{f!r} is the key field; it cannot be updated", rule="appsync-update")
        if f in layout.unique:
            raise BuildError(f"{shape.name}.{f} is unique: an update would leave its constraint record stale; "
                             "write it with appsync.put_unique", rule="appsync-update")
        if f in layout.index_sk_fields():
            raise BuildError(f"{shape.name}.{f} is an index sort key's source: an update would leave the index key "
                             "stale; write it with put_item", rule="appsync-update")
    expression = "SET " + ", ".join(f"#f{i} = :f{i}" for i in range(len(fields)))
    names = {f"#f{i}": f for i, f in enumerate(fields)}
    # DynamoDB refuses ExpressionAttributeNames that the expressions do not use
    names |= {alias: attr for alias, attr in (("#pk", layout.pk_attr), ("#sk", layout.sk_attr))
              if condition is not None and alias in condition}
    values_path = {f":f{i}": field_path(known[f], f"$.arguments.input.{f}", f"{shape.name}.{f}")
                   for i, f in enumerate(fields)} if not layout.jsonata else {}
    changes = required_subset(shape, fields)
    reason = either(key_reason(layout), invalid_jsonata(changes, f"{ARGS_J}.input", "input"))
    values_j = "{% (" + refuse(reason) + "; {" + ", ".join(
        f'":f{i}": {field_jsonata(known[f], f"{ARGS_J}.input.`{f}`")}'
        for i, f in enumerate(fields)) + "}) %}"
    base: dict[str, Any] = {"TableName": layout.table, "UpdateExpression": expression,
                            "ExpressionAttributeNames": names, "ReturnValues": "ALL_NEW"}
    if condition is not None:
        base["ConditionExpression"] = condition
    task = data_task(layout, "updateItem", f"Update{layout.name}",
                 base | {"Key": layout.key_path(), "ExpressionAttributeValues": values_path},
                 base | {"Key": layout.key_jsonata(), "ExpressionAttributeValues": values_j},
                 item_output(layout, "$states.result.Attributes"), reason)
    rules = () if layout.jsonata else (key_rules(f"$.arguments.{layout.key_field}", layout.key_field)
                                       + path_rules(changes, "$.arguments.input", "input"))
    returns = entity_output(layout.entity, layout.key_field)
    if condition is None or not any(f"attribute_exists({a})" in condition for a in ("#pk", "#sk")):
        why = f"update_item may create the item with only {list(fields)} (its condition does not require it to exist)"
        returns = Shape.object(returns.name, [
            (n, m if n in fields or n == layout.key_field or m.nullable else m.or_null(why)) for n, m in returns.fields])
    contract = Contract((key_argument(layout.key_field),
                         ("input", entity_input(layout.entity, layout.key_field, only=fields,
                                                name=f"{layout.name}Changes"))), returns)
    return finish(layout, name, task, item_output(layout, "$states.input.Attributes"),
                  f"Update fields of one {layout.name} of the caller's tenant, under the tenant's role", contract, rules)


def delete_item(layout: TenantTable, name: str) -> StateMachine:
    """``delete<Entity>(id)``: the deleted item as plain JSON, or null when there was none."""
    reason = key_reason(layout)
    task = data_task(layout, "deleteItem", f"Delete{layout.name}",
                 {"TableName": layout.table, "Key": layout.key_path(), "ReturnValues": "ALL_OLD"},
                 {"TableName": layout.table, "Key": layout.key_jsonata(check=refuse(reason)),
                  "ReturnValues": "ALL_OLD"},
                 item_output(layout, "$states.result.Attributes"), reason)
    returns = entity_output(layout.entity, layout.key_field).or_null(
        f"it is null when no {layout.name} had the {layout.key_field}")
    return finish(layout, name, task, item_output(layout, "$states.input.Attributes"),
                  f"Delete one {layout.name} of the caller's tenant, under the tenant's role",
                  Contract((key_argument(layout.key_field),), returns),
                  key_rules(f"$.arguments.{layout.key_field}", layout.key_field))
