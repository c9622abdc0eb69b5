"""``--sfn-report``: a failing test's state-machine executions as one standalone HTML page each.

The page is the execution viewer of ``workflows local`` (``workflows.local.viewer``) with the data inside
it, so a CI artifact shows the graph with the path taken, every state's input, output, error, service call
and role, with no server and no network. Registered by ``workflows.testing.plugin`` only when asked.
Executions are seen where they end, in the in-process engine (``observe_executions``); a test against
``--sfn-endpoint`` or ``--sfn-stack`` runs them elsewhere and gets no page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, Generator

import pytest

DEFAULT_DIR = "sfn-report"


def report_name(nodeid: str) -> str:
    """A file name for a test id: ``tests/test_a.py::test_b[x]`` -> ``tests_test_a.py__test_b_x_.html``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", nodeid.replace("::", "__"))[:180] + ".html"


class SfnReport:
    """The plugin object: collects each test's executions and writes a page for each failing test."""

    def __init__(self, config: pytest.Config) -> None:
        self.folder = Path(config.getoption("--sfn-report-dir") or DEFAULT_DIR)
        self.every_test = bool(config.getoption("--sfn-report-all"))
        self.written: list[Path] = []
        self._failed: set[str] = set()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: Any) -> Generator[None, None, None]:
        from workflows.local.engine import observe_executions

        seen: list[tuple[str, str, tuple[dict[str, Any], ...]]] = []
        stop: Callable[[], None] = observe_executions(lambda name, definition, events: seen.append(
            (name, definition, events)))
        try:
            yield
        finally:
            stop()
        if seen and (self.every_test or item.nodeid in self._failed):
            self.written.append(self._write(item.nodeid, seen))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: Any) -> Generator[None, Any, None]:
        outcome = yield
        if outcome.get_result().failed:
            self._failed.add(item.nodeid)

    def _write(self, nodeid: str, seen: list[tuple[str, str, tuple[dict[str, Any], ...]]]) -> Path:
        from workflows.local.viewer import execution_view, write_report

        views = []
        for number, (name, definition, events) in enumerate(seen, 1):
            view = execution_view(definition, events, {"machine": name, "name": f"#{number} {name}"})
            views.append(view)
        status = "failed" if nodeid in self._failed else "passed"
        return write_report(self.folder / report_name(nodeid), nodeid, views,
                            f"{len(views)} state-machine execution{'s' if len(views) != 1 else ''} of this test "
                            f"({status}), in the order they ended")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.written:
            terminalreporter.write_sep("-", "state-machine executions (saas-workflows)")
            for path in self.written:
                terminalreporter.write_line(f"execution report: {path}")
