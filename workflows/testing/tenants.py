"""Tenants for tests: one CloudFormation stack per tenant from the tenant template, as in production.

Why the template and not a hand-made role: the role a test assumes must be the one tenants get
(``/tenant-role/`` path, random name, ``dynamodb:LeadingKeys`` on the tenant's own keys), or a
test of isolation proves nothing. The stack is created directly (not through ``tenant-stack-create``,
which a project need not have); its ``TenantRoleArn`` output is the role the Lambda authorizer
would put in ``resolverContext``.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

from workflows.patterns.tenant_stacks import PLATFORM_PLACEHOLDERS, boundary_document
from workflows.testing.targets import RESOLVER_ROLE, Target

__all__ = ["Tenant", "Tenants", "TenantSetupError", "ensure_boundary", "resolver_context"]

#: what tenant-stack-create accepts (stack names allow letters, digits, hyphens); no '#': keys use it
_TENANT_ID = re.compile(r"^[A-Za-z0-9-]{1,48}$")
_WAIT_SECONDS = 600


class TenantSetupError(RuntimeError):
    """A tenant could not be created: bad id, template without the role output, stack creation failed."""


@dataclass(frozen=True)
class Tenant:
    """A tenant as the Lambda authorizer describes it: its id and the role its requests run under."""

    id: str
    role_arn: str
    stack_name: str | None = None

    @property
    def resolver_context(self) -> dict[str, str]:
        """``identity.resolverContext`` of this tenant's requests."""
        return {"tenantId": self.id, "tenantRoleArn": self.role_arn}

    def claiming(self, other: "Tenant | str") -> "Tenant":
        """This tenant's role presenting another tenant's id: what a forged or mixed-up context carries.

        Every key is then built in ``other``'s partition while the role allows only this tenant's,
        so a data task fails with ``Tenant.AccessDenied`` (a resolver machine; the AWS error stays in its cause).
        """
        return Tenant(other.id if isinstance(other, Tenant) else other, self.role_arn)


def resolver_context(tenant: "Tenant | dict[str, Any]") -> dict[str, Any]:
    """The resolverContext of a Tenant, or a dict taken as the resolverContext itself (to test bad ones)."""
    return dict(tenant.resolver_context if isinstance(tenant, Tenant) else tenant)


def ensure_boundary(target: Target, app_table: str | None) -> str:
    """The tenant roles' permissions boundary on a local target (created once), or a deployed stack's own.

    Locally it is the managed policy the platform stack would create (``tenant_stacks.boundary``), under the
    name PLATFORM_PLACEHOLDERS["TenantBoundary"] gives, so the lifecycle machines' local default finds it.
    """
    if target.kind == "stack":
        return target.placeholders.get("TenantBoundary", "")
    name = PLATFORM_PLACEHOLDERS["TenantBoundary"].rsplit("/", 1)[-1]
    arn = target.placeholders.get("TenantBoundary") or f"arn:aws:iam::{target.account}:policy/{name}"
    name = arn.rsplit("/", 1)[-1]
    table_arn = f"arn:aws:dynamodb:{target.region}:{target.account}:table/{app_table or 'app-table'}"
    iam = target.client("iam")
    try:
        iam.get_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(boundary_document(table_arn)),
                          Description="saas-workflows tests: the tenant roles' permissions boundary")
    return arn


def tenant_callers(target: Target) -> str:
    """The execution roles a tenant role trusts: a deployed stack's (its ``TenantCallers`` output), else the
    fixtures' resolver role (workflows.testing.targets.prepare gives it to the resolver machines)."""
    return target.placeholders.get("TenantCallers") or f"arn:aws:iam::{target.account}:role/{RESOLVER_ROLE}"


class Tenants:
    """The tenants of one test module: ``tenants.create("acme")``, then ``tenants["acme"]``."""

    def __init__(self, target: Target, template: str, app_table: str | None) -> None:
        self._target = target
        self._template = template
        self._parameters = set(json.loads(template).get("Parameters", {}))
        self._app_table = app_table
        self._suffix = uuid.uuid4().hex[:6] if target.shared else ""
        self._tenants: dict[str, Tenant] = {}

    def __getitem__(self, name: str) -> Tenant:
        return self._tenants[name]

    def __iter__(self) -> Iterator[Tenant]:
        return iter(self._tenants.values())

    def __len__(self) -> int:
        return len(self._tenants)

    def create(self, name: str) -> Tenant:
        """The tenant called ``name`` (created once per module; later calls return it).

        Its ``id`` is ``name`` on the in-process engine, ``name-<6 hex>`` on an endpoint or a deployed
        stack, whose data outlives the module: another run never sees this run's items.
        """
        if name in self._tenants:
            return self._tenants[name]
        if not _TENANT_ID.match(name):
            raise TenantSetupError(f"tenant id {name!r}: use 1-48 letters, digits or hyphens "
                                   "(it becomes a stack name, and '#' separates key parts)")
        tenant_id = f"{name}-{self._suffix}" if self._suffix else name
        stack_name = f"tenant-{tenant_id}"
        values = {"TenantId": tenant_id, "RoleName": str(uuid.uuid4()), "AppTableName": self._app_table}
        if "TenantCallerRoleArns" in self._parameters:
            values["TenantCallerRoleArns"] = tenant_callers(self._target)
        if "PermissionsBoundaryArn" in self._parameters:
            values["PermissionsBoundaryArn"] = ensure_boundary(self._target, self._app_table)
        parameters = [{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()
                      if k in self._parameters and v is not None]
        cfn = self._target.client("cloudformation")
        cfn.create_stack(StackName=stack_name, TemplateBody=self._template, Parameters=parameters,
                         Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
                         Tags=[{"Key": "saas-workflows:test", "Value": "true"}])
        stack = self._wait(cfn, stack_name)
        outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
        if "TenantRoleArn" not in outputs:
            raise TenantSetupError(f"stack {stack_name} has no TenantRoleArn output: the tenant template must "
                                   f"output the tenant's role (outputs: {sorted(outputs)})")
        tenant = Tenant(tenant_id, outputs["TenantRoleArn"], stack_name)
        self._tenants[name] = tenant
        return tenant

    @staticmethod
    def _wait(cfn: Any, stack_name: str) -> dict[str, Any]:
        deadline, delay = time.monotonic() + _WAIT_SECONDS, 0.2
        while True:
            stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
            status = stack["StackStatus"]
            if status == "CREATE_COMPLETE":
                return stack
            if not status.endswith("_IN_PROGRESS") or time.monotonic() > deadline:
                raise TenantSetupError(f"stack {stack_name} is {status}: {stack.get('StackStatusReason', '')}")
            time.sleep(delay)
            delay = min(delay * 2, 5)

    def delete_all(self) -> None:
        """Delete every tenant stack of this module (their roles go with them); waits for none."""
        cfn = self._target.client("cloudformation")
        for tenant in self._tenants.values():
            if tenant.stack_name:
                cfn.delete_stack(StackName=tenant.stack_name)
        self._tenants.clear()
