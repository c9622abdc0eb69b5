"""The local engine as an HTTP endpoint, for any AWS SDK client with an ``endpoint_url``.

Why an endpoint and not only the in-process engine: callers that are not Python tests (the CLI,
a browser demo, another language's SDK, a CI job) need what Step Functions Local gives, one URL
that answers the Step Functions API and the services the workflows call. moto's
``ThreadedMotoServer`` already speaks every AWS wire protocol; this module narrows it to the
services the workflows use, turns on its state-machine interpreter, applies the project's moto
adaptations in the same process, and creates the given state machines.

moto's interpreter makes its own service calls over HTTP to ``http://localhost:$MOTO_PORT``
(read on every call by ``moto.settings.moto_server_port``), so the endpoint sets ``MOTO_PORT`` to
the port it bound. That variable is process-wide: one endpoint per process.

Clients must create their Step Functions client with
``botocore.config.Config(inject_host_prefix=False)`` for ``StartSyncExecution``; otherwise boto3
sends it to ``sync-127.0.0.1``, which does not resolve (the same holds for Step Functions Local).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from moto.core.config import default_user_config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from workflows.local.errors import EngineError
from workflows.local.logs import apply_moto_logs, set_moto_logs
from workflows.local.adaptations.parser_error_codes import install_parser_error_codes

HOST = "127.0.0.1"
DEFAULT_PORT = 8083
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
LOCAL_ROLE_NAME = "saas-workflows-local"
LOCAL_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{LOCAL_ROLE_NAME}"
# The machines' execution role: trusted by Step Functions and allowed everything, including
# sts:AssumeRole, which the Credentials adaptation requires before a task may assume a tenant role.
_TRUST_STEP_FUNCTIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["*", "sts:AssumeRole"], "Resource": "*"}],
}
MACHINE_TYPES = ("STANDARD", "EXPRESS")

# moto backend names (see moto/backend_index.py) this endpoint answers; ``moto_api`` is moto's
# own control API (config, reset), which the endpoint uses to switch the interpreter on.
SERVED_BACKENDS = frozenset(
    {
        "stepfunctions",
        "dynamodb",
        "dynamodbstreams",
        "s3",
        "cloudformation",
        "iam",
        "sts",
        "events",
        "moto_api",
    }
)
NOT_SERVED_ERROR = "ServiceNotServedLocally"


class EndpointError(EngineError):
    """The local endpoint could not start or could not be configured."""


class EndpointAlreadyRunning(EndpointError):
    """A second endpoint in one process would fight over the process-wide ``MOTO_PORT``."""


class InvalidMachineSpec(EngineError, ValueError):
    """A state machine given to the endpoint is malformed (name, type, file or definition)."""


@dataclass(frozen=True)
class MachineSpec:
    """One state machine to create at start-up; the ARN follows from the name."""

    name: str
    definition: str
    type: str = "STANDARD"

    @property
    def arn(self) -> str:
        return machine_arn(self.name)


def machine_arn(name: str) -> str:
    """The ARN the endpoint gives the machine called ``name``."""
    return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"


def _as_spec(machine: tuple[str, str, str] | MachineSpec) -> MachineSpec:
    spec = machine if isinstance(machine, MachineSpec) else MachineSpec(*machine)
    if not spec.name:
        raise InvalidMachineSpec("state machine name is empty")
    if spec.type not in MACHINE_TYPES:
        raise InvalidMachineSpec(
            f"state machine {spec.name!r}: type {spec.type!r} is not one of {', '.join(MACHINE_TYPES)}"
        )
    try:
        json.loads(spec.definition)
    except json.JSONDecodeError as error:
        raise InvalidMachineSpec(f"state machine {spec.name!r}: definition is not JSON: {error}") from None
    return spec


def parse_machine_arg(text: str) -> MachineSpec:
    """Read ``name=path.json[:EXPRESS|:STANDARD]`` (the ``--machine`` option) into a spec."""
    name, sep, rest = text.partition("=")
    if not sep or not name or not rest:
        raise InvalidMachineSpec(f"--machine {text!r}: expected name=path.json[:EXPRESS|:STANDARD]")
    path_text, machine_type = rest, "STANDARD"
    head, colon, tail = rest.rpartition(":")
    if colon and tail.upper() in MACHINE_TYPES:
        path_text, machine_type = head, tail.upper()
    elif colon and tail and "/" not in tail and "\\" not in tail:
        raise InvalidMachineSpec(
            f"--machine {text!r}: type {tail!r} is not one of {', '.join(MACHINE_TYPES)}"
        )
    path = Path(path_text)
    try:
        definition = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidMachineSpec(f"--machine {text!r}: cannot read {path}: {error.strerror}") from None
    return _as_spec(MachineSpec(name, definition, machine_type))


# Services whose SDK clients parse errors as REST-XML (botocore ``metadata.protocol``).
_REST_XML_SIGNING_NAMES = frozenset({"s3", "cloudfront", "route53"})


def _signing_service(environ: dict[str, Any]) -> str:
    """The service in a SigV4 credential scope (``Credential=key/date/region/service/aws4_request``)."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    scope = authorization.partition("Credential=")[2].split(",")[0].split("/")
    return scope[3] if len(scope) == 5 else ""


def _not_served_app(service: str) -> Callable[..., Iterable[bytes]]:
    """A WSGI app answering every request with an error the caller's SDK can parse.

    The body's shape follows the request's protocol: an XML ``ErrorResponse`` for query
    (form-encoded) and REST-XML clients, JSON (``__type`` + ``x-amzn-ErrorType``) otherwise.
    """
    served = ", ".join(sorted(SERVED_BACKENDS - {"moto_api"}))
    message = f"the saas-workflows local endpoint does not serve {service!r}; it serves: {served}"

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        is_query = environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded")
        is_rest_xml = _signing_service(environ) in _REST_XML_SIGNING_NAMES
        if not (is_query or is_rest_xml):
            body = json.dumps({"__type": NOT_SERVED_ERROR, "message": message}).encode()
            content_type = "application/x-amz-json-1.1"
        else:
            body = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{NOT_SERVED_ERROR}</Code><Message>{message}</Message>"
                "</Error></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        start_response(
            "400 Bad Request",
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("x-amzn-ErrorType", NOT_SERVED_ERROR),
            ],
        )
        return [body]

    return app


def _create_served_app(service: Any) -> Any:
    if service in SERVED_BACKENDS:
        return create_backend_app(service)
    return _not_served_app(str(service))


class _QuietRequestHandler(MotoRequestHandler):
    """Drops werkzeug's one-line-per-request log; errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class _ServedServicesServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose dispatcher refuses services the workflows do not use.

    Overrides moto 5.2.5's ``_server_entry`` (the one place the WSGI app is built) with the same
    construction, a different ``create_app``, and a socket bound beforehand by the caller: werkzeug
    answers a bind failure with ``sys.exit`` inside moto's thread, which would leave ``start()``
    waiting forever. tests/local/test_server_inprocess.py pins the copied construction.
    """

    def __init__(self, listener: socket.socket, log_requests: bool) -> None:
        host, port = listener.getsockname()[:2]
        super().__init__(ip_address=host, port=port, verbose=False)
        self._listener = listener
        self._handler = MotoRequestHandler if log_requests else _QuietRequestHandler

    def _server_entry(self) -> None:
        from workflows.local.viewer.app import mount

        url = f"http://{self._ip_address}:{self._port}"
        app = mount(DomainDispatcherApplication(_create_served_app), lambda: url)  # the viewer under /ui/
        self._server = make_server(
            self._ip_address,
            self._port,
            app,
            True,
            request_handler=self._handler,
            fd=self._listener.fileno(),
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def stop(self) -> None:
        super().stop()
        if self._server is not None:
            self._server.server_close()
        self._listener.close()


def _listen(port: int) -> socket.socket:
    """Bind and listen on 127.0.0.1 here, so a taken port is an error the caller can name."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((HOST, port))
        listener.listen(128)
    except OSError as error:
        listener.close()
        raise EndpointError(f"cannot listen on {HOST}:{port}: {error.strerror or error}") from None
    return listener


_running_lock = threading.Lock()
_running: LocalEndpoint | None = None


def _install_adaptations() -> None:
    """Apply the project's moto adaptations in this process (the interpreter runs here)."""
    from workflows.local.adaptations import install_all

    install_all()
    install_parser_error_codes()


class LocalEndpoint:
    """The endpoint on 127.0.0.1, as a context manager for tests and CI.

    ``port=0`` picks a free port; ``.url`` tells which. Starting resets moto's in-process
    state, so the endpoint holds exactly the given machines; stopping restores ``MOTO_PORT``
    and the interpreter switch as they were.
    """

    def __init__(
        self,
        port: int = 0,
        machines: Iterable[tuple[str, str, str] | MachineSpec] = (),
        mock_config: dict[str, Any] | str | os.PathLike[str] | None = None,
        log_requests: bool = False,
        ui_port: int | None = None,
    ) -> None:
        self.machines = [_as_spec(machine) for machine in machines]
        names = [spec.name for spec in self.machines]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InvalidMachineSpec(f"state machine names given twice: {', '.join(duplicates)}")
        self._port = port
        self._mock_config = mock_config
        self._log_requests = log_requests
        self._server: _ServedServicesServer | None = None
        self._saved_moto_port: str | None = None
        self._saved_sfn_config: dict[str, Any] | None = None
        self._mock_config_installed = False
        self.url = ""
        self._ui_port = ui_port
        self._viewer: Any = None
        self.viewer_url = ""

    def start(self) -> LocalEndpoint:
        global _running
        with _running_lock:
            if _running is not None:
                raise EndpointAlreadyRunning(
                    f"a local endpoint already runs in this process at {_running.url}; "
                    "MOTO_PORT is process-wide, so stop it first"
                )
            _running = self
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        apply_moto_logs()  # moto's internal error logs stay off the terminal unless set_moto_logs(True)
        _install_adaptations()
        if self._mock_config is not None:
            _install_mock_config(self._mock_config)
            self._mock_config_installed = True
        listener = _listen(self._port)
        port = listener.getsockname()[1]
        self.url = f"http://{HOST}:{port}"
        self._saved_moto_port = os.environ.get("MOTO_PORT")
        os.environ["MOTO_PORT"] = str(port)
        self._server = _ServedServicesServer(listener, self._log_requests)
        self._server.start()
        self._saved_sfn_config = dict(default_user_config.get("stepfunctions", {}))
        self._moto_api("reset", {})
        self._moto_api("config", {"stepfunctions": {"execute_state_machine": True}})
        self._start_viewer()  # before the machines: a taken --ui-port fails at once, not after creating them all
        self._create_execution_role()
        self._create_machines()

    def _start_viewer(self) -> None:
        """The execution viewer: under /ui/ on this port, or alone on ``ui_port`` when one is given."""
        from workflows.local.viewer.app import PREFIX, ViewerServer, endpoint_client
        from workflows.local.viewer.source import ClientSource

        self.viewer_url = f"{self.url}{PREFIX}/"
        if self._ui_port is not None:
            url = self.url
            try:
                self._viewer = ViewerServer(ClientSource(lambda: endpoint_client(url)), self._ui_port, HOST).start()
            except OSError as error:
                raise EndpointError(f"cannot listen on {HOST}:{self._ui_port} for the viewer: "
                                    f"{error.strerror or error}") from None
            self.viewer_url = self._viewer.url

    def _moto_api(self, action: str, body: dict[str, Any]) -> None:
        request = urllib.request.Request(
            f"{self.url}/moto-api/{action}", data=json.dumps(body).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()

    def _create_execution_role(self) -> None:
        iam = self.client("iam")
        iam.create_role(
            RoleName=LOCAL_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(_TRUST_STEP_FUNCTIONS)
        )
        iam.put_role_policy(
            RoleName=LOCAL_ROLE_NAME, PolicyName="allow-all", PolicyDocument=json.dumps(_ALLOW_ALL)
        )

    def _create_machines(self) -> None:
        sfn = self.client("stepfunctions")
        for spec in self.machines:
            try:
                sfn.create_state_machine(
                    name=spec.name,
                    definition=spec.definition,
                    roleArn=LOCAL_ROLE_ARN,
                    type=spec.type,
                )
            except ClientError as error:
                err = error.response.get("Error", {})
                raise InvalidMachineSpec(
                    f"state machine {spec.name!r} rejected: {err.get('Code')}: {err.get('Message')}"
                ) from None

    def client(self, service: str) -> Any:
        """A boto3 client for this endpoint (dummy keys, us-east-1, no host prefix).

        From the engine's long-lived session, not boto3's default one: a mock start (any engine's) drops
        ``boto3.DEFAULT_SESSION``, and a new session re-reads botocore's JSON models (50-100 ms)."""
        from workflows.local.engine import _create_client

        return _create_client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="local",
            aws_secret_access_key="local",
            config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
        )

    def ready_line(self) -> str:
        """The one line announcing the endpoint: URL and the machines it holds."""
        names = ", ".join(spec.name for spec in self.machines)
        count = len(self.machines)
        plural = "" if count == 1 else "s"
        listed = f": {names}" if names else ""
        return f"saas-workflows local endpoint ready at {self.url} ({count} state machine{plural}{listed})"

    def stop(self) -> None:
        """Stop serving and restore the process-wide settings; safe to call twice."""
        global _running
        if self._viewer is not None:
            self._viewer.stop()
            self._viewer = None
        if self._server is not None:
            self._server.stop()
            self._server = None
        if self._saved_sfn_config is not None:
            default_user_config["stepfunctions"] = self._saved_sfn_config  # type: ignore[typeddict-item]
            self._saved_sfn_config = None
        if self._mock_config_installed:
            _install_mock_config(None)
            self._mock_config_installed = False
        if self.url:
            if self._saved_moto_port is None:
                os.environ.pop("MOTO_PORT", None)
            else:
                os.environ["MOTO_PORT"] = self._saved_moto_port
        with _running_lock:
            if _running is self:
                _running = None

    def __enter__(self) -> LocalEndpoint:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _install_mock_config(mock_config: dict[str, Any] | str | os.PathLike[str] | None) -> None:
    """Make a MockConfigFile (dict or path) the engine's active one; None clears it.

    With none given, the engine still honours ``SFN_MOCK_CONFIG`` as Step Functions Local does.
    Test cases are chosen per execution with ``<stateMachineArn>#<TestCase>``.
    """
    from workflows.local.adaptations import mock_config as mock_adaptation

    mock_adaptation.set_mock_config(mock_config)


@contextlib.contextmanager
def _stop_signals() -> Iterator[threading.Event]:
    """SIGINT (Ctrl-C) and SIGTERM set the yielded event, from the moment this is entered.

    Installed before the endpoint starts and announces itself, so a signal sent right after the
    ready line cannot reach Python's default handlers (which would exit non-zero); both signals
    only set an event, so no KeyboardInterrupt lands half-way through the shutdown. Outside the
    main thread (where handlers cannot be installed) Ctrl-C still arrives as KeyboardInterrupt.
    """
    stop = threading.Event()
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        yield stop
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _wait(stop: threading.Event) -> None:
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass


def serve(
    port: int = DEFAULT_PORT,
    machines: Iterable[tuple[str, str, str]] = (),
    mock_config: dict[str, Any] | str | os.PathLike[str] | None = None,
    ready: Callable[[str], None] | None = None,
    ui_port: int | None = None,
) -> None:
    """Serve until Ctrl-C or SIGTERM, then stop cleanly and return.

    ``machines`` are (name, definition JSON, "EXPRESS"|"STANDARD"); ``ready`` receives the one
    ready line (default: print it), so a CLI can route it through its own output.
    """
    announce = ready or (lambda line: print(line, flush=True))
    with _stop_signals() as stop, LocalEndpoint(
        port=port, machines=machines, mock_config=mock_config, ui_port=ui_port
    ) as endpoint:
        announce(endpoint.ready_line())
        _wait(stop)


def main(argv: list[str] | None = None) -> int:
    """``python -m workflows.local.server``: the endpoint without the project's CLI."""
    parser = argparse.ArgumentParser(
        prog="python -m workflows.local.server",
        description="Serve the local Step Functions engine and its AWS services on 127.0.0.1.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--machine",
        action="append",
        default=[],
        metavar="NAME=PATH.json[:EXPRESS|:STANDARD]",
        help="a state machine to create (repeatable; type defaults to STANDARD)",
    )
    parser.add_argument("--mock-config", type=Path, help="a Step Functions MockConfigFile (JSON)")
    parser.add_argument("--verbose", action="store_true", help="show moto's internal logs on stderr")
    args = parser.parse_args(argv)
    set_moto_logs(args.verbose)
    try:
        machines = [parse_machine_arg(text) for text in args.machine]
        serve(
            port=args.port,
            machines=[(m.name, m.definition, m.type) for m in machines],
            mock_config=args.mock_config,
        )
    except EngineError as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    _code = main()
    # As workflows.cli.exit_without_teardown (the engine may not import the CLI): atexit handlers and flushed
    # streams, then no teardown of moto's module graph, which costs a second or more per stop.
    import atexit

    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_code)
