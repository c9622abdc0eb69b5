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
from typing import Any, Iterator, Sequence

import pytest
from moto.cloudformation.exceptions import CloudFormationError
from moto.cloudformation.models import CloudFormationBackend

from workflows.patterns.tenant_stacks import tenant_template
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_bucket
from workflows.patterns.tenant_stacks import PLACEHOLDERS, PLATFORM_PARAMETERS
from workflows.patterns.tenant_stacks.common import LOCAL_TENANT_ACCOUNTS, PLACEMENT_PLACEHOLDERS

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
    vanish: dict[str, int] = field(default_factory=dict)                # describes until the stack is deleted
    before_create: dict[str, Any] = field(default_factory=dict)         # called before a CreateStack runs
    refuse_update: dict[str, list] = field(default_factory=dict)        # errors raised by the next UpdateStacks
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
        if name in script.vanish:
            script.vanish[name] -= 1
            if script.vanish[name] < 0:
                del script.vanish[name]
                delete(self, name_or_stack_id)  # moto then answers "does not exist"
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
        if script.refuse_update.get(name):
            raise script.refuse_update[name].pop(0)
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
        hook = script.before_create.pop(name, None)
        if hook is not None:
            hook()
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


class DynamoThrottle:
    """moto's DynamoDB backend refusing chosen calls on a table with a chosen error code (moto never
    throttles): ``refuse("update_item", table, code, times, when=...)``; ``calls`` counts refusals."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from moto.dynamodb.models import DynamoDBBackend
        self._monkeypatch, self._backend = monkeypatch, DynamoDBBackend
        self.refused: collections.Counter = collections.Counter()

    def refuse(self, method: str, table: str, code: str, times: int, when: Any = None, status: int = 400) -> None:
        from moto.core.exceptions import JsonRESTError
        original = getattr(self._backend, method)
        left = [times]

        def refusing(backend: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
            if table_name == table and left[0] > 0 and (when is None or when(*args, **kwargs)):
                left[0] -= 1
                self.refused[(method, code)] += 1
                error = JsonRESTError(code, "Throughput exceeds the current capacity; slow down")
                error.code = status
                raise error
            return original(backend, table_name, *args, **kwargs)

        self._monkeypatch.setattr(self._backend, method, refusing)


@pytest.fixture
def dynamo_throttle(monkeypatch: pytest.MonkeyPatch) -> DynamoThrottle:
    return DynamoThrottle(monkeypatch)


@pytest.fixture
def versioned_templates(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's CloudFormation reads a TemplateURL's object ignoring ``?versionId=``; AWS reads that
    version. Here the version is honoured (an engine-side fake, like the hooks above)."""
    from urllib.parse import parse_qs, urlparse

    import moto.cloudformation.responses as responses
    from moto.s3.models import s3_backends

    original = responses.get_stack_from_s3_url

    def get_stack_from_s3_url(template_url: str, account_id: str, partition: str) -> str:
        parts = urlparse(template_url)
        version = parse_qs(parts.query).get("versionId")
        if not version:
            return original(template_url, account_id=account_id, partition=partition)
        bucket, key = parts.netloc.split(".")[0], parts.path.lstrip("/")
        obj = s3_backends[account_id][partition].get_object(bucket, key, version_id=version[0])
        return obj.value.decode("utf-8")

    monkeypatch.setattr(responses, "get_stack_from_s3_url", get_stack_from_s3_url)


def platform_roles(engine: LocalEngine) -> str:
    """What the tenant template names and the platform stack makes: the tenant roles' permissions boundary and
    the tenant-task execution role they trust (``TenantCallers``). Returns that role's ARN: a machine whose
    tasks assume tenant roles (the delete's purge) must run under it, as ``TenantApiStack`` deploys it."""
    from workflows.testing.targets import engine_target
    from workflows.testing.tenants import ensure_boundary

    ensure_boundary(engine_target(engine, PLACEHOLDERS), PLACEHOLDERS["AppTable"])
    iam, name = engine.client("iam"), PLACEHOLDERS["TenantCallers"].rsplit("/", 1)[-1]
    trust = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    assume = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        iam.put_role_policy(RoleName=name, PolicyName="platform", PolicyDocument=json.dumps(assume))
        return arn


_account_clients: dict[tuple[str, str, str], Any] = {}


def account_client(engine: LocalEngine, service: str, account: str) -> Any:
    """A client whose every call goes to moto's backends of ``account`` (not ``engine.client``: ``in_account``
    would move that one for good).

    One per (service, region, account) for the whole process, from the engine's long-lived session: a new
    ``boto3.client`` after each mock start built a new session and re-read botocore's JSON models (about 6 s
    of the suite). Sharing is safe because such a client holds no moto state (moto's stubbing is
    process-wide), its only handler is the account header, and callers here add none."""
    from botocore.config import Config

    from workflows.local.adaptations.credentials import in_account
    from workflows.local.engine import _create_client

    key = (service, engine.region, account)
    if key not in _account_clients:
        client = _create_client(service, region_name=engine.region, aws_access_key_id="testing",
                                aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}))
        _account_clients.setdefault(key, in_account(client, account))
    return _account_clients[key]


def provisioning_policy(account: str, region: str) -> dict:
    """What the provisioning role of a tenant account may do: tenant stacks there, the purge's scan of the
    app table there, tenant roles only with the boundary there (IAM is not evaluated for calls CloudFormation
    makes in moto; it is here for the deployed shape), and the template object."""
    boundary = f"arn:aws:iam::{account}:policy/{PLACEMENT_PLACEHOLDERS['TenantBoundaryName']}"
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["cloudformation:CreateStack", "cloudformation:UpdateStack",
                                       "cloudformation:DeleteStack", "cloudformation:DescribeStacks"],
         "Resource": f"arn:aws:cloudformation:{region}:{account}:stack/tenant-*/*"},
        {"Effect": "Allow", "Action": "dynamodb:Scan",
         "Resource": f"arn:aws:dynamodb:{region}:{account}:table/{PLACEHOLDERS['AppTable']}"},
        {"Effect": "Allow", "Action": ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
                                       "iam:TagRole"],
         "Resource": f"arn:aws:iam::{account}:role/tenant-role/*",
         "Condition": {"StringEquals": {"iam:PermissionsBoundary": boundary}}},
        {"Effect": "Allow", "Action": ["iam:GetRole", "iam:DeleteRole", "iam:UntagRole"],
         "Resource": f"arn:aws:iam::{account}:role/tenant-role/*"},
        {"Effect": "Allow", "Action": "s3:GetObject",
         "Resource": f"arn:aws:s3:::{PLACEHOLDERS['TemplateBucket']}/*"},
    ]}


def tenant_accounts(engine: LocalEngine, trusted: Sequence[str],
                    accounts: Sequence[str] = LOCAL_TENANT_ACCOUNTS) -> list[str]:
    """What each tenant account holds before its first tenant (its baseline, deployed once per account): the
    provisioning role ``${ProvisioningRoleName}`` trusting only ``trusted`` (the lifecycle machines'
    execution roles), the tenant boundary ``${TenantBoundaryName}`` on that account's app table, and the
    app table. Returns the provisioning roles' ARNs."""
    from workflows.patterns.tenant_stacks import boundary_document

    arns = []
    for account in accounts:
        iam, ddb = account_client(engine, "iam", account), account_client(engine, "dynamodb", account)
        table = PLACEHOLDERS["AppTable"]
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}])
        table_arn = f"arn:aws:dynamodb:{engine.region}:{account}:table/{table}"
        iam.create_policy(PolicyName=PLACEMENT_PLACEHOLDERS["TenantBoundaryName"],
                          PolicyDocument=json.dumps(boundary_document(table_arn)))
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": list(trusted)}, "Action": "sts:AssumeRole"}]}
        name = PLACEMENT_PLACEHOLDERS["ProvisioningRoleName"]
        arns.append(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
        iam.put_role_policy(RoleName=name, PolicyName="provisioning",
                            PolicyDocument=json.dumps(provisioning_policy(account, engine.region)))
    return arns
