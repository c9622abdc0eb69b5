"""The IAM actions a machine's own role needs, read from its ASL.

Why derive instead of listing per machine: the grants then follow the definitions in asl/. A task with
``Credentials`` needs only ``sts:AssumeRole`` on tenant roles -- its data call is made, and
authorized, as the tenant -- so a tenant-scoped machine ends up with no data permission of its own.

A task with ``Credentials`` that provisions (a lifecycle machine built with placement running its
CloudFormation call in the tenant's account) assumes that account's provisioning role instead: it names
``${ProvisioningRoleName}`` in its ``Credentials``, or it calls CloudFormation, which no tenant role may
(their boundary allows DynamoDB item actions only). Such a task is ``as_provisioner``, never ``as_tenant``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from workflows.core.machine import PLACEHOLDER
from workflows.core.validate import iter_states

_OPTIMIZED = re.compile(r"arn:aws:states:::(dynamodb|events|sqs|sns|states):(\w+)\Z")
_SDK = re.compile(r"arn:aws:states:::aws-sdk:([a-z0-9]+):(\w+)\Z")
#: the placeholder naming the provisioning role a placed lifecycle machine's Credentials assume
PROVISIONING_ROLE = "ProvisioningRoleName"


class UnsupportedTask(ValueError):
    """A Task resource this module cannot grant (add a rule here rather than a wildcard)."""


@dataclass(frozen=True)
class TaskUse:
    """One IAM action a task performs; ``as_tenant`` = made with the tenant's assumed role,
    ``as_provisioner`` = made with a tenant account's provisioning role."""

    state: str                      # path of the state, nested ones included
    action: str                     # "dynamodb:GetItem"
    as_tenant: bool
    placeholders: tuple[str, ...]   # ${Name}s in the task's parameters (e.g. the table)
    as_provisioner: bool = False


def task_uses(asl: dict) -> list[TaskUse]:
    """Every Task's IAM action, in document order; ``state`` is the state's path (``Par/Branches[0]/Put``)."""
    uses = []
    for name, state in iter_states(asl):
        if not isinstance(state, Mapping) or state.get("Type") != "Task":
            continue
        resource = state.get("Resource", "")
        match = _OPTIMIZED.match(resource) or _SDK.match(resource)
        if match is None:
            raise UnsupportedTask(f"state {name!r}: no IAM rule for resource {resource!r}")
        service, api = match.groups()
        body = json.dumps({k: state.get(k) for k in ("Parameters", "Arguments")})
        action = f"{service}:{api[0].upper()}{api[1:]}"
        provisions = "Credentials" in state and (
            service == "cloudformation" or PROVISIONING_ROLE in PLACEHOLDER.findall(json.dumps(state["Credentials"])))
        uses.append(TaskUse(name, action, "Credentials" in state and not provisions,
                            tuple(sorted(set(PLACEHOLDER.findall(body)))), provisions))
    return uses


def runs_distributed_map(asl: dict) -> bool:
    """A Distributed Map starts child executions of its own machine (states:StartExecution on itself)."""
    return any(isinstance(state, Mapping) and state.get("Type") == "Map"
               and (state.get("ItemProcessor") or {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED"
               for _, state in iter_states(asl))
