"""``--sfn-coverage``: the pytest side of state-machine coverage (what ``workflows.testing.coverage`` counts).

Registered by ``workflows.testing.plugin`` only when the option is given, so a run without it
imports neither moto nor the engine. Under pytest-xdist every worker collects its own executions
and hands them to the controller in ``workeroutput``; the controller merges them in
``pytest_testnodedown`` and reports once.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from workflows.testing.coverage import CoverageData, format_table

WORKEROUTPUT_KEY = "sfn_coverage"


class SfnCoverage:
    """The plugin object: observes the engine's executions, merges workers, reports, applies fail-under."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.data = CoverageData()
        self.json_path: str | None = config.getoption("--sfn-coverage-json")
        self.fail_under: float | None = config.getoption("--sfn-coverage-fail-under")
        self.is_worker = hasattr(config, "workerinput")
        self.failed_line: str | None = None
        self._stop: Callable[[], None] | None = None

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from workflows.local.engine import observe_executions

        self._stop = observe_executions(self.data.record)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """xdist controller: add one worker's coverage."""
        output = getattr(node, "workeroutput", {}).get(WORKEROUTPUT_KEY)
        if output:
            self.data.merge_json(json.loads(output))

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self._stop is not None:
            self._stop()
        if self.is_worker:
            self.config.workeroutput[WORKEROUTPUT_KEY] = json.dumps(self.data.to_json())  # type: ignore[attr-defined]
            return
        if self.json_path:
            Path(self.json_path).write_text(json.dumps(self.data.to_json(), indent=2) + "\n", encoding="utf-8")
        percent = self.data.percent()
        if self.fail_under is not None and percent < self.fail_under:
            self.failed_line = (f"FAIL Required state-machine coverage of {self.fail_under:g}% not reached. "
                                f"Total coverage: {percent:.2f}%")
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker:
            return
        terminalreporter.write_sep("-", "state-machine coverage (saas-workflows)")
        if not self.data.machines:
            terminalreporter.write_line("no state-machine executions were recorded")
        else:
            terminalreporter.write_line(format_table(self.data))
        if self.json_path:
            terminalreporter.write_line(f"JSON written to {self.json_path}")
        if self.failed_line:
            terminalreporter.write_line(self.failed_line, red=True, bold=True)
