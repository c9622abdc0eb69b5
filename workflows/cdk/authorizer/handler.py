"""AppSync Lambda authorizer: a valid JWT for a known, active tenant -> that tenant's role ARN.

The resolver machines run their data calls under ``resolverContext.tenantRoleArn``; this function is
the only place that value comes from, and it comes from the tenants table (written by
tenant-stack-create), never from the token. Every failure answers ``isAuthorized: false`` and logs
the reason: a caller learns nothing about why it was refused.

Configuration (environment): JWKS (the issuer's JSON Web Key Set, JSON text; given at deploy time so
no call to the issuer is made per request), ISSUER, AUDIENCE, TENANTS_TABLE, TENANT_CLAIM (default
``tenantId``), TTL_SECONDS (default 300).
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

try:  # as deployed, the asset folder is the Lambda's root
    from rs256 import TokenError, decode
except ImportError:  # imported as a package in the tests
    from workflows.cdk.authorizer.rs256 import TokenError, decode

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)
DENY: dict[str, Any] = {"isAuthorized": False}


class NotAuthorized(Exception):
    """The tenant is unknown or not active, or the configuration is incomplete."""


def _config(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise NotAuthorized(f"environment variable {name} is not set")
    return value


def _tenant_role(tenant_id: str) -> str:
    table = boto3.resource("dynamodb").Table(_config("TENANTS_TABLE"))
    item = table.get_item(Key={"pk": tenant_id}, ConsistentRead=True).get("Item")
    if item is None:
        raise NotAuthorized(f"tenant {tenant_id!r} is not in the tenants table")
    if item.get("status") != "ACTIVE" or not item.get("tenantRoleArn"):
        raise NotAuthorized(f"tenant {tenant_id!r} is {item.get('status')!r} without an active role")
    return str(item["tenantRoleArn"])


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """The authorizer's answer for one AppSync request event."""
    token = str(event.get("authorizationToken") or "")
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    claims = decode(token, json.loads(_config("JWKS")), issuer=_config("ISSUER"), audience=_config("AUDIENCE"))
    tenant_id = claims.get(os.environ.get("TENANT_CLAIM") or "tenantId")
    if not isinstance(tenant_id, str) or not tenant_id:
        raise NotAuthorized("the token carries no tenant id")
    return {
        "isAuthorized": True,
        "resolverContext": {"tenantId": tenant_id, "tenantRoleArn": _tenant_role(tenant_id)},
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
