"""Resources a test or the demo sets up on the local engine: tables, buckets, roles.

Plain functions (no pytest), so ``workflows demo`` works with the base install; the pytest plugin
re-exports them for users' tests.
"""

from __future__ import annotations

import json
from typing import Any

from workflows.local.engine import LocalEngine

_TRUST_STATES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def create_table(engine: LocalEngine, name: str, pk: str = "pk", sk: str | None = "sk", stream: bool = False) -> str:
    """Create a string-keyed on-demand DynamoDB table (sk=None: hash key only); returns its ARN."""
    keys = [{"AttributeName": pk, "KeyType": "HASH"}]
    attributes = [{"AttributeName": pk, "AttributeType": "S"}]
    if sk:
        keys.append({"AttributeName": sk, "KeyType": "RANGE"})
        attributes.append({"AttributeName": sk, "AttributeType": "S"})
    kwargs: dict[str, Any] = {
        "TableName": name,
        "KeySchema": keys,
        "AttributeDefinitions": attributes,
        "BillingMode": "PAY_PER_REQUEST",
    }
    if stream:
        kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return engine.client("dynamodb").create_table(**kwargs)["TableDescription"]["TableArn"]


def create_bucket(engine: LocalEngine, name: str) -> str:
    """Create an S3 bucket in the engine's region; returns its name."""
    engine.client("s3").create_bucket(Bucket=name)
    return name


def create_role(
    engine: LocalEngine,
    name: str,
    path: str = "/",
    policy_document: dict[str, Any] | None = None,
    trust: dict[str, Any] | None = None,
) -> str:
    """Create an IAM role (trusting Step Functions unless ``trust`` says otherwise) with an
    optional inline policy; returns its ARN."""
    iam = engine.client("iam")
    role = iam.create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(trust or _TRUST_STATES)
    )
    if policy_document is not None:
        iam.put_role_policy(RoleName=name, PolicyName=f"{name}-policy", PolicyDocument=json.dumps(policy_document))
    return role["Role"]["Arn"]
