"""Unit tests of the IAM policy evaluator, the call-to-request mapping and the importer pin."""

from __future__ import annotations

from typing import Any

import pytest

from workflows.local.adaptations import credentials
from workflows.local.iam.policy import (
    Decision,
    PolicyDocumentError,
    Request,
    TrustPrincipals,
    conditions_met,
    evaluate,
    glob_match,
    trust_allows,
)
from workflows.local.iam.requests import CallSite, RequestMappingError, requests_for_call
from workflows.local.iam.roles import TaskRoleError, parse_role_arn

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/data"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def decide(policies: list[dict[str, Any]], action: str, resource: str = TABLE, **context: Any) -> Decision:
    return evaluate(policies, Request(action, resource, context)).decision


def test_explicit_deny_wins_over_allow_in_another_policy() -> None:
    policies = [policy(allow("dynamodb:*")), policy({"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": "*"})]
    assert decide(policies, "dynamodb:GetItem") is Decision.ALLOWED
    assert decide(policies, "dynamodb:DeleteItem") is Decision.EXPLICIT_DENY


def test_nothing_matching_is_an_implicit_deny() -> None:
    assert decide([policy(allow("s3:GetObject"))], "dynamodb:GetItem") is Decision.IMPLICIT_DENY
    assert decide([], "dynamodb:GetItem") is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(("pattern", "action", "hit"), [
    ("dynamodb:*", "dynamodb:GetItem", True),
    ("dynamodb:Get*", "dynamodb:GetItem", True),
    ("dynamodb:Get*", "dynamodb:PutItem", False),
    ("DynamoDB:getitem", "dynamodb:GetItem", True),  # actions are case-insensitive
    ("dynamodb:?etItem", "dynamodb:GetItem", True),
    ("*", "s3:GetObject", True),
])
def test_wildcard_actions(pattern: str, action: str, hit: bool) -> None:
    expected = Decision.ALLOWED if hit else Decision.IMPLICIT_DENY
    assert decide([policy(allow(pattern))], action) is expected


def test_not_action_allows_everything_else() -> None:
    policies = [policy({"Effect": "Allow", "NotAction": ["dynamodb:Delete*"], "Resource": "*"})]
    assert decide(policies, "dynamodb:GetItem") is Decision.ALLOWED
    assert decide(policies, "dynamodb:DeleteItem") is Decision.IMPLICIT_DENY


def test_resource_wildcards_and_not_resource() -> None:
    policies = [policy(allow("s3:GetObject", "arn:aws:s3:::bucket/tenant-a/*"))]
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/tenant-a/x/y.json") is Decision.ALLOWED
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/tenant-b/x.json") is Decision.IMPLICIT_DENY
    # resource matching is case-sensitive and '.' is literal
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/TENANT-A/x") is Decision.IMPLICIT_DENY
    assert not glob_match("arn:aws:s3:::a.b", "arn:aws:s3:::aXb")
    deny_others = [policy(allow("s3:*"), {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::bucket/tenant-a/*"})]
    assert decide(deny_others, "s3:PutObject", "arn:aws:s3:::bucket/tenant-b/k") is Decision.EXPLICIT_DENY
    assert decide(deny_others, "s3:PutObject", "arn:aws:s3:::bucket/tenant-a/k") is Decision.ALLOWED


TENANT_CONDITION = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["t1", "t1#*"]}}


@pytest.mark.parametrize(("keys", "hit"), [
    (["t1"], True),
    (["t1#order#9"], True),
    (["t1", "t1#x"], True),
    (["t1", "t2"], False),  # every value must match
    (["t10"], False),
    ([], True),  # ForAllValues over no values is true (AWS's documented behaviour)
])
def test_for_all_values_string_like_on_leading_keys(keys: list[str], hit: bool) -> None:
    assert conditions_met(TENANT_CONDITION, {"dynamodb:LeadingKeys": keys}) is hit


def test_for_all_values_is_true_when_key_absent_but_for_any_value_is_false() -> None:
    assert conditions_met(TENANT_CONDITION, {}) is True
    assert conditions_met({"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["t1"]}}, {}) is False
    assert conditions_met({"ForAnyValue:StringEquals": {"dynamodb:LeadingKeys": ["t1"]}},
                          {"dynamodb:LeadingKeys": ["t2", "t1"]}) is True


@pytest.mark.parametrize(("condition", "context", "hit"), [
    ({"StringEquals": {"s3:prefix": "a/"}}, {"s3:prefix": ["a/"]}, True),
    ({"StringEquals": {"s3:prefix": "a/"}}, {"s3:prefix": ["A/"]}, False),
    ({"StringEquals": {"s3:prefix": "a/"}}, {}, False),  # missing key never matches
    ({"StringEqualsIfExists": {"s3:prefix": "a/"}}, {}, True),
    ({"StringEqualsIgnoreCase": {"s3:prefix": "a/"}}, {"s3:prefix": ["A/"]}, True),
    ({"StringNotEquals": {"s3:prefix": ["a/", "b/"]}}, {"s3:prefix": ["c/"]}, True),
    ({"StringNotEquals": {"s3:prefix": ["a/", "b/"]}}, {"s3:prefix": ["b/"]}, False),
    ({"StringLike": {"s3:prefix": "tenant-?/*"}}, {"s3:prefix": ["tenant-a/x"]}, True),
    ({"StringNotLike": {"s3:prefix": "tenant-a/*"}}, {"s3:prefix": ["tenant-b/x"]}, True),
    ({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["t1"]}}, {"dynamodb:LeadingKeys": ["t1"]}, True),
    ({"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["t1"]}}, {"dynamodb:LeadingKeys": ["t1#a"]}, False),
    ({"NumericLessThan": {"dynamodb:Limit": "10"}}, {"dynamodb:Limit": ["5"]}, True),
    ({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": ["true"]}, True),
    ({"Null": {"aws:PrincipalTag/TenantId": "true"}}, {}, True),
    ({"Null": {"aws:PrincipalTag/TenantId": "false"}}, {}, False),
    # keys are case-insensitive; both operators must hold
    ({"StringEquals": {"S3:Prefix": "a/"}, "StringLike": {"s3:prefix": "b*"}}, {"s3:prefix": ["a/"]}, False),
])
def test_condition_operators(condition: dict[str, Any], context: dict[str, list[str]], hit: bool) -> None:
    assert conditions_met(condition, context) is hit


def test_condition_on_deny_only_denies_when_met() -> None:
    policies = [policy(allow("dynamodb:*"), {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*",
                                             "Condition": {"ForAnyValue:StringNotLike": {"dynamodb:LeadingKeys": ["t1*"]}}})]
    assert decide(policies, "dynamodb:GetItem", **{"dynamodb:LeadingKeys": ["t1"]}) is Decision.ALLOWED
    assert decide(policies, "dynamodb:GetItem", **{"dynamodb:LeadingKeys": ["t2"]}) is Decision.EXPLICIT_DENY


def test_principal_tag_policy_variables_in_resource_and_condition() -> None:
    policies = [policy(
        allow("s3:GetObject", "arn:aws:s3:::bucket/${aws:PrincipalTag/TenantId}/*"),
        allow("dynamodb:GetItem", TABLE, Condition={
            "ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["${aws:PrincipalTag/TenantId}#*"]}}),
    )]
    tagged = {"aws:PrincipalTag/TenantId": ["t1"]}
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/t1/k", **tagged) is Decision.ALLOWED
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/t2/k", **tagged) is Decision.IMPLICIT_DENY
    assert decide(policies, "dynamodb:GetItem", **tagged, **{"dynamodb:LeadingKeys": ["t1#a"]}) is Decision.ALLOWED
    assert decide(policies, "dynamodb:GetItem", **tagged, **{"dynamodb:LeadingKeys": ["t2#a"]}) is Decision.IMPLICIT_DENY
    # an unresolvable variable matches nothing (it is not treated as a wildcard)
    assert decide(policies, "s3:GetObject", "arn:aws:s3:::bucket/t1/k") is Decision.IMPLICIT_DENY


@pytest.mark.parametrize(("document", "message"), [
    ({"Statement": [{"Effect": "Maybe", "Action": "*", "Resource": "*"}]}, "Effect must be Allow or Deny"),
    ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "exactly one of Action / NotAction"),
    ({"Version": "2012-10-17"}, "no Statement"),
    (policy(allow("*", Condition={"DateLessThan": {"aws:CurrentTime": "2030-01-01"}})), "unsupported condition operator"),
])
def test_malformed_or_unsupported_policies_raise_a_named_error(document: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyDocumentError, match=message):
        evaluate([document], Request("dynamodb:GetItem", TABLE))


EXEC = "arn:aws:iam::123456789012:role/sfn-exec"
WHO = TrustPrincipals(aws=frozenset({EXEC, "123456789012"}), service=frozenset({"states.amazonaws.com"}))


@pytest.mark.parametrize(("principal", "allowed"), [
    ({"AWS": EXEC}, True),
    ({"AWS": "arn:aws:iam::123456789012:root"}, True),
    ({"AWS": "123456789012"}, True),
    ({"Service": "states.amazonaws.com"}, True),
    ({"Service": ["lambda.amazonaws.com"]}, False),
    ({"AWS": "arn:aws:iam::999999999999:root"}, False),
    ("*", True),
])
def test_trust_policy_principals(principal: Any, allowed: bool) -> None:
    doc = policy({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    assert trust_allows(doc, WHO).allowed is allowed


def test_trust_policy_deny_wins() -> None:
    doc = policy({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"},
                 {"Effect": "Deny", "Principal": {"AWS": EXEC}, "Action": "sts:*"})
    assert trust_allows(doc, WHO).decision is Decision.EXPLICIT_DENY


@pytest.mark.parametrize(("value", "error"), [
    ("not-an-arn", "States.TaskFailed"),
    ("arn:aws:iam::12345:role/x", "States.TaskFailed"),
    ("arn:aws:iam::123456789012:user/x", "States.TaskFailed"),
    ("arn:aws:iam::123456789012:role/", "States.TaskFailed"),
    ("arn:aws:iam::123456789012:role/x\n", "States.TaskFailed"),  # AWS matches the whole string
    ("arn:aws:iam::123456789012:role/caf\u00e9", "States.TaskFailed"),  # IAM's \w is ASCII
    (42, "States.Runtime"),
    (None, "States.Runtime"),
])
def test_role_arn_shape(value: object, error: str) -> None:
    with pytest.raises(TaskRoleError) as info:
        parse_role_arn(value)
    assert info.value.error == error


@pytest.mark.parametrize(("pattern", "value", "hit"), [
    ("acme", "acme\n", False),   # a trailing newline is a character like any other
    ("acme", "acme\r\n", False),
    ("acme", "\nacme", False),
    ("acme#*", "acme#1\n", True),  # '*' spans any characters, a newline included
    ("acme?", "acme\n", True),
])
def test_string_like_matches_the_whole_value(pattern: str, value: str, hit: bool) -> None:
    """AWS matches StringLike/ArnLike (and Action/Resource) patterns against the whole value."""
    assert glob_match(pattern, value) is hit
    assert conditions_met({"StringLike": {"k": pattern}}, {"k": [value]}) is hit


def test_leading_keys_with_a_trailing_newline_are_another_tenants() -> None:
    keys = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["acme", "acme#*"]}}
    tenant = [policy(allow("dynamodb:GetItem", TABLE, Condition=keys))]
    assert decide(tenant, "dynamodb:GetItem", **{"dynamodb:LeadingKeys": ["acme"]}) is Decision.ALLOWED
    assert decide(tenant, "dynamodb:GetItem", **{"dynamodb:LeadingKeys": ["acme\n"]}) is Decision.IMPLICIT_DENY
    assert decide(tenant, "dynamodb:GetItem", TABLE + "\n", **{"dynamodb:LeadingKeys": ["acme"]}) \
        is Decision.IMPLICIT_DENY
    assert decide([policy(allow("dynamodb:GetItem"))], "dynamodb:GetItem\n") is Decision.IMPLICIT_DENY


def test_role_arn_with_path_parses() -> None:
    match = parse_role_arn("arn:aws:iam::123456789012:role/tenant-role/t1")
    assert (match["account"], match["path"], match["name"]) == ("123456789012", "/tenant-role/", "t1")


SITE = CallSite("aws", "us-east-1", "123456789012")


def keys(table: str, index: str | None) -> str:
    return {"data": "pk", "data/gsi1": "gsi1pk"}[f"{table}/{index}" if index else table]


def test_dynamodb_item_calls_carry_their_leading_key() -> None:
    (req,) = requests_for_call("dynamodb", "GetItem", {"TableName": "data", "Key": {"pk": {"S": "t1"}, "sk": {"S": "x"}}}, SITE, keys)
    assert (req.action, req.resource, req.context) == ("dynamodb:GetItem", TABLE, {"dynamodb:LeadingKeys": ["t1"]})
    (put,) = requests_for_call("dynamodb", "PutItem", {"TableName": "data", "Item": {"pk": {"N": "7"}}}, SITE, keys)
    assert put.context == {"dynamodb:LeadingKeys": ["7"]}


@pytest.mark.parametrize(("params", "leading"), [
    ({"KeyConditionExpression": "#p = :v AND sk > :s", "ExpressionAttributeNames": {"#p": "pk"},
      "ExpressionAttributeValues": {":v": {"S": "t2"}, ":s": {"S": "a"}}}, ["t2"]),
    ({"KeyConditionExpression": ":v = pk", "ExpressionAttributeValues": {":v": {"S": "t3"}}}, ["t3"]),
    ({"KeyConditions": {"pk": {"AttributeValueList": [{"S": "t4"}], "ComparisonOperator": "EQ"}}}, ["t4"]),
])
def test_query_leading_key_from_key_condition(params: dict[str, Any], leading: list[str]) -> None:
    (req,) = requests_for_call("dynamodb", "Query", {"TableName": "data", **params}, SITE, keys)
    assert req.context == {"dynamodb:LeadingKeys": leading}


def test_query_on_index_uses_index_partition_key_and_arn() -> None:
    params = {"TableName": "data", "IndexName": "gsi1", "KeyConditionExpression": "gsi1pk = :v",
              "ExpressionAttributeValues": {":v": {"S": "t1"}}}
    (req,) = requests_for_call("dynamodb", "Query", params, SITE, keys)
    assert req.resource == f"{TABLE}/index/gsi1"
    assert req.context == {"dynamodb:LeadingKeys": ["t1"]}


def test_query_without_partition_key_equality_is_a_named_error() -> None:
    with pytest.raises(RequestMappingError, match="no equality on partition key 'pk'"):
        requests_for_call("dynamodb", "Query", {"TableName": "data", "KeyConditionExpression": "sk = :v",
                                                "ExpressionAttributeValues": {":v": {"S": "x"}}}, SITE, keys)


def test_transact_and_batch_calls_become_one_check_per_element_or_table() -> None:
    transact = {"TransactItems": [
        {"Put": {"TableName": "data", "Item": {"pk": {"S": "t1"}}}},
        {"Update": {"TableName": "data", "Key": {"pk": {"S": "t2"}}}},
        {"ConditionCheck": {"TableName": "data", "Key": {"pk": {"S": "t1"}}}},
    ]}
    reqs = requests_for_call("dynamodb", "TransactWriteItems", transact, SITE, keys)
    assert [(r.action, r.context["dynamodb:LeadingKeys"]) for r in reqs] == [
        ("dynamodb:PutItem", ["t1"]), ("dynamodb:UpdateItem", ["t2"]), ("dynamodb:ConditionCheckItem", ["t1"])]
    batch = {"RequestItems": {"data": {"Keys": [{"pk": {"S": "t1"}}, {"pk": {"S": "t2"}}]}}}
    (req,) = requests_for_call("dynamodb", "BatchGetItem", batch, SITE, keys)
    assert (req.action, req.context) == ("dynamodb:BatchGetItem", {"dynamodb:LeadingKeys": ["t1", "t2"]})


def test_s3_calls_map_to_iam_actions_resources_and_prefix() -> None:
    (get,) = requests_for_call("s3", "HeadObject", {"Bucket": "b", "Key": "t1/k"}, SITE, keys)
    assert (get.action, get.resource) == ("s3:GetObject", "arn:aws:s3:::b/t1/k")
    (lst,) = requests_for_call("s3", "ListObjectsV2", {"Bucket": "b", "Prefix": "t1/"}, SITE, keys)
    assert (lst.action, lst.resource, lst.context) == ("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": ["t1/"]})


def test_every_moto_importer_of_boto_client_for_is_pinned() -> None:
    """Fails when a moto upgrade adds/removes a module that builds task clients by name."""
    assert credentials.find_importers() == sorted(credentials.PINNED_IMPORTERS)


def test_install_rebinds_every_pinned_importer() -> None:
    import importlib

    credentials.install()
    for name in credentials.PINNED_IMPORTERS:
        assert credentials._patching.is_patched(importlib.import_module(name).boto_client_for), name
