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

Caching: AppSync keeps an authorizer's answer for ``ttlOverride`` seconds and does not call it again for
that token meanwhile. The answer is cached for the token's remaining lifetime, capped at TTL_SECONDS: a
token with 5 s left is cached 5 s, never longer than it is valid, and one with under a second left is not
cached (``ttlOverride: 0``). The cap is also how long a tenant that was suspended or deleted keeps working
for a token whose answer was cached just before: that window is at most TTL_SECONDS.

Configuration (environment): JWKS (the issuer's JSON Web Key Set, JSON text; given at deploy time so
no call to the issuer is made per request), ISSUER, AUDIENCE, TENANTS_TABLE, TENANT_CLAIM (default
``tenantId``), TTL_SECONDS (the longest cache time, default 300; 0 caches nothing).
"""

from __future__ import annotations

import json
import logging
import math
import os
import re
import time
from typing import Any

import boto3

try:  # as deployed, the asset folder is the Lambda's root
    from rs256 import TokenError, decode, numeric_date
except ImportError:  # imported as a package in the tests
    from workflows.cdk.authorizer.rs256 import TokenError, decode, numeric_date

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


def cache_seconds(claims: dict[str, Any], maximum: int, now: float) -> int:
    """How long AppSync may cache this answer: the token's whole seconds left, at most ``maximum``.

    Under one second left gives 0, which AppSync reads as "do not cache" (LambdaAuthorizerConfig,
    authorizerResultTtlInSeconds: "0 ... disables caching"; ttlOverride overrides it per answer).
    """
    exp = numeric_date(claims, "exp")
    if exp is None or exp <= now:  # decode refuses such a token; kept closed for any other caller
        return 0
    if exp - maximum > now:  # compared exactly: exp may be an int too large for a float (10**400)
        return maximum
    return math.floor(exp - now)


def _max_ttl() -> int:
    value = int(os.environ.get("TTL_SECONDS") or 300)
    if not 0 <= value <= 3600:  # AppSync's range for ttlOverride
        raise NotAuthorized(f"TTL_SECONDS={value} is outside 0..3600")
    return value


def authorize(event: dict[str, Any], now: float | None = None) -> dict[str, Any]:
    """The authorizer's answer for one AppSync request event."""
    moment = time.time() if now is None else now
    token = str(event.get("authorizationToken") or "")
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    claims = decode(token, json.loads(_config("JWKS")), issuer=_config("ISSUER"), audience=_config("AUDIENCE"),
                    now=moment)
    tenant_id = claims.get(os.environ.get("TENANT_CLAIM") or "tenantId")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise NotAuthorized("the token carries no tenant id")
    tenant = _tenant(tenant_id)
    return {
        "isAuthorized": True,
        "resolverContext": {"tenantId": tenant_id, "tenantRoleArn": str(tenant["tenantRoleArn"]),
                            "features": encode_features(tenant_id, tenant.get("features"))},
        "ttlOverride": cache_seconds(claims, _max_ttl(), moment),
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
