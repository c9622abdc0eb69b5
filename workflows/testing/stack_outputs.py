"""What the test fixtures need to know about a deployed stack, read from CloudFormation.

Why from the stack: a deployed project's machine names and table names are CloudFormation's
(``<stack>-<workflow>``, generated table names), so a test run against a real account must read
them, not guess them. The contract, small on purpose:

- an output whose **value** is a state machine ARN names that machine; its workflow is the ARN's
  name without the ``<stack>-`` prefix (``infra/`` names every machine ``<stack>-<workflow>``);
  machines with no output are found among the stack's ``AWS::StepFunctions::StateMachine``
  resources, by the same naming rule;
- an output whose **key** is a placeholder name (``AppTable``, ``TenantsTable``) gives the value
  that ``${AppTable}`` has in the deployed machines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["DeployedStack", "StackNotReady", "read_stack"]

_MACHINE_ARN = re.compile(r"^arn:aws[a-z-]*:states:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
                          r"stateMachine:(?P<name>[A-Za-z0-9_-]+)$")
_READY = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "IMPORT_COMPLETE"}


class StackNotReady(RuntimeError):
    """The named stack does not exist, or is not in a state whose resources can be used."""


@dataclass(frozen=True)
class DeployedStack:
    """A deployed project: its machines by workflow name, its placeholder values, every output."""

    name: str
    region: str
    account: str
    machines: dict[str, str] = field(default_factory=dict)      # workflow name -> state machine ARN
    placeholders: dict[str, str] = field(default_factory=dict)  # placeholder -> deployed value
    outputs: dict[str, str] = field(default_factory=dict)


def _workflow_name(stack: str, machine_name: str) -> str:
    prefix = f"{stack}-"
    return machine_name[len(prefix):] if machine_name.startswith(prefix) else machine_name


def read_stack(cloudformation: Any, stack_name: str, placeholders: set[str] | frozenset[str] = frozenset()) -> DeployedStack:
    """Read ``stack_name`` with a boto3 CloudFormation client; ``placeholders`` are the names to look for."""
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as exc:
        raise StackNotReady(f"stack {stack_name!r}: {exc.response['Error'].get('Message', exc)}") from None
    stack = stacks[0]
    if stack["StackStatus"] not in _READY:
        raise StackNotReady(f"stack {stack_name!r} is {stack['StackStatus']}; tests need one of {sorted(_READY)}")
    _, _, _, region, account, *_ = stack["StackId"].split(":")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    machines: dict[str, str] = {}
    for value in outputs.values():
        if match := _MACHINE_ARN.match(value):
            machines[_workflow_name(stack_name, match["name"])] = value
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=stack_name):
        for resource in page["StackResourceSummaries"]:
            arn = resource.get("PhysicalResourceId", "")
            if resource["ResourceType"] == "AWS::StepFunctions::StateMachine" and (match := _MACHINE_ARN.match(arn)):
                machines.setdefault(_workflow_name(stack_name, match["name"]), arn)
    values = {name: outputs[name] for name in placeholders if name in outputs}
    return DeployedStack(stack_name, region, account, machines, values, outputs)
