"""Deterministic CloudFormation behaviour for the tenant stack tests (an engine-side hook).

moto's stacks complete at once and never throttle. The mock config cannot pick one tenant out of a
Distributed Map's child executions (a test case is per state name, and children start without one),
so these hooks act on moto's CloudFormation backend instead, per stack name: hold a status for k
DescribeStacks calls, end an update or a delete in a chosen failed status, throttle k calls, refuse
a CreateStack with a chosen error, create a stack only after k DescribeStacks calls (moto itself
answers the first k with its real "Stack with id ... does not exist").
"""

from __future__ import annotations

import collections
import json
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import CloudFormationBackend

from workflows.patterns.tenant_stacks import tenant_template
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_bucket
from workflows.patterns.tenant_stacks import PLACEHOLDERS, PLATFORM_PARAMETERS

#: the tenant template's platform parameters (trusted callers, boundary) at their local defaults
PLATFORM_VALUES = {key: PLACEHOLDERS[value[2:-1]] for key, value in PLATFORM_PARAMETERS.items()}
PLATFORM_PARAMETER_LIST = [{"ParameterKey": k, "ParameterValue": v} for k, v in PLATFORM_VALUES.items()]


class Throttling(CloudFormationError):
    code = "Throttling"

    def __init__(self) -> None:
        super().__init__("Rate exceeded")


@dataclass
class StackScript:
    """What the backend should pretend, keyed by stack name; ``calls`` counts API calls per stack."""

    held: dict[str, list[str]] = field(default_factory=dict)            # statuses shown for the next describes
    after_update: dict[str, tuple[str, str]] = field(default_factory=dict)  # status, reason after UpdateStack
    after_delete: dict[str, tuple[str, str]] = field(default_factory=dict)  # status, reason instead of deleting
    throttle: dict[str, int] = field(default_factory=dict)              # describes to refuse with Throttling
    throttle_create: dict[str, int] = field(default_factory=dict)       # CreateStacks to refuse with Throttling
    refuse_create: dict[str, CloudFormationError] = field(default_factory=dict)  # raised by every CreateStack
    appear: dict[str, list] = field(default_factory=dict)               # [describes left, create kwargs]
    calls: collections.Counter = field(default_factory=collections.Counter)

    def hold(self, stack: str, status: str, polls: int) -> None:
        self.held[stack] = [status] * polls

    def appear_after(self, stack: str, polls: int, tenant: str) -> None:
        """``stack`` does not exist for ``polls`` DescribeStacks calls, then exists (CREATE_COMPLETE)."""
        self.appear[stack] = [polls, {"template": tenant_template(), "tags": {"TenantId": tenant},
                                      "parameters": {**PLATFORM_VALUES, "TenantId": tenant,
                                                     "RoleName": f"r-{tenant}-late",
                                                     "AppTableName": PLACEHOLDERS["AppTable"]}}]


def _stack_name(backend: CloudFormationBackend, name_or_id: str) -> str:
    for stack in list(backend.stacks.values()) + list(backend.deleted_stacks.values()):
        if name_or_id in (stack.name, stack.stack_id):
            return stack.name
    return name_or_id


_AWS_SDK_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_aws_sdk"


@pytest.fixture
def cfn_error_names(local_engine: LocalEngine) -> None:
    """The engine names aws-sdk CloudFormation errors as AWS does (adaptation sdk_error_names); the
    machines' Catch/Retry on ``CloudFormation.*`` depend on it."""
    import importlib

    names = importlib.import_module(_AWS_SDK_MODULE)._SERVICE_ERROR_NAMES
    assert names.get("cloudformation") == "CloudFormation"


@pytest.fixture
def stack_script(monkeypatch: pytest.MonkeyPatch, cfn_error_names: None) -> Iterator[StackScript]:
    script = StackScript()
    describe, update, delete, create = (CloudFormationBackend.describe_stacks, CloudFormationBackend.update_stack,
                                        CloudFormationBackend.delete_stack, CloudFormationBackend.create_stack)

    def describe_stacks(self: CloudFormationBackend, name_or_stack_id: str) -> Any:
        name = _stack_name(self, name_or_stack_id)
        script.calls[("DescribeStacks", name)] += 1
        if script.throttle.get(name, 0) > 0:
            script.throttle[name] -= 1
            raise Throttling()
        pending = script.appear.get(name)
        if pending is not None:
            if pending[0] > 0:
                pending[0] -= 1  # moto raises its own "does not exist" below
            else:
                del script.appear[name]
                create(self, name, **pending[1])
        stacks = describe(self, name_or_stack_id)
        queue = script.held.get(name)
        if queue:
            held = queue.pop(0)
            stacks = [_Shown(stacks[0], held, None)]
        return stacks

    def update_stack(self: CloudFormationBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        script.calls[("UpdateStack", name)] += 1
        stack = update(self, name, *args, **kwargs)
        if name in script.after_update:
            stack.status, stack.stack_status_reason = script.after_update[name]
        return stack

    def delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
        name = _stack_name(self, name_or_stack_id)
        script.calls[("DeleteStack", name)] += 1
        if name in script.after_delete:
            stack = self.get_stack(name_or_stack_id)
            stack.status, stack.stack_status_reason = script.after_delete[name]
            return None
        return delete(self, name_or_stack_id)

    def create_stack(self: CloudFormationBackend, name: str, *args: Any, **kwargs: Any) -> Any:
        script.calls[("CreateStack", name)] += 1
        if script.throttle_create.get(name, 0) > 0:
            script.throttle_create[name] -= 1
            raise Throttling()
        if name in script.refuse_create:
            raise script.refuse_create[name]
        return create(self, name, *args, **kwargs)

    monkeypatch.setattr(CloudFormationBackend, "describe_stacks", describe_stacks)
    monkeypatch.setattr(CloudFormationBackend, "update_stack", update_stack)
    monkeypatch.setattr(CloudFormationBackend, "delete_stack", delete_stack)
    monkeypatch.setattr(CloudFormationBackend, "create_stack", create_stack)
    yield script


class _Shown:
    """A stack seen with another status (the real one is untouched)."""

    def __init__(self, stack: Any, status: str, reason: str | None) -> None:
        self._stack, self.status, self.stack_status_reason = stack, status, reason

    def __getattr__(self, item: str) -> Any:
        return getattr(self._stack, item)


def deploy_template(engine: LocalEngine, body: str | None = None) -> str:
    """Upload the tenant template where the machines' placeholder defaults point; returns its URL."""
    bucket, key = PLACEHOLDERS["TemplateBucket"], PLACEHOLDERS["TemplateKey"]
    if bucket not in [b["Name"] for b in engine.client("s3").list_buckets()["Buckets"]]:
        create_bucket(engine, bucket)
    engine.client("s3").put_object(Bucket=bucket, Key=key, Body=body or tenant_template())
    return f"https://{bucket}.s3.amazonaws.com/{key}"


def changed_template() -> str:
    """The template with one more policy action, so UpdateStack has something to do."""
    doc = json.loads(tenant_template())
    statement = doc["Resources"]["TenantRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"][0]
    statement["Action"] = statement["Action"] + ["dynamodb:DescribeTable"]
    return json.dumps(doc)


class LimitExceeded(CloudFormationError):
    """A modelled CreateStack error (Step Functions names it CloudFormation.LimitExceededException)."""

    code = "LimitExceededException"

    def __init__(self) -> None:
        super().__init__("Quota for stacks exceeded")
