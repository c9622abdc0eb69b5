"""Call a resolver machine as a tenant, with exactly the input its generated APPSYNC_JS resolver sends.

Why the resolver's input and not any dict: ``{"identity": {"resolverContext": {tenantId,
tenantRoleArn}}, "arguments": {...}}`` with only the field arguments the resolver forwards
(``Resolver(..., arguments=(...))``) is all a deployed machine ever receives; a test that feeds it
anything else tests a machine nobody calls.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

from workflows.registry import Resolver
from workflows.testing.targets import Target, TargetError
from workflows.testing.tenants import Tenant, resolver_context

__all__ = ["Execution", "MachineCaller", "resolver_input"]


@dataclass(frozen=True)
class Execution:
    """The answer of StartSyncExecution: status, output (JSON), error and cause."""

    status: str
    output: Any
    error: str | None
    cause: str | None
    execution_arn: str | None

    def ok(self) -> bool:
        return self.status == "SUCCEEDED"


def resolver_input(tenant: Tenant | dict[str, Any], arguments: Mapping[str, Any] | None,
                   forwarded: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The execution input the generated resolver builds (``forwarded``: the argument names it keeps)."""
    context = resolver_context(tenant)
    args = dict(arguments or {})
    if forwarded is not None:
        args = {k: v for k, v in args.items() if k in forwarded}
    return {"identity": {"resolverContext": {k: context[k] for k in ("tenantId", "tenantRoleArn") if k in context}},
            "arguments": args}


class MachineCaller:
    """``sfn_call(workflow, arguments, tenant=...)``: one StartSyncExecution on the target."""

    def __init__(self, target: Target, resolvers: Mapping[str, Resolver]) -> None:
        self._target = target
        self._resolvers = dict(resolvers)

    def __call__(self, workflow: str, arguments: Mapping[str, Any] | None = None, *,
                 tenant: Tenant | dict[str, Any]) -> Execution:
        resolver = self._resolvers.get(workflow)
        payload = resolver_input(tenant, arguments, resolver.arguments if resolver else None)
        parsed, _ = self._target.start_sync(stateMachineArn=self._target.machine_arn(workflow),
                                            name=str(uuid.uuid4()), input=json.dumps(payload))
        if "Error" in parsed:
            error = parsed["Error"]
            raise TargetError(f"StartSyncExecution of {workflow} on {self._target.description}: "
                               f"{error.get('Code')}: {error.get('Message')}")
        output = parsed.get("output")
        return Execution(parsed["status"], json.loads(output) if output is not None else None,
                         parsed.get("error"), parsed.get("cause"), parsed.get("executionArn"))
