"""`pytest --sfn-report-dir DIR` writes one standalone page per failing test with that test's executions:
opened from disk (file://, no server, no network) it shows the failed state and its cause."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from workflows.testing.report_plugin import report_name

pytestmark = pytest.mark.xdist_group("viewer-browser")

TESTS = '''
pytest_plugins = ["workflows.local.pytest_plugin"]

REJECT = {"StartAt": "Check", "States": {
    "Check": {"Type": "Pass", "Next": "Reject"},
    "Reject": {"Type": "Fail", "Error": "Order.Rejected", "Cause": "order 7 is over the limit"}}}


def test_rejects(local_engine):
    local_engine.create_state_machine("orders", REJECT)
    result = local_engine.run("orders", {"total": 250})
    assert result.ok(), result.cause


def test_passes(local_engine):
    local_engine.create_state_machine("orders", REJECT)
    assert not local_engine.run("orders", {}).ok()
'''


def test_a_failing_test_gets_one_page_that_shows_its_failed_state(pytester: pytest.Pytester, page: Any) -> None:
    pytester.makepyfile(test_orders=TESTS)
    folder = pytester.path / "reports"
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly", "-q",
                                          "--sfn-report-dir", str(folder))
    result.assert_outcomes(passed=1, failed=1)
    written = sorted(p.name for p in folder.iterdir())
    assert written == [report_name("test_orders.py::test_rejects")]
    result.stdout.fnmatch_lines([f"execution report: {folder / written[0]}"])
    text = (folder / written[0]).read_text(encoding="utf-8")
    assert "<script src=" not in text and "<link rel=\"stylesheet\"" not in text  # everything inline
    page.goto(Path(folder / written[0]).as_uri())
    node = page.locator('[data-state="Reject"]')
    node.wait_for()
    assert node.get_attribute("data-outcome") == "failed"
    assert page.locator('[data-state="Check"]').get_attribute("data-outcome") == "succeeded"
    assert "order 7 is over the limit" in page.locator(".panel .err .cause").inner_text()
    assert "test_orders.py::test_rejects" in page.title() or page.locator("a", has_text="test_rejects").count() == 1


def test_report_names_are_file_names() -> None:
    assert report_name("tests/test_a.py::test_b[x/y]") == "tests_test_a.py__test_b_x_y_.html"
