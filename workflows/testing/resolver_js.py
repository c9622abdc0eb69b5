"""Run a project's generated APPSYNC_JS resolvers (``appsync/<machine>.js``) under node.

Why node and a stub: AppSync's JS runtime is not available outside AWS, and the npm package
``@aws-appsync/utils`` is types only. ``js/appsync_utils_stub.mjs`` implements the ``util``
functions our resolvers call after AWS's documented behaviour (anything else throws), and
``js/run_resolver.mjs`` runs one handler with it. A :class:`ResolverSession` keeps one node process
for many handler runs (start-up is ~150 ms, a run about a millisecond).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

__all__ = ["JS_DIR", "RUNNER", "NodeNotFound", "ResolverCrash", "HandlerOutcome", "ResolverSession", "node"]

#: package data: the runner, the ``@aws-appsync/utils`` stub and the loader that maps one to the other
JS_DIR = Path(str(files("workflows.testing").joinpath("js")))
RUNNER = JS_DIR / "run_resolver.mjs"


class NodeNotFound(RuntimeError):
    """node (20.6 or later) is needed to run the generated APPSYNC_JS resolvers and is not on PATH."""


class ResolverCrash(RuntimeError):
    """A resolver handler crashed in JavaScript (TypeError, a missing module, an unstubbed util ...).

    Not a GraphQL error a client would see as such: the generated code or its stub is wrong.
    """


@dataclass(frozen=True)
class HandlerOutcome:
    """What one handler did: returned ``result``, or called ``util.error`` (``error``), plus appended errors."""

    result: Any = None
    error: dict[str, Any] | None = None
    errors: tuple[dict[str, Any], ...] = ()
    early_return: bool = False
    stash: dict[str, Any] | None = None   # ctx.stash after the handler ran

    @classmethod
    def from_runner(cls, out: dict[str, Any], where: str) -> "HandlerOutcome":
        if "crash" in out or "usage" in out:
            detail = out.get("crash") or {"message": out["usage"]}
            raise ResolverCrash(f"{where}: {detail.get('name') or 'Error'}: {detail['message']}")
        errors, stash = tuple(out.get("errors") or ()), out.get("stash")
        if "earlyReturn" in out:
            return cls(result=out["earlyReturn"], errors=errors, early_return=True, stash=stash)
        return cls(result=out.get("result"), error=out.get("error"), errors=errors, stash=stash)


def node() -> str:
    """The node executable, or NodeNotFound saying why it is needed."""
    found = shutil.which("node")
    if found is None:
        raise NodeNotFound("node is not on PATH: the graphql fixture runs the project's generated APPSYNC_JS "
                           "resolvers (appsync/*.js) under node 20.6 or later; install Node.js")
    return found


class ResolverSession:
    """One node process running handlers on request; use as a context manager (or call ``close``)."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> "ResolverSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [node(), str(RUNNER), "--session"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True, encoding="utf-8", bufsize=1)
        return self._process

    def run(self, module: Path, handler: str, ctx: dict[str, Any]) -> HandlerOutcome:
        """Run ``handler`` ("request" or "response") of ``module`` with ``ctx``; ResolverCrash on a JS crash."""
        line = json.dumps({"module": str(module), "handler": handler, "ctx": ctx})
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            try:
                process.stdin.write(line + "\n")
                process.stdin.flush()
                answer = process.stdout.readline()
            except (BrokenPipeError, OSError) as exc:
                raise ResolverCrash(f"{module.name} {handler}: node stopped: {exc}") from None
        if not answer:
            raise ResolverCrash(f"{module.name} {handler}: node exited with {process.poll()} before answering")
        return HandlerOutcome.from_runner(json.loads(answer), f"{module.name} {handler}")

    def close(self) -> None:
        """Stop the node process (it ends by itself when its stdin closes)."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            if process.stdout is not None:
                process.stdout.close()
