"""Tenant stack lifecycle: one CloudFormation stack per tenant, created, deleted and updated by
STANDARD machines that poll CloudFormation (no Lambda).

Why these shapes:
- The tenant id becomes the stack name (``tenant-<id>``), and CloudFormation allows only letters,
  digits and hyphens there, so create checks the id first (``TenantStack.InvalidTenantId``) rather
  than register a tenant whose stack can never exist. Every CreateStack error is classified:
  throttling is retried, AlreadyExists adopts the stack, anything else is recorded on the tenant
  (CREATE_FAILED with its reason) before the execution fails, so no tenant stays CREATING silently.
- The tenants table item (pk = tenant id) is written when creation *starts* (status CREATING) so an
  update that runs meanwhile finds the tenant and waits for its stack instead of skipping it: a
  CREATING tenant whose stack does not exist yet (CreateStack not yet accepted) is polled with
  backoff, at most ``MISSING_POLLS`` times, before it is reported failed. The role ARN is added
  once the stack is CREATE_COMPLETE (that is what the AppSync authorizer reads).
- Delete marks only a tenant the table knows (``attribute_exists(pk)``): deleting an unknown tenant,
  or deleting twice, succeeds without inventing a row.
- The role name is ``States.UUID()``: a name derived from the tenant id would let anyone who knows
  a tenant id guess its role ARN.
- Update-all pages the table; each page goes to a Distributed Map whose iterations are child
  executions, so the parent's history grows with pages, not tenants (STANDARD caps at 25,000
  events). Each child turns every outcome into a record and never fails, so one tenant's failure
  never stops the others. ``mode="INLINE"`` exists only for the bench's comparison.
"""

from workflows.patterns.tenant_stacks.common import (
    ALREADY_EXISTS, CREATE_FAILED, DELETE_FAILED, INVALID_TENANT_ID, MISSING_POLLS, PLACEHOLDERS,
    PLATFORM_PARAMETERS, PLATFORM_PLACEHOLDERS, STACK_PREFIX, TEMPLATE_PARAMETERS, TENANT_ID_PATTERN,
    TENANT_PARAMETERS, UPDATABLE, UPDATE_FAILED, TenantStackRef,
)
from workflows.patterns.tenant_stacks.boundary import TENANT_ACTIONS, TENANT_TAG, boundary_document
from workflows.patterns.tenant_stacks.create import tenant_stack_create
from workflows.patterns.tenant_stacks.delete import tenant_stack_delete
from workflows.patterns.tenant_stacks.template import TEMPLATE_RESOURCE, tenant_template
from workflows.patterns.tenant_stacks.update import tenant_stack_update

__all__ = ["ALREADY_EXISTS", "CREATE_FAILED", "DELETE_FAILED", "INVALID_TENANT_ID", "MISSING_POLLS", "PLACEHOLDERS",
           "PLATFORM_PARAMETERS", "PLATFORM_PLACEHOLDERS", "TENANT_ACTIONS", "TENANT_PARAMETERS", "TENANT_TAG",
           "boundary_document",
           "STACK_PREFIX", "TEMPLATE_PARAMETERS", "TEMPLATE_RESOURCE", "TENANT_ID_PATTERN", "UPDATABLE",
           "UPDATE_FAILED", "TenantStackRef", "tenant_stack_create", "tenant_stack_delete", "tenant_stack_update",
           "tenant_template"]
