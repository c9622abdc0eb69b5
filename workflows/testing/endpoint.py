"""``workflows local`` in another process, for tests and CI: start on a free port, wait until ready, stop.

Why another process: that is how a CI job or another language's client uses the endpoint, and it
keeps moto's process-wide state (``MOTO_PORT``, the mocks) out of the test process. ``--port 0``
lets the endpoint bind a free port itself (no race between choosing and binding); its ready line
says which.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from types import TracebackType

__all__ = ["LocalProcess", "EndpointStartError"]

_READY = re.compile(r"ready at (http://\S+)")


class EndpointStartError(RuntimeError):
    """``workflows local`` exited, or printed no ready line in time; the message ends with its stderr."""


class LocalProcess:
    """``workflows --project DIR local --port 0`` as a context manager yielding its URL."""

    def __init__(self, project_dir: Path | str, *, timeout: float = 60.0, python: str = sys.executable) -> None:
        self.project_dir = Path(project_dir)
        self.timeout = timeout
        self.python = python
        self.url = ""
        self._process: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+", encoding="utf-8")
        self._reader: threading.Thread | None = None

    def start(self) -> str:
        """Start the endpoint and return its URL once it has printed its ready line."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self._process = subprocess.Popen(
            [self.python, "-m", "workflows", "--project", str(self.project_dir), "local", "--port", "0"],
            stdout=subprocess.PIPE, stderr=self._stderr, stdin=subprocess.DEVNULL, text=True, env=env)
        lines: queue.Queue[str | None] = queue.Queue()

        def read() -> None:
            assert self._process is not None and self._process.stdout is not None
            for line in self._process.stdout:
                lines.put(line)
            lines.put(None)

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()
        while True:
            try:
                line = lines.get(timeout=self.timeout)
            except queue.Empty:
                tail = self._tail()
                self.stop()
                raise EndpointStartError(f"workflows local printed no ready line in {self.timeout:.0f} s{tail}")
            if line is None:
                code = self._process.wait()
                tail = self._tail()
                self.stop()
                raise EndpointStartError(f"workflows local exited with {code} before it was ready{tail}")
            if match := _READY.search(line):
                self.url = match[1]
                return self.url

    def _tail(self) -> str:
        self._stderr.seek(0)
        text = self._stderr.read().strip()
        return f":\n{text[-2000:]}" if text else ""

    def stop(self) -> None:
        """SIGTERM (the endpoint stops cleanly on it), then kill after 10 s; safe to call twice."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)  # it ends at the process's end of output
        if process is not None and process.stdout is not None:
            process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
