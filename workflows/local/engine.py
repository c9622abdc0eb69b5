"""The in-process engine every test uses: moto with our adaptations, one call to run any ASL.

Why a class rather than bare ``mock_aws``: it applies the adaptations, creates a default execution
role, routes EXPRESS machines through StartSyncExecution and STANDARD through StartExecution +
wait, and returns a trace (visited states, transitions, history) that tests can assert on.
Only one engine should be active at a time: moto's mock (like its backends) is process-wide.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.config import Config
from moto import mock_aws

from workflows.local.adaptations import install_all, instant_waits, mock_config
from workflows.local.errors import EngineError, ExecutionTimeoutError
from workflows.local.logs import apply_moto_logs
from workflows.local.history import VisitedState, count_transitions, visited_states
from workflows.local.json_values import to_json_safe

__all__ = ["ExecutionObserver", "ExecutionResult", "LocalEngine", "VisitedState", "observe_executions"]

DEFAULT_ROLE_NAME = "workflows-local-execution"
_TRUST_STATES = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["*", "sts:AssumeRole"], "Resource": "*"}],
}
_FINISHED = {"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"}


@dataclass(frozen=True)
class ExecutionResult:
    """What one execution did, in JSON values (history included), ready for assertions."""

    status: str
    output: Any
    error: str | None
    cause: str | None
    execution_arn: str
    states: tuple[VisitedState, ...]
    transitions: int
    history: tuple[dict[str, Any], ...]
    waits: tuple[tuple[str, float], ...] = field(default=())

    def ok(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def state_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.states)

    @property
    def waited_seconds(self) -> float:
        """Seconds the Wait states and Retry intervals asked for (not really slept by default)."""
        return sum(seconds for _, seconds in self.waits)


ExecutionObserver = Callable[[str, str, "tuple[dict[str, Any], ...]"], None]
_observers: list[ExecutionObserver] = []


def observe_executions(observer: ExecutionObserver) -> Callable[[], None]:
    """Call ``observer(machine_name, definition_text, history_events)`` after every execution ends.

    Why at moto's end-of-execution callback rather than in ``LocalEngine.run``: executions started
    through the engine's boto3 clients, the in-process endpoint or ``run_once`` end there too (test
    coverage sees them all). Returns a function that removes the observer.
    """
    from moto.stepfunctions.parser.backend.execution import BaseExecutionWorkerCommunication

    if not getattr(BaseExecutionWorkerCommunication.terminated, "_workflows_observed", False):
        original = BaseExecutionWorkerCommunication.terminated

        def terminated(self: Any) -> None:
            original(self)
            if _observers:
                execution = self.execution
                machine = execution.state_machine
                events = tuple(to_json_safe(list(execution.to_history_output()["events"])))
                for notify in list(_observers):
                    notify(machine.name, machine.definition, events)

        terminated._workflows_observed = True  # type: ignore[attr-defined]
        BaseExecutionWorkerCommunication.terminated = terminated  # type: ignore[method-assign]
    _observers.append(observer)
    return lambda: _observers.remove(observer) if observer in _observers else None


def _backend_execution(execution_arn: str) -> Any | None:
    """moto's own record of an execution (its ``status`` is read without a request), or None."""
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    parts = execution_arn.split(":")
    try:
        execution = stepfunctions_parser_backends[parts[4]][parts[3]].describe_execution(execution_arn)
    except Exception:  # an ARN moto does not know: DescribeExecution names the problem
        return None
    return execution


# botocore 1.44 sends stream-ARN calls to "<account>.streams-ddb.<region>..." (account-based endpoints),
# a host moto 5.2.5 does not route; the classic endpoint is what moto serves.
_ENDPOINT_OVERRIDES = {"dynamodbstreams": "https://streams.dynamodb.{region}.amazonaws.com"}


_session: boto3.session.Session | None = None
_session_lock = threading.Lock()


def _client_session() -> boto3.session.Session:
    """One boto3 session for every engine's clients.

    Why not boto3's default session: starting a mock (every engine) drops ``boto3.DEFAULT_SESSION``,
    so each engine's first clients reloaded botocore's service models (25-70 ms a client, four or
    five clients an engine). A session of our own keeps its loaded models.
    """
    global _session
    with _session_lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session


def _create_client(service: str, **kwargs: Any) -> Any:
    """A new client from the shared session, made under its lock (a boto3 session is not thread-safe)."""
    session = _client_session()
    with _session_lock:
        return session.client(service, **kwargs)


# Attributes botocore fills on first use from the service model alone (``client.exceptions``).
_LAZY_CLIENT_ATTRIBUTES = frozenset({"_exceptions"})


def _fingerprint(client: Any) -> list[Any] | None:
    """What a client's behaviour depends on that a user can change: the handlers on its event emitter (in
    order, with their events) and the objects it and its ``meta`` hold. None when botocore's emitter is
    not laid out as expected (then the client is never lent again)."""
    try:
        emitter = client.meta.events._emitter
        parts: list[Any] = []

        def walk(node: dict[str, Any], path: str) -> None:
            values = node.get("values")
            if values is not None and (values.first or values.middle or values.last):  # emptied == never used
                parts.append(path)
                parts.extend((*values.first, "|", *values.middle, "|", *values.last, "|"))
            for key, child in node.get("children", {}).items():
                walk(child, f"{path}.{key}")

        walk(emitter._handlers._root, "")
        parts.append("unique")
        parts.extend(emitter._unique_id_handlers)
        for owner in (client, client.meta):
            parts.append("attributes")
            for name, value in vars(owner).items():
                if name not in _LAZY_CLIENT_ATTRIBUTES:
                    parts.extend((name, value))
        return parts
    except (AttributeError, TypeError):
        return None


def _unchanged(before: list[Any] | None, after: list[Any] | None) -> bool:
    return (before is not None and after is not None and len(before) == len(after)
            and all(a is b or (type(a) is str and a == b) for a, b in zip(before, after)))


class _ClientPool:
    """Engine clients that no active engine holds, kept for the next engine.

    Why: making a client costs 3-10 ms of CPU (most of it copying the session's event handlers and
    building a class of ~100-200 methods), and every engine made four or five; the suite made thousands.
    A plain engine client holds no moto state (moto's stubbing of botocore is process-wide, its backends
    are reset by the mock), so the next engine can use it -- as long as nobody changed it. A client lent
    to an engine is held by that engine alone until it ends; it comes back only if its handlers and
    attributes are exactly what they were when it was made (a test that registered a handler on it, or
    ``credentials.in_account``, makes it the engine's own for good: it is dropped when the engine ends).
    Key: everything a client is made from that may differ (service, region, endpoint).
    """

    def __init__(self) -> None:
        self._free: dict[tuple[Any, ...], list[tuple[Any, list[Any] | None]]] = {}
        self._lock = threading.Lock()

    def take(self, key: tuple[Any, ...], make: Callable[[], Any]) -> tuple[Any, list[Any] | None]:
        with self._lock:
            free = self._free.get(key)
            if free:
                return free.pop()
        client = make()
        return client, _fingerprint(client)

    def give_back(self, key: tuple[Any, ...], client: Any, fingerprint: list[Any] | None) -> bool:
        """Keep ``client`` for the next engine if it is as it was made; True if kept."""
        if not _unchanged(fingerprint, _fingerprint(client)):
            return False
        with self._lock:
            self._free.setdefault(key, []).append((client, fingerprint))
        return True

    def __len__(self) -> int:
        with self._lock:
            return sum(len(free) for free in self._free.values())


_CLIENT_POOL = _ClientPool()


class LocalEngine:
    """Context manager around ``mock_aws`` with Step Functions execution switched on."""

    region = "us-east-1"
    account_id = "123456789012"

    def __init__(
        self,
        mock_config: dict[str, Any] | str | os.PathLike[str] | None = None,
        *,
        instant_waits: bool = True,
    ) -> None:
        self._mock_config_source = mock_config
        self._instant_waits = instant_waits
        self._mock: Any = None
        self._clients: dict[str, Any] = {}
        self._lent: dict[str, tuple[tuple[Any, ...], list[Any] | None]] = {}  # service -> (pool key, fingerprint)
        self._clients_lock = threading.Lock()
        self._machines: dict[str, tuple[str, str]] = {}  # name -> (arn, type)
        self._deployed: dict[str, tuple[str, str | None, str]] = {}  # name -> (definition, role, type) made here
        self._default_role: str | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> "LocalEngine":
        install_all()
        apply_moto_logs()  # quiet unless set_moto_logs(True): a bench or a script sees no moto noise either
        mock_config.set_mock_config(self._mock_config_source)  # validates before mocking starts
        self._saved_env = {k: os.environ.get(k) for k in ("AWS_DEFAULT_REGION",)}
        os.environ["AWS_DEFAULT_REGION"] = self.region
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        instant_waits.set_enabled(self._instant_waits)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._mock is not None:
                self._mock.stop()
        finally:
            self._mock = None
            self._return_clients()
            mock_config.set_mock_config(None)
            instant_waits.set_enabled(False)
            instant_waits.clear()
            for key, value in self._saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value

    def _require_active(self) -> None:
        if self._mock is None:
            raise EngineError("LocalEngine is not active: use it as 'with LocalEngine() as engine:'")

    # -- clients and resources -------------------------------------------------------------
    def client(self, service: str) -> Any:
        """A boto3 client on the mocked account (host prefixes off, as for any local endpoint).

        The engine's own while it is active (a handler registered on it ends with the engine); an
        unchanged one may serve a later engine (see ``_ClientPool``)."""
        self._require_active()
        client = self._clients.get(service)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(service)
                if client is None:
                    endpoint = _ENDPOINT_OVERRIDES.get(service, "").format(region=self.region) or None
                    key = (service, self.region, endpoint)
                    client, fingerprint = _CLIENT_POOL.take(key, lambda: _create_client(
                        service,
                        endpoint_url=endpoint,
                        region_name=self.region,
                        aws_access_key_id="testing",
                        aws_secret_access_key="testing",
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
                    ))
                    self._lent[service] = (key, fingerprint)
                    self._clients[service] = client
        return client

    def _return_clients(self) -> None:
        with self._clients_lock:
            for service, client in self._clients.items():
                key, fingerprint = self._lent.pop(service)
                _CLIENT_POOL.give_back(key, client, fingerprint)
            self._clients.clear()

    def default_role_arn(self) -> str:
        """An execution role Step Functions may assume, allowed every action (created once)."""
        if self._default_role is None:
            iam = self.client("iam")
            role = iam.create_role(RoleName=DEFAULT_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST_STATES))
            iam.put_role_policy(
                RoleName=DEFAULT_ROLE_NAME, PolicyName="allow-all", PolicyDocument=json.dumps(_ALLOW_ALL)
            )
            self._default_role = role["Role"]["Arn"]
        return self._default_role

    def create_state_machine(
        self,
        name: str,
        definition: dict[str, Any] | str,
        *,
        type: str = "STANDARD",
        role_arn: str | None = None,
    ) -> str:
        """Create a machine from ASL (dict or JSON text); returns its ARN."""
        if type not in ("STANDARD", "EXPRESS"):
            raise EngineError(f"state machine type must be STANDARD or EXPRESS, got {type!r}")
        text = definition if isinstance(definition, str) else json.dumps(definition)
        response = self.client("stepfunctions").create_state_machine(
            name=name, definition=text, roleArn=role_arn or self.default_role_arn(), type=type
        )
        arn = response["stateMachineArn"]
        self._machines[name] = (arn, type)
        self._deployed[name] = (text, role_arn, type)
        return arn

    def deploy_state_machine(
        self,
        name: str,
        definition: dict[str, Any] | str,
        *,
        type: str = "STANDARD",
        role_arn: str | None = None,
    ) -> str:
        """``name`` holding exactly ``definition`` and ``role_arn``: created the first time, left as it is
        when this engine already deployed the same, updated (UpdateStateMachine) when it holds another.

        Why: a test module whose tests share an engine deploys the same machines again and again; each
        CreateStateMachine parses and validates the definition anew (~0.1 s for a lifecycle machine)."""
        text = definition if isinstance(definition, str) else json.dumps(definition)
        held = self._deployed.get(name)
        if held is None:
            return self.create_state_machine(name, text, type=type, role_arn=role_arn)
        arn = self._machines[name][0]
        if held == (text, role_arn, type):
            return arn
        if held[2] != type:
            raise EngineError(f"state machine {name!r} is {held[2]}; its type cannot become {type}")
        self.client("stepfunctions").update_state_machine(
            stateMachineArn=arn, definition=text, roleArn=role_arn or self.default_role_arn())
        self._deployed[name] = (text, role_arn, type)
        return arn

    def _resolve(self, machine: str) -> tuple[str, str]:
        if machine in self._machines:
            return self._machines[machine]
        arn = machine if machine.startswith("arn:") else (
            f"arn:aws:states:{self.region}:{self.account_id}:stateMachine:{machine}"
        )
        try:
            described = self.client("stepfunctions").describe_state_machine(stateMachineArn=arn)
        except self.client("stepfunctions").exceptions.ClientError as exc:
            raise EngineError(f"no state machine named or with ARN {machine!r}: {exc}") from exc
        return arn, described.get("type", "STANDARD")

    # -- execution -------------------------------------------------------------------------
    def run(
        self,
        machine: str,
        input: Any = None,
        *,
        test_case: str | None = None,
        name: str | None = None,
        timeout: float = 60,
    ) -> ExecutionResult:
        """Execute ``machine`` (name or ARN) to completion and report what happened.

        ``test_case`` picks a test case of the mock config (``MockConfigError`` if it has none).
        """
        self._require_active()
        arn, machine_type = self._resolve(machine)
        if test_case:
            # Refused here with a MockConfigError (not moto's InvalidName from StartExecution).
            mock_config.build_test_case(arn.rsplit(":", 1)[-1], test_case)
        sfn = self.client("stepfunctions")
        kwargs: dict[str, Any] = {
            "stateMachineArn": f"{arn}#{test_case}" if test_case else arn,
            "input": json.dumps({} if input is None else input),
        }
        if name:
            kwargs["name"] = name
        if machine_type == "EXPRESS":
            described = sfn.start_sync_execution(**kwargs)
        else:
            execution_arn = sfn.start_execution(**kwargs)["executionArn"]
            described = self._wait(execution_arn, timeout)
        return self._result(described)

    def wait(self, execution_arn: str, *, timeout: float = 60) -> ExecutionResult:
        """The result of an execution something else started (a machine's successor, a client of the
        endpoint), once it has ended; ``ExecutionTimeoutError`` (and the execution stopped) after ``timeout``."""
        self._require_active()
        return self._result(self._wait(execution_arn, timeout))

    def reset_services(self, *, keep: tuple[str, ...] = ("stepfunctions",)) -> None:
        """Empty every service's state but ``keep``'s, as a fresh engine would have it, keeping its
        state machines; the default execution role is made again under the same name (same ARN).

        Why: a test module creates its machines once and starts each test from empty tables, stacks,
        roles and buckets -- moto's own reset (what starting a mock runs), applied per service."""
        from moto.core.base_backend import BackendDict, backend_lock

        self._require_active()
        with backend_lock:
            for backend in list(BackendDict._instances):
                if backend.service_name in keep:
                    continue
                for account_backend in backend.values():
                    account_backend.reset()
                backend.clear()
                BackendDict._instances.remove(backend)
        if "stepfunctions" not in keep:
            self._machines.clear()
            self._deployed.clear()
        if self._default_role is not None and "iam" not in keep:
            self._default_role = None
            self.default_role_arn()

    def _wait(self, execution_arn: str, timeout: float) -> dict[str, Any]:
        """Poll until the execution ends. Why the backend is read first: DescribeExecution through
        boto3 and moto's serializer costs ~2 ms of the GIL the execution's own thread needs, and a
        polling loop made ~15 of them per execution; the status attribute costs microseconds."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout
        delay = 0.0005
        execution = _backend_execution(execution_arn)
        while True:
            if getattr(getattr(execution, "exec_status", None), "value", None) != "RUNNING":
                described = sfn.describe_execution(executionArn=execution_arn)
                if described["status"] in _FINISHED:
                    return described
            if time.monotonic() > deadline:
                sfn.stop_execution(executionArn=execution_arn, error="Engine.Timeout", cause="wait timed out")
                raise ExecutionTimeoutError(f"execution {execution_arn} still RUNNING after {timeout} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.02)

    def history(self, execution_arn: str) -> tuple[dict[str, Any], ...]:
        """All history events of an execution, as JSON values.

        Read from moto's record of the execution when it has one: the same events GetExecutionHistory
        pages through (``tests/local/test_engine.py`` compares both over every kind of state), without
        a serialization round trip per page -- about a sixth of a lifecycle execution's cost."""
        execution = _backend_execution(execution_arn)
        if execution is not None and getattr(execution, "exec_worker", None) is not None:
            try:
                return tuple(to_json_safe(list(execution.to_history_output()["events"])))
            except Exception:  # moto could not build it: the API names the problem
                pass
        return self.history_from_api(execution_arn)

    def history_from_api(self, execution_arn: str) -> tuple[dict[str, Any], ...]:
        """All history events of an execution through GetExecutionHistory, page by page."""
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return tuple(to_json_safe(events))

    def _result(self, described: dict[str, Any]) -> ExecutionResult:
        execution_arn = described["executionArn"]
        events = self.history(execution_arn)
        output = described.get("output")
        return ExecutionResult(
            status=described["status"],
            output=json.loads(output) if output is not None else None,
            error=described.get("error"),
            cause=described.get("cause"),
            execution_arn=execution_arn,
            states=visited_states(events),
            transitions=count_transitions(events),
            history=events,
            waits=tuple(instant_waits.recorded_waits(execution_arn)),
        )
