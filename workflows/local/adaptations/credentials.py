"""Adaptation: a Task's ``Credentials.RoleArn`` is really assumed and its calls really authorized.

moto 5.2.5 evaluates ``Credentials`` into a ``StateCredentials`` and hands it to
``boto_client_for(region, service, state_credentials)``, which ignores it: every call runs with
keys ``ak``/``sk`` and nothing is authorized. This module

1. wraps ``Credentials._eval_body`` so that the evaluated RoleArn is resolved against moto's IAM
   (``workflows.local.iam.roles``): an unusable value fails the task with ``States.Runtime``;
   a role that cannot be assumed (malformed ARN, missing role, trust policy, execution role
   without ``sts:AssumeRole``) fails it with ``States.TaskFailed`` and a cause naming role and
   reason -- both go through Retry/Catch like any task error;
2. replaces ``boto_client_for`` where it is defined and in every module that imported it by name
   (pinned in ``PINNED_IMPORTERS``; ``install()`` refuses to run if moto's source has more or
   fewer importers), so that a client made for a task role authorizes each call first, in a
   botocore ``provide-client-params`` hook, against the role's inline and managed policies;
3. lets the task's own error mapping keep our failure (moto's optimized DynamoDB integration
   otherwise renames every non-ClientError ``DynamoDB.AmazonDynamoDBException``).

Error names of a denied call -- what AWS produces, and what this yields:
- optimized ``arn:aws:states:::dynamodb:getItem``: Step Functions names DynamoDB errors
  ``DynamoDB.<ErrorCode>``, hence ``DynamoDB.AccessDeniedException``;
- ``arn:aws:states:::aws-sdk:dynamodb:getItem``: SDK integrations are named after the exception
  class of the AWS SDK for Java v2 that Step Functions uses. ``AccessDeniedException`` is not a
  modelled DynamoDB exception (botocore's model has no such shape either), so the SDK raises the
  service's base class: ``DynamoDb.DynamoDbException``. We raise what botocore raises for that
  code (``client.exceptions.from_code``: a plain ``ClientError`` here), and moto's SDK mapping
  then yields exactly ``DynamoDb.DynamoDbException``; the cause carries AWS's message.
A role with a permissions boundary: a call must be allowed by the role's policies AND by the
boundary; a denial by the boundary names it as AWS does ("because no permissions boundary allows
the <action> action" / "with an explicit deny in a permissions boundary").

Several accounts: a task role in another account than the engine's runs its calls in that account
(moto keeps state per account and takes the account of a request from its ``x-moto-account-id``
header, which ``in_account`` sets), and the role, its trust and policies are read from that
account's IAM. (``MOTO_ACCOUNT_ID`` in the environment overrides the header: one account only.)
Tasks WITHOUT ``Credentials`` keep moto's behaviour: the execution role's rights are NOT
enforced (AWS would enforce them; our machines' execution roles are not modelled in tests).
"""

from __future__ import annotations

import re
import threading
import uuid
from pathlib import Path
from typing import Any, Callable

from botocore.client import BaseClient

from workflows.local.adaptations import _patching, blob_parameters, dynamodb_requests, sdk_http_metadata
from workflows.local.errors import EngineAdaptationError
from workflows.local.iam.policy import Decision, EvaluationResult, Request, evaluate
from workflows.local.iam.requests import CallSite, requests_for_call
from workflows.local.iam.roles import AssumedRole, TaskRoleError, resolve_task_role

ADAPTATION = "credentials"
_PARSER = "moto.stepfunctions.parser"
BOTO_CLIENT_MODULE = f"{_PARSER}.asl.utils.boto_client"
_TASK = f"{_PARSER}.asl.component.state.exec.state_task"
CREDENTIALS_MODULE = f"{_TASK}.credentials"

# Every moto module that does ``from ...boto_client import boto_client_for`` (moto 5.2.5).
PINNED_IMPORTERS: tuple[str, ...] = (
    f"{_PARSER}.asl.component.state.exec.state_map.item_reader.eval.resource_eval_s3",
    f"{_PARSER}.asl.component.state.exec.state_map.result_writer.resource_eval.resource_eval_s3",
    f"{_TASK}.lambda_eval_utils",
    f"{_TASK}.service.state_task_service_aws_sdk",
    f"{_TASK}.service.state_task_service_batch",
    f"{_TASK}.service.state_task_service_dynamodb",
    f"{_TASK}.service.state_task_service_ecs",
    f"{_TASK}.service.state_task_service_events",
    f"{_TASK}.service.state_task_service_glue",
    f"{_TASK}.service.state_task_service_sfn",
    f"{_TASK}.service.state_task_service_sns",
    f"{_TASK}.service.state_task_service_sqs",
    f"{_TASK}.service.state_task_service_unsupported",
)

_IMPORT = re.compile(
    r"from\s+(?:moto\.stepfunctions\.parser\.asl\.utils\.boto_client|\.+[\w.]*boto_client)\s+"
    r"import\s+\(?[^)\n]*(?:\n[^)]*)?\bboto_client_for\b"
)

# Error code and HTTP status AWS uses for an authorization failure, per IAM service prefix.
_ACCESS_DENIED = {"s3": ("AccessDenied", 403)}
_DEFAULT_ACCESS_DENIED = ("AccessDeniedException", 400)

_lock = threading.Lock()
_originals: dict[str, Any] = {}


class TaskCredentialsFailure(Exception):
    """Marker mixed into moto's ``FailureEventException`` for failures raised by this module."""


def find_importers() -> list[str]:
    """Scan moto's Step Functions source for modules importing ``boto_client_for`` by name."""
    parser_mod = _patching.import_module(ADAPTATION, _PARSER)
    root = Path(parser_mod.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if _IMPORT.search(path.read_text(encoding="utf-8")):
            rel = path.relative_to(root).with_suffix("")
            found.append(".".join((_PARSER, *rel.parts)))
    return sorted(found)


MOTO_ACCOUNT_HEADER = "x-moto-account-id"


def in_account(client: BaseClient, account: str) -> BaseClient:
    """Send every request of ``client`` to moto's backends of ``account`` (moto reads the header)."""
    def add_header(request: Any, **_: Any) -> None:
        request.headers[MOTO_ACCOUNT_HEADER] = account

    client.meta.events.register("before-sign", add_header)
    return client


def _access_denied(client: BaseClient, operation: str, role: AssumedRole, request: Request,
                   result: EvaluationResult, policy_type: str = "identity-based policy") -> Exception:
    """The exception botocore would raise for AWS's authorization-failure response."""
    prefix = client.meta.service_model.signing_name
    code, status = _ACCESS_DENIED.get(prefix, _DEFAULT_ACCESS_DENIED)
    why = (
        f"with an explicit deny in a{'n' if policy_type[0] in 'aeiou' else ''} {policy_type}"
        if result.decision is Decision.EXPLICIT_DENY
        else f"because no {policy_type} allows the {request.action} action"
    )
    message = (
        f"User: {role.session_arn} is not authorized to perform: {request.action} "
        f"on resource: {request.resource} {why}"
    )
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status, "RequestId": str(uuid.uuid4()), "HTTPHeaders": {}},
    }
    return client.exceptions.from_code(code)(response, operation)


def _partition_key_lookup(make_client: Callable[..., BaseClient], region: str,
                          account: str) -> Callable[[str, str | None], str]:
    def lookup(table: str, index: str | None) -> str:
        # An unauthorized client: reading the key schema is the engine's business, not the task's.
        client = make_client(region=region, service="dynamodb", account=account)
        description = client.describe_table(TableName=table)["Table"]
        schema = description["KeySchema"]
        if index:
            indexes = description.get("GlobalSecondaryIndexes", []) + description.get("LocalSecondaryIndexes", [])
            schema = next((i["KeySchema"] for i in indexes if i["IndexName"] == index), schema)
        return next(k["AttributeName"] for k in schema if k["KeyType"] == "HASH")

    return lookup


def authorize_client(client: BaseClient, role_now: Callable[[], AssumedRole], region: str,
                     make_client: Callable[..., BaseClient]) -> None:
    """Make every call of ``client`` pass the calling task's role's policies first, or raise AWS's error.

    ``role_now`` gives the role of the call being made: a cached task client serves every task of its
    service and account, and each thread names its task's role before calling."""
    model = client.meta.service_model
    prefix = model.signing_name

    def authorize(params: dict[str, Any], model: Any, **_: Any) -> None:
        role = role_now()
        site = CallSite(partition=role.partition, region=region, account=role.account)
        lookup = _partition_key_lookup(make_client, region, role.account)
        principal = role.principal_context()
        for request in requests_for_call(prefix, model.name, params, site, lookup):
            request = Request(request.action, request.resource, {**principal, **request.context})
            result = evaluate(role.policies, request)
            bounded = evaluate([role.boundary], request) if role.boundary is not None else None
            # AWS looks for an explicit Deny in every policy type first, then for an Allow in each
            if bounded is not None and bounded.decision is Decision.EXPLICIT_DENY \
                    and result.decision is not Decision.EXPLICIT_DENY:
                raise _access_denied(client, model.name, role, request, bounded, "permissions boundary")
            if not result.allowed:
                raise _access_denied(client, model.name, role, request, result)
            if bounded is not None and not bounded.allowed:
                raise _access_denied(client, model.name, role, request, bounded, "permissions boundary")

    client.meta.events.register(f"provide-client-params.{model.service_id.hyphenize()}", authorize)


class TaskClients:
    """The clients the engine's tasks call services with, made once per kind and reused.

    Why: moto makes a new boto3 client for every task call (about 3.5 ms of CPU, 7 ms with our
    handlers), and a role's task also made one to read IAM and one per DynamoDB key-schema lookup:
    a third of a tenant-stack-create execution. A client holds no moto state, and every handler on a
    cached client is fixed for its key (region, service, role-bound or not, account, and how moto is
    reached), except the calling task's role: a role-bound client reads it from ``_task_role``, which
    ``boto_client_for`` sets on the calling thread right before the task calls (moto's tasks make the
    client and call it in the same function, on their execution's or iteration's own thread).
    """

    def __init__(self) -> None:
        self._clients: dict[tuple[Any, ...], BaseClient] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], make: Callable[[], BaseClient]) -> BaseClient:
        client = self._clients.get(key)
        if client is None:
            made = make()
            with self._lock:
                client = self._clients.setdefault(key, made)
        return client

    def clear(self) -> None:
        with self._lock:
            self._clients.clear()

    def __len__(self) -> int:
        return len(self._clients)


TASK_CLIENTS = TaskClients()
_task_role = threading.local()


def _current_task_role() -> AssumedRole:
    role = getattr(_task_role, "value", None)
    if role is None:  # cannot happen through boto_client_for; never authorize a call without a role
        raise RuntimeError("a role-bound task client was called with no task role set on this thread")
    return role


def _reach() -> tuple[Any, ...]:
    """How moto's factory reaches moto now: in-process stubbing, or the server's port."""
    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port

    return ("stub",) if botocore_stubber.enabled else ("server", moto_server_port())


def moto_task_client(region: str, service: str, state_credentials: Any = None) -> BaseClient:
    """What moto 5.2.5's ``boto_client_for`` makes (keys ``ak``/``sk``, no parameter validation, one attempt,
    its timeouts, the server's port when not stubbing), from the engine's long-lived boto3 session.

    Why not moto's function itself: it calls ``boto3.client``, and every mock start drops
    ``boto3.DEFAULT_SESSION``, so each engine's first task clients built a new session and re-read
    botocore's JSON models. ``tests/local/test_credentials.py`` checks both make the same client."""
    from botocore.config import Config
    from moto.core.models import botocore_stubber
    from moto.settings import moto_server_port
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds

    from workflows.local.engine import _create_client

    kwargs: dict[str, Any] = {}
    if not botocore_stubber.enabled:
        kwargs["endpoint_url"] = f"http://localhost:{moto_server_port()}"
    return _create_client(
        service,
        aws_access_key_id="ak",
        aws_secret_access_key="sk",
        region_name=region,
        config=Config(
            parameter_validation=False,
            retries={"max_attempts": 0, "total_max_attempts": 1},
            connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
        ),
        **kwargs,
    )


def _failure(env: Any, error: str, cause: str) -> Exception:
    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    typ = StatesErrorNameType.StatesRuntime if error == "States.Runtime" else StatesErrorNameType.StatesTaskFailed
    event = FailureEvent(
        env=env,
        error_name=StatesErrorName(typ=typ),
        event_type=HistoryEventType.TaskFailed,
        event_details=EventDetails(taskFailedEventDetails=TaskFailedEventDetails(error=error, cause=cause)),
    )
    return _originals["failure_cls"](failure_event=event)


def install() -> None:
    """Apply the adaptation (idempotent). Raises ``EngineAdaptationError`` if moto moved."""
    with _lock:
        boto_module = _patching.import_module(ADAPTATION, BOTO_CLIENT_MODULE)
        current = _patching.require_attr(ADAPTATION, boto_module, "boto_client_for")
        if _patching.is_patched(current):
            return
        found = find_importers()
        if found != sorted(PINNED_IMPORTERS):
            raise EngineAdaptationError(
                ADAPTATION,
                f"modules importing boto_client_for changed: added {sorted(set(found) - set(PINNED_IMPORTERS))}, "
                f"gone {sorted(set(PINNED_IMPORTERS) - set(found))}",
            )
        _patching.require_params(ADAPTATION, current, ["region", "service", "state_credentials"])
        cred_module = _patching.import_module(ADAPTATION, CREDENTIALS_MODULE)
        credentials_cls = _patching.require_attr(ADAPTATION, cred_module, "Credentials")
        state_credentials_cls = _patching.require_attr(ADAPTATION, cred_module, "StateCredentials")
        failure_module = _patching.import_module(
            ADAPTATION, f"{_PARSER}.asl.component.common.error_name.failure_event"
        )
        base_failure = _patching.require_attr(ADAPTATION, failure_module, "FailureEventException")
        task_module = _patching.import_module(ADAPTATION, f"{_TASK}.state_task")
        state_task_cls = _patching.require_attr(ADAPTATION, task_module, "StateTask")
        for name in PINNED_IMPORTERS:
            _patching.import_module(ADAPTATION, name)

        failure_cls = type("TaskCredentialsFailureEvent", (base_failure, TaskCredentialsFailure), {})
        task_role_cls = type("TaskRoleCredentials", (state_credentials_cls,), {"assumed_role": None})
        original_eval = credentials_cls._eval_body
        _originals.update(
            boto_client_for=current, eval_body=original_eval, credentials_cls=credentials_cls,
            failure_cls=failure_cls, from_error={},
        )

        def account_client(region: str, service: str, account: str) -> BaseClient:
            """A plain (unauthorized) client on ``account``: the engine reading IAM or a key schema."""
            return TASK_CLIENTS.get(("engine", region, service, account, _reach()),
                                    lambda: in_account(moto_task_client(region=region, service=service), account))

        def boto_client_for(region: str, service: str, state_credentials: Any = None) -> BaseClient:
            # The one factory of task clients: blob values (blob_parameters), DynamoDB requests
            # and results (dynamodb_requests) and response metadata (sdk_http_metadata) too.
            role = getattr(state_credentials, "assumed_role", None)
            role = role if isinstance(role, AssumedRole) else None

            def make() -> BaseClient:
                client = moto_task_client(region=region, service=service, state_credentials=state_credentials)
                for prepare in (blob_parameters.prepare, dynamodb_requests.prepare, sdk_http_metadata.prepare):
                    client = prepare(client)
                if role is not None:
                    in_account(client, role.account)
                    authorize_client(client, _current_task_role, region, account_client)
                return client

            key = ("task", region, service, None if role is None else role.account, _reach())
            client = TASK_CLIENTS.get(key, make)
            _task_role.value = role
            return client

        def eval_body(self: Any, env: Any) -> None:
            try:
                original_eval(self, env)
            except Exception as exc:  # an unresolvable RoleArn.$ path or expression
                cause = exc.extract_error_cause_pair()[1] if isinstance(exc, base_failure) else str(exc)
                raise _failure(
                    env, "States.Runtime", f"The task's Credentials.RoleArn could not be evaluated: {cause}"
                ) from exc
            evaluated = env.stack.pop()
            if env.is_mocked_mode():
                # A MockConfigFile response stands in for the whole task call, assuming its role
                # included (as in Step Functions Local); the RoleArn was still evaluated above.
                env.stack.append(evaluated)
                return
            details = env.aws_execution_details
            execution = env.states.context_object.context_object_data.get("Execution", {})
            try:
                role = resolve_task_role(
                    evaluated.role_arn,
                    details.role_arn,
                    lambda account: account_client(details.region, "iam", account),
                    session_name=str(execution.get("Name") or "StepFunctionsSession"),
                )
            except TaskRoleError as err:
                raise _failure(env, err.error, str(err)) from err
            credentials = task_role_cls(role_arn=evaluated.role_arn)
            credentials.assumed_role = role
            env.stack.append(credentials)

        def keep_credentials_failure(original: Callable[..., Any]) -> Callable[..., Any]:
            def _from_error(self: Any, env: Any, ex: Exception) -> Any:
                if isinstance(ex, TaskCredentialsFailure):
                    return ex.failure_event  # type: ignore[attr-defined]
                return original(self, env, ex)
            return _from_error

        pending = [state_task_cls]
        while pending:
            cls = pending.pop()
            pending.extend(cls.__subclasses__())
            if "_from_error" in vars(cls):
                _originals["from_error"][cls] = vars(cls)["_from_error"]
                cls._from_error = keep_credentials_failure(vars(cls)["_from_error"])

        wrapper = _patching.mark(boto_client_for, ADAPTATION, current)
        boto_module.boto_client_for = wrapper
        _patching.replace_references(_PARSER, current, wrapper)
        credentials_cls._eval_body = _patching.mark(eval_body, ADAPTATION, original_eval)


def uninstall() -> None:
    """Undo ``install()`` (tests use it to prove the un-adapted engine ignores Credentials)."""
    with _lock:
        if not _originals:
            return
        boto_module = _patching.import_module(ADAPTATION, BOTO_CLIENT_MODULE)
        wrapper = boto_module.boto_client_for
        boto_module.boto_client_for = _originals["boto_client_for"]
        _patching.replace_references(_PARSER, wrapper, _originals["boto_client_for"])
        _originals["credentials_cls"]._eval_body = _originals["eval_body"]
        for cls, original in _originals["from_error"].items():
            cls._from_error = original
        _originals.clear()
        TASK_CLIENTS.clear()


def is_installed() -> bool:
    """True while ``install()`` is in effect."""
    boto_module = _patching.import_module(ADAPTATION, BOTO_CLIENT_MODULE)
    return _patching.is_patched(boto_module.boto_client_for)
