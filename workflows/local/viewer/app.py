"""The viewer over HTTP: a WSGI app for the page, its static files and its JSON API, and a way to mount it.

Mounted on the endpoint's own port under ``/ui/`` (a browser's request, with no AWS signature, is never an
AWS API call), or served alone on ``--ui-port``. Every script and style is package data: the page works
with no network.
"""

from __future__ import annotations

import json
import socket
import threading
from importlib import resources
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from workflows.local.viewer.source import ClientSource

PREFIX = "/ui"
STATIC_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                ".html": "text/html; charset=utf-8"}

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def static_text(name: str) -> str:
    """A file of the page (``index.html``, ``viewer.js``, ``viewer.css``), read from the package."""
    return resources.files("workflows.local.viewer").joinpath("static", name).read_text(encoding="utf-8")


def _respond(start_response: Callable[..., Any], status: str, body: bytes, content_type: str,
             extra: list[tuple[str, str]] | None = None) -> list[bytes]:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), ("Cache-Control", "no-store"),
               ("X-Content-Type-Options", "nosniff")] + (extra or [])
    start_response(status, headers)
    return [body]


def _json(start_response: Callable[..., Any], value: Any, status: str = "200 OK") -> list[bytes]:
    body = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode()
    return _respond(start_response, status, body, "application/json; charset=utf-8")


def viewer_app(source: ClientSource) -> WSGIApp:
    """The viewer's WSGI app; paths are those under ``/ui``."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path in ("", "/") or path == PREFIX:
            return _respond(start_response, "302 Found", b"", "text/plain", [("Location", PREFIX + "/")])
        path = path.removeprefix(PREFIX)
        if environ.get("REQUEST_METHOD", "GET") not in ("GET", "HEAD"):
            return _json(start_response, {"error": "the viewer only reads"}, "405 Method Not Allowed")
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        try:
            if path == "/":
                return _respond(start_response, "200 OK", static_text("index.html").encode(), STATIC_TYPES[".html"])
            if path.startswith("/static/"):
                name = path.removeprefix("/static/")
                suffix = name[name.rfind("."):] if "." in name else ""
                if "/" in name or suffix not in STATIC_TYPES:
                    return _json(start_response, {"error": f"no file {name}"}, "404 Not Found")
                return _respond(start_response, "200 OK", static_text(name).encode(), STATIC_TYPES[suffix])
            if path == "/api/machines":
                return _json(start_response, {"machines": source.machines()})
            if path == "/api/machine":
                machine = source.machine(query.get("name", ""))
                if machine is None:
                    return _json(start_response, {"error": f"no state machine {query.get('name')!r}"}, "404 Not Found")
                return _json(start_response, machine)
            if path == "/api/execution":
                view = source.execution(query.get("arn", ""))
                if view is None:
                    return _json(start_response, {"error": f"no execution {query.get('arn')!r}"}, "404 Not Found")
                return _json(start_response, view)
        except FileNotFoundError:
            pass
        except Exception as error:  # noqa: BLE001 - the page shows what went wrong instead of a dropped request
            return _json(start_response, {"error": f"{type(error).__name__}: {error}"}, "500 Internal Server Error")
        return _json(start_response, {"error": f"no page {path}"}, "404 Not Found")

    return app


def _is_browser_request(environ: dict[str, Any]) -> bool:
    """A GET with no AWS signature (header or presigned query) for ``/`` or under ``/ui``."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
        return False
    if "X-Amz-Signature" in environ.get("QUERY_STRING", "") or "Signature=" in environ.get("QUERY_STRING", ""):
        return False
    path = environ.get("PATH_INFO", "")
    if path == "/":
        return "text/html" in environ.get("HTTP_ACCEPT", "")
    return path == PREFIX or path.startswith(PREFIX + "/")


def mount(app: WSGIApp, url: Callable[[], str]) -> WSGIApp:
    """``app`` with the viewer answering browsers' requests for ``/`` and ``/ui/...`` (``url()``: the endpoint)."""
    source = ClientSource(lambda: endpoint_client(url()))
    viewer = viewer_app(source)

    def mounted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if _is_browser_request(environ):
            return viewer(environ, start_response)
        return app(environ, start_response)

    return mounted


def endpoint_client(url: str) -> Any:
    """A Step Functions client for the endpoint at ``url`` (as ``LocalEndpoint.client`` makes them)."""
    import boto3
    from botocore.config import Config

    return boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="local",
                        aws_secret_access_key="local",
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))


class _QuietHandler(WSGIRequestHandler):
    """No line per request on the terminal (the page polls); errors are still logged."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


class ViewerServer:
    """The viewer alone on its own port of 127.0.0.1 (``--ui-port``), in a thread; ``port=0`` picks one."""

    def __init__(self, source: ClientSource, port: int = 0, host: str = "127.0.0.1") -> None:
        # bound here, so a taken port is an OSError the caller can name (werkzeug would exit the process)
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            self._listener.bind((host, port))
            self._listener.listen(64)
        except OSError:
            self._listener.close()
            raise
        port = self._listener.getsockname()[1]
        self._server: BaseWSGIServer = make_server(host, port, viewer_app(source), threaded=True,
                                                   request_handler=_QuietHandler, fd=self._listener.fileno())
        self.url = f"http://{host}:{port}{PREFIX}/"
        self._thread = threading.Thread(target=self._server.serve_forever, name="viewer", daemon=True)

    def start(self) -> "ViewerServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._listener.close()

    def __enter__(self) -> "ViewerServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
