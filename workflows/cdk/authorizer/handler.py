"""AppSync Lambda authorizer: a valid JWT for a known, active tenant -> that tenant's role ARN and features.

The resolver machines run their data calls under ``resolverContext.tenantRoleArn``; this function is
the only place that value comes from, and it comes from the tenants table (written by
tenant-stack-create), never from the token. Every failure answers ``isAuthorized: false`` and logs
the reason: a caller learns nothing about why it was refused.

Features (feature gates, workflows/patterns/appsync/features.py): the tenant record's ``features``
attribute (a string set or a list of strings, written by whoever manages tenants) becomes ONE string,
``resolverContext.features``: sorted, comma-delimited, a comma at each end (``",export,reports,"``;
``","`` for none or no attribute), because resolverContext holds flat string values only. A stored name
that is not 1-64 letters, digits, ``_`` or ``-`` is dropped and logged: a comma in it would forge a second
feature, a ``*`` would match others in the machines' StringMatches. This is a copy of
``features.encode_features`` (this asset is deployed without the workflows package); a test keeps them equal.

Configuration (environment): JWKS (the issuer's JSON Web Key Set, JSON text; given at deploy time so
no call to the issuer is made per request), ISSUER, AUDIENCE, TENANTS_TABLE, TENANT_CLAIM (default
``tenantId``), TTL_SECONDS (default 300).
"""

from __future__ import annotations

import json
import logging
import os
import re
from typing import Any

import boto3

try:  # as deployed, the asset folder is the Lambda's root
    from rs256 import TokenError, decode
except ImportError:  # imported as a package in the tests
    from workflows.cdk.authorizer.rs256 import TokenError, decode

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
DENY: dict[str, Any] = {"isAuthorized": False}
FEATURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")


class NotAuthorized(Exception):
    """The tenant is unknown or not active, or the configuration is incomplete."""


def _config(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise NotAuthorized(f"environment variable {name} is not set")
    return value


def _tenant(tenant_id: str) -> dict[str, Any]:
    table = boto3.resource("dynamodb").Table(_config("TENANTS_TABLE"))
    item = table.get_item(Key={"pk": tenant_id}, ConsistentRead=True).get("Item")
    if item is None:
        raise NotAuthorized(f"tenant {tenant_id!r} is not in the tenants table")
    if item.get("status") != "ACTIVE" or not item.get("tenantRoleArn"):
        raise NotAuthorized(f"tenant {tenant_id!r} is {item.get('status')!r} without an active role")
    return item


def encode_features(tenant_id: str, stored: Any) -> str:
    """The tenant record's ``features`` (set or list of strings) as resolverContext carries it."""
    if stored is None:
        return ","
    if not isinstance(stored, (set, frozenset, list, tuple)):
        LOG.warning("tenant %r: features is a %s, not a set or list of strings; granting none",
                    tenant_id, type(stored).__name__)
        return ","
    names = set()
    for name in stored:
        if isinstance(name, str) and FEATURE_NAME.match(name):
            names.add(name)
        else:
            LOG.warning("tenant %r: feature name %r is not 1-64 of A-Za-z0-9_- ; dropped", tenant_id, name)
    return ",".join(["", *sorted(names), ""])


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """The authorizer's answer for one AppSync request event."""
    token = str(event.get("authorizationToken") or "")
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    claims = decode(token, json.loads(_config("JWKS")), issuer=_config("ISSUER"), audience=_config("AUDIENCE"))
    tenant_id = claims.get(os.environ.get("TENANT_CLAIM") or "tenantId")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise NotAuthorized("the token carries no tenant id")
    tenant = _tenant(tenant_id)
    return {
        "isAuthorized": True,
        "resolverContext": {"tenantId": tenant_id, "tenantRoleArn": str(tenant["tenantRoleArn"]),
                            "features": encode_features(tenant_id, tenant.get("features"))},
        "ttlOverride": int(os.environ.get("TTL_SECONDS") or 300),
    }


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point: any failure (bad token, unknown tenant, AWS error) is a plain deny."""
    try:
        return authorize(event)
    except (TokenError, NotAuthorized) as exc:
        LOG.info("denied: %s", exc)
    except Exception:  # noqa: BLE001 - an authorizer must fail closed on anything unexpected
        LOG.exception("denied after an unexpected error")
    return dict(DENY)
