"""Turn one service call into the IAM requests AWS authorizes before running it.

The request context is what the policies of a tenant role are written against: the IAM action
(``dynamodb:GetItem``), the resource ARN (table, index, bucket, object, stack) and condition keys
such as ``dynamodb:LeadingKeys`` (the partition-key values the call touches) or ``s3:prefix``.
A call can need several checks: ``TransactWriteItems`` is authorized per element as
``dynamodb:PutItem`` / ``UpdateItem`` / ``DeleteItem`` / ``ConditionCheckItem`` on its table, and
a batch per table. Services we do not model get ``<prefix>:<Operation>`` on the ARN found in an
``...Arn`` parameter, else on ``*`` (so only ``Resource: "*"`` statements can allow them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from workflows.local.iam.policy import Request

# (table name, index name or None) -> partition-key attribute name
PartitionKeyLookup = Callable[[str, "str | None"], str]


class RequestMappingError(ValueError):
    """A service call's parameters cannot be mapped to an IAM request (e.g. no partition key)."""


@dataclass(frozen=True)
class CallSite:
    """Where a call is authorized: partition/region/account used to build resource ARNs."""

    partition: str
    region: str
    account: str


_KEY_EQUALS = re.compile(r"(#?[A-Za-z0-9_.\-]+)\s*=\s*(:[A-Za-z0-9_]+)")
_EQUALS_KEY = re.compile(r"(:[A-Za-z0-9_]+)\s*=\s*(#?[A-Za-z0-9_.\-]+)")


def _scalar(attribute_value: Any) -> str:
    """The string form IAM sees of a typed DynamoDB value ({"S": "t1"} -> "t1")."""
    if isinstance(attribute_value, Mapping) and len(attribute_value) == 1:
        (kind, value), = attribute_value.items()
        if kind in ("S", "N", "B"):
            return value.decode() if isinstance(value, bytes) else str(value)
    raise RequestMappingError(f"partition key value {attribute_value!r} is not a typed S/N/B value")


def _leading_from_item(item: Mapping[str, Any], hash_key: str, where: str) -> str:
    if hash_key not in item:
        raise RequestMappingError(f"{where} has no value for partition key {hash_key!r}")
    return _scalar(item[hash_key])


def _leading_from_query(params: Mapping[str, Any], hash_key: str) -> list[str]:
    if "KeyConditions" in params:
        cond = params["KeyConditions"].get(hash_key)
        if not cond:
            raise RequestMappingError(f"KeyConditions has no condition on partition key {hash_key!r}")
        return [_scalar(v) for v in cond.get("AttributeValueList", [])]
    expression = params.get("KeyConditionExpression")
    if not expression:
        raise RequestMappingError("Query has neither KeyConditionExpression nor KeyConditions")
    names = params.get("ExpressionAttributeNames") or {}
    values = params.get("ExpressionAttributeValues") or {}
    pairs = [(n, v) for n, v in _KEY_EQUALS.findall(expression)]
    pairs += [(n, v) for v, n in _EQUALS_KEY.findall(expression)]
    found = [values[v] for n, v in pairs if names.get(n, n) == hash_key and v in values]
    if not found:
        raise RequestMappingError(
            f"KeyConditionExpression {expression!r} has no equality on partition key {hash_key!r}"
        )
    return [_scalar(v) for v in found]


def _table_arn(site: CallSite, table: str, index: str | None = None) -> str:
    arn = f"arn:{site.partition}:dynamodb:{site.region}:{site.account}:table/{table}"
    return f"{arn}/index/{index}" if index else arn


def _dynamodb_requests(
    operation: str, params: Mapping[str, Any], site: CallSite, partition_key: PartitionKeyLookup
) -> list[Request]:
    def one(action: str, table: str, leading: list[str] | None, index: str | None = None) -> Request:
        context = {"dynamodb:LeadingKeys": leading} if leading is not None else {}
        return Request(f"dynamodb:{action}", _table_arn(site, table, index), context)

    if operation in ("GetItem", "DeleteItem", "UpdateItem"):
        table = params["TableName"]
        key = _leading_from_item(params.get("Key") or {}, partition_key(table, None), f"{operation} Key")
        return [one(operation, table, [key])]
    if operation == "PutItem":
        table = params["TableName"]
        key = _leading_from_item(params.get("Item") or {}, partition_key(table, None), "PutItem Item")
        return [one(operation, table, [key])]
    if operation == "Query":
        table, index = params["TableName"], params.get("IndexName")
        return [one(operation, table, _leading_from_query(params, partition_key(table, index)), index)]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        checks = []
        for table, spec in (params.get("RequestItems") or {}).items():
            hash_key = partition_key(table, None)
            if operation == "BatchGetItem":
                items = [(k, "BatchGetItem Keys") for k in spec.get("Keys", [])]
            else:
                items = [
                    (w["PutRequest"]["Item"], "PutRequest Item") if "PutRequest" in w
                    else (w["DeleteRequest"]["Key"], "DeleteRequest Key")
                    for w in spec
                ]
            checks.append(one(operation, table, [_leading_from_item(i, hash_key, where) for i, where in items]))
        return checks
    if operation in ("TransactWriteItems", "TransactGetItems"):
        actions = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                   "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}
        checks = []
        for element in params.get("TransactItems") or []:
            (kind, spec), = element.items()
            table = spec["TableName"]
            item = spec.get("Item") if kind == "Put" else spec.get("Key")
            key = _leading_from_item(item or {}, partition_key(table, None), f"{operation} {kind}")
            checks.append(one(actions[kind], table, [key]))
        return checks
    if "TableName" in params:
        return [one(operation, params["TableName"], None, params.get("IndexName"))]
    return [Request(f"dynamodb:{operation}", "*", {})]


# S3 operations whose IAM action differs from the operation name.
_S3_ACTIONS = {
    "HeadObject": "GetObject",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
}


def _s3_requests(operation: str, params: Mapping[str, Any], site: CallSite) -> list[Request]:
    bucket = params.get("Bucket")
    if not bucket:
        return [Request(f"s3:{operation}", "*", {})]
    action = f"s3:{_S3_ACTIONS.get(operation, operation)}"
    if operation == "CopyObject":
        source = params["CopySource"]
        source = f"{source['Bucket']}/{source['Key']}" if isinstance(source, Mapping) else source.lstrip("/")
        return [
            Request("s3:GetObject", f"arn:{site.partition}:s3:::{source}", {}),
            Request("s3:PutObject", f"arn:{site.partition}:s3:::{bucket}/{params['Key']}", {}),
        ]
    if "Key" in params:
        return [Request(action, f"arn:{site.partition}:s3:::{bucket}/{params['Key']}", {})]
    context = {"s3:prefix": [params["Prefix"]]} if "Prefix" in params else {}
    return [Request(action, f"arn:{site.partition}:s3:::{bucket}", context)]


def _cloudformation_requests(operation: str, params: Mapping[str, Any], site: CallSite) -> list[Request]:
    name = params.get("StackName")
    if not name:
        return [Request(f"cloudformation:{operation}", "*", {})]
    arn = name if name.startswith("arn:") else f"arn:{site.partition}:cloudformation:{site.region}:{site.account}:stack/{name}/*"
    return [Request(f"cloudformation:{operation}", arn, {})]


def requests_for_call(
    iam_prefix: str,
    operation: str,
    params: Mapping[str, Any],
    site: CallSite,
    partition_key: PartitionKeyLookup,
) -> list[Request]:
    """All IAM requests that must be allowed for ``operation`` with ``params`` to run."""
    if iam_prefix == "dynamodb":
        return _dynamodb_requests(operation, params, site, partition_key)
    if iam_prefix == "s3":
        return _s3_requests(operation, params, site)
    if iam_prefix == "cloudformation":
        return _cloudformation_requests(operation, params, site)
    arns = [v for k, v in params.items() if k.endswith("Arn") and isinstance(v, str)]
    return [Request(f"{iam_prefix}:{operation}", arns[0] if arns else "*", {})]
