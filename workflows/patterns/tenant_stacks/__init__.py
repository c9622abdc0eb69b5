"""Tenant stack lifecycle: one CloudFormation stack per tenant, created, deleted and updated by
STANDARD machines that poll CloudFormation (no Lambda).

Why these shapes:
- The tenant id becomes the stack name (``tenant-<id>``), and CloudFormation allows only letters,
  digits and hyphens there, so create checks the id first (``TenantStack.InvalidTenantId``) rather
  than register a tenant whose stack can never exist. Every machine derives the stack name from the
  tenant id; none trusts a ``stackName`` it reads.
- The tenants table item (pk = tenant id) is the lifecycle's lock: create writes CREATING before
  CreateStack, delete writes DELETING before it purges and deletes, and each side's writes are
  conditional on the other's (status, and the events' ``time`` as ``requestedAt``/``deletedAt``), so a
  delete during a create wins and a late duplicate event cannot resurrect a tenant (create.py,
  delete.py). An update that runs meanwhile finds a CREATING tenant and waits for its stack (at most
  ``MISSING_POLLS`` polls) and reports a tenant deleted meanwhile as ``deleted``, not failed.
- Nothing is left silently half-done: every CloudFormation error is classified (throttling retried,
  AlreadyExists adopted, the rest recorded with its reason), every DynamoDB step retries throttling and
  transient errors (``common.dynamodb_retry``), and every wait loop has a deadline
  (``stack_polling.backoff``) after which the tenant is recorded failed with the status last seen.
- Delete purges the tenant's app-table items under the tenant's own role (IAM LeadingKeys keeps it in
  the tenant's key range), so a re-created tenant id starts empty.
- The role name is ``States.UUID()``: a name derived from the tenant id would let anyone who knows
  a tenant id guess its role ARN.
- Several accounts (placement.py, ``placement=AccountPlacement(n)``): each tenant's stack, role and items
  live in the account its row names, filled n tenants per account in order; every CloudFormation call
  runs there under that account's provisioning role.
- Update-all is a rollout (update.py, rollout.py): waves with failure thresholds, each page a
  Distributed Map whose iterations are child executions, every outcome written on the tenant's item,
  and a successor execution every ``pages_per_execution`` pages, so no execution's history grows with
  the tenant count (STANDARD caps at 25,000 events). Each child turns every outcome into a record and
  never fails. ``mode="INLINE"`` exists only for the bench's comparison.
"""

from workflows.patterns.tenant_stacks.common import (
    DYNAMODB_TRANSIENT, ALREADY_EXISTS, CREATE_FAILED, DELETE_FAILED, INVALID_TENANT_ID, MISSING_POLLS, PLACEHOLDERS, STACK_PREFIX,
    PLATFORM_PARAMETERS, PLATFORM_PLACEHOLDERS, TEMPLATE_PARAMETERS, TENANT_DELETED, TENANT_ID_PATTERN, TENANT_PARAMETERS,
    UPDATABLE, UPDATE_FAILED, TenantStackRef,
)
from workflows.patterns.tenant_stacks.common import PLACEMENT_PLACEHOLDERS
from workflows.patterns.tenant_stacks.placement import NO_ACCOUNT_CAPACITY, PROVISIONING_REFUSED, AccountPlacement
from workflows.patterns.tenant_stacks.boundary import TENANT_ACTIONS, TENANT_TAG, boundary_document
from workflows.patterns.tenant_stacks.create import tenant_stack_create
from workflows.patterns.tenant_stacks.delete import tenant_stack_delete
from workflows.patterns.tenant_stacks.template import TEMPLATE_RESOURCE, tenant_template
from workflows.patterns.tenant_stacks.update import ROLLOUT_STOPPED, tenant_stack_update
from workflows.patterns.tenant_stacks.update_one import tenant_stack_update_one

__all__ = ["NO_ACCOUNT_CAPACITY", "PLACEMENT_PLACEHOLDERS", "PROVISIONING_REFUSED", "AccountPlacement",
           "tenant_stack_update_one", "ALREADY_EXISTS", "CREATE_FAILED", "DELETE_FAILED", "DYNAMODB_TRANSIENT", "INVALID_TENANT_ID", "MISSING_POLLS",
           "PLACEHOLDERS", "PLATFORM_PARAMETERS", "PLATFORM_PLACEHOLDERS", "ROLLOUT_STOPPED", "TENANT_ACTIONS",
           "TENANT_PARAMETERS", "TENANT_TAG", "boundary_document", "STACK_PREFIX", "TEMPLATE_PARAMETERS", "TEMPLATE_RESOURCE", "TENANT_DELETED",
           "TENANT_ID_PATTERN", "UPDATABLE",
           "UPDATE_FAILED", "TenantStackRef", "tenant_stack_create", "tenant_stack_delete", "tenant_stack_update",
           "tenant_template"]
