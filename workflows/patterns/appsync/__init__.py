"""Lambda-less AppSync resolvers: one EXPRESS machine per GraphQL field, run under the caller's tenant role.

Why: AppSync's direct DynamoDB integration cannot be scoped to a tenant, but a Step Functions task can
run under the tenant's role (``Credentials``) that the Lambda authorizer put in ``resolverContext``.
Reading another tenant's key is then an AccessDenied from IAM, not a leak.

The modules, one job each: ``layout`` (the table's key layout and the tenant context), ``arguments``
(argument checks before any call), ``marshal`` (JSON to DynamoDB JSON on the write path),
``resolver`` (the shared guard, Catch and task), ``items`` (get/put/update/delete), ``query`` (pages),
``unique`` (unique fields and their cleanup), ``normalize`` (how unique values are compared), ``js`` (the
generated APPSYNC_JS resolver), ``contract`` (what each machine reads and returns, recorded on it),
``conformance`` (a GraphQL schema held to those contracts, graphql-core parsing) and ``sdl`` (a schema
written from them).
This package is their facade: ``from workflows.patterns import appsync; appsync.get_item(...)``.
"""

from __future__ import annotations

from workflows.patterns.appsync.arguments import INVALID_ARGUMENT
from workflows.patterns.appsync.items import delete_item, get_item, put_item, update_item
from workflows.patterns.appsync.layout import (MISSING_CONTEXT, PARTITION_TENANT, PARTITION_TENANT_ENTITY,
                                               ROLE_ARN_KEY, TENANT_ID_KEY, SecondaryIndex, TenantTable)
from workflows.patterns.appsync.normalize import Normalize
from workflows.patterns.appsync.query import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PageShape, query_items, query_page
from workflows.patterns.appsync.contract import Contract, contract_of
from workflows.patterns.appsync.resolver import ACCESS_DENIED, NOT_FOUND, guard, item_output, rejected
from workflows.patterns.appsync.unique import (ALREADY_EXISTS, CLEANUP_FAILED, MALFORMED_RECORD, UNIQUE_VIOLATION,
                                               cleanup_filter, constraint_key, put_unique, unique_cleanup)

__all__ = ["get_item", "put_item", "update_item", "delete_item", "query_items", "query_page", "PageShape", "put_unique",
           "unique_cleanup", "cleanup_filter", "constraint_key", "Normalize", "guard", "rejected", "item_output",
           "TenantTable", "SecondaryIndex", "DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "INVALID_ARGUMENT", "MISSING_CONTEXT",
           "UNIQUE_VIOLATION", "ALREADY_EXISTS", "CLEANUP_FAILED", "MALFORMED_RECORD", "PARTITION_TENANT",
           "PARTITION_TENANT_ENTITY", "TENANT_ID_KEY", "ROLE_ARN_KEY", "ACCESS_DENIED", "NOT_FOUND", "Contract",
           "contract_of"]
