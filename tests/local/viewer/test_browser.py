"""The viewer as a user sees it, in a real headless Chromium: the path an execution took, its failed state
and cause, the denied call of the demo's isolation step with the role that made it, live updates, and a
1,000-iteration Map. Outcomes follow the Step Functions console's reading of an execution's history
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-view-execution-details.html)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.local.viewer.conftest import serve_engine
from workflows.local.engine import LocalEngine

pytestmark = pytest.mark.xdist_group("viewer-browser")

ORDERS = {
    "Comment": "an order check whose lookup fails (retried, then caught) and whose decision rejects",
    "StartAt": "Validate",
    "States": {
        "Validate": {"Type": "Pass", "Next": "Lookup"},
        "Lookup": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                   "Parameters": {"TableName": "no-such-table", "Key": {"pk": {"S": "order-7"}}},
                   "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 1, "IntervalSeconds": 1}],
                   "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Recover", "ResultPath": "$.lookupError"}],
                   "ResultPath": "$.order", "Next": "Decide"},
        "Recover": {"Type": "Pass", "Next": "Decide"},
        "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Next": "Reject"}],
                   "Default": "Accept"},
        "Reject": {"Type": "Fail", "Error": "Order.Rejected", "Cause": "order 7 is over the limit"},
        "Accept": {"Type": "Pass", "End": True},
    },
}


def _execution_url(server: Any, arn: str) -> str:
    return f"{server.url}#/execution/{arn}"


def test_a_failed_execution_marks_its_failed_state_shows_the_cause_and_colours_the_path(page: Any) -> None:
    with LocalEngine() as engine, serve_engine(engine) as server:
        engine.create_state_machine("orders", ORDERS)
        result = engine.run("orders", {"total": 250})
        assert result.status == "FAILED"
        page.goto(_execution_url(server, result.execution_arn))
        page.wait_for_selector("svg .node")
        node = page.locator('[data-state="Reject"]')
        assert node.get_attribute("data-outcome") == "failed"
        assert "o-failed" in node.get_attribute("class")
        assert page.locator('[data-state="Accept"]').get_attribute("data-outcome") == "none"  # not reached
        assert page.locator('[data-state="Lookup"]').get_attribute("data-outcome") == "caught"
        # the execution's error and cause, at the top of the page
        alert = page.get_by_role("alert")
        assert "Order.Rejected" in alert.inner_text() and "order 7 is over the limit" in alert.inner_text()
        # the path: the transitions taken are coloured, the one not taken is not
        taken = {(e.get_attribute("data-from"), e.get_attribute("data-to")) for e in page.locator("path.edge.taken").all()}
        assert {("Validate", "Lookup"), ("Lookup", "Recover"), ("Recover", "Decide"), ("Decide", "Reject")} <= taken
        assert ("Decide", "Accept") not in taken and ("Lookup", "Decide") not in taken
        # the caught task is chosen first: its service call, both attempts, and its error
        panel = page.locator(".panel")
        assert "dynamodb:getItem" in panel.locator(".call").first.inner_text()
        assert "2 attempts" in panel.inner_text()
        # with the keyboard: focus the failed state, Enter, and its cause is shown
        node.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector('.panel article[data-outcome="failed"]')
        assert "order 7 is over the limit" in page.locator(".panel .err").inner_text()
        assert "Order.Rejected" in page.locator(".panel .err .name").inner_text()


def test_the_demo_isolation_step_shows_the_denied_call_and_the_role_that_made_it(page: Any, tmp_path: Any) -> None:
    from tests.local.viewer.screenshot import demo_isolation

    with demo_isolation(whole_steps=False) as (server, arn, roles):
        page.goto(_execution_url(server, arn))
        call = page.locator('.panel .call[data-call="dynamodb:getItem"]').first
        call.wait_for()
        assert roles["acme"] in call.locator(".role").inner_text()  # acme's role, on globex's key
        assert "globex#User" in call.inner_text()
        visit = page.locator(".panel article").first
        assert visit.get_attribute("data-outcome") == "caught"
        assert "DynamoDB.AccessDeniedException" in visit.locator(".err .name").inner_text()
        assert "is not authorized to perform: dynamodb:GetItem" in visit.locator(".err .cause").inner_text()
        assert page.locator('[data-state="AccessDenied"]').get_attribute("data-outcome") == "failed"
        page.screenshot(path=str(tmp_path / "isolation.png"), full_page=True)
        assert (tmp_path / "isolation.png").stat().st_size > 10_000


def test_the_machines_list_and_a_machine_page(page: Any) -> None:
    with LocalEngine() as engine, serve_engine(engine) as server:
        engine.create_state_machine("orders", ORDERS)
        engine.create_state_machine("quick", {"QueryLanguage": "JSONata", "StartAt": "P",
                                              "States": {"P": {"Type": "Pass", "End": True}}}, type="EXPRESS")
        first = engine.run("orders", {"total": 250})
        second = engine.run("orders", {"total": 5})
        page.goto(server.url)
        page.get_by_role("link", name="quick").wait_for()  # the list is drawn once its data arrives
        row = page.locator("tr", has=page.get_by_role("link", name="quick"))
        assert row.locator("td").all_inner_texts() == ["quick", "EXPRESS", "JSONata", "1", "0"]
        assert page.locator("tr", has=page.get_by_role("link", name="orders")).locator("td").all_inner_texts() == [
            "orders", "STANDARD", "JSONPath", "6", "2"]
        page.get_by_role("link", name="orders").click()
        page.wait_for_selector("svg .node")
        page.locator("tbody tr").nth(1).wait_for()
        links = page.locator("tbody a").all_inner_texts()
        names = [arn.rsplit(":", 1)[-1] for arn in (second.execution_arn, first.execution_arn)]
        assert links == names  # newest first
        assert page.locator("tbody tr").first.locator(".badge").inner_text() == "SUCCEEDED"
        assert page.locator("tbody tr").nth(1).locator(".badge").inner_text() == "FAILED"


def test_a_running_execution_updates_without_a_reload(page: Any) -> None:
    # long enough to load the page while it runs, short enough not to idle the worker (the page polls each second)
    waiting = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 4, "Next": "Done"},
                                             "Done": {"Type": "Pass", "End": True}}}
    with LocalEngine(instant_waits=False) as engine, serve_engine(engine) as server:
        arn = engine.create_state_machine("slow", waiting)
        execution = engine.client("stepfunctions").start_execution(stateMachineArn=arn, input="{}")["executionArn"]
        page.goto(_execution_url(server, execution))
        page.wait_for_selector("h1 .badge")
        assert page.locator("h1 .badge").inner_text() == "RUNNING"
        assert page.locator('[data-state="Hold"]').get_attribute("data-outcome") == "running"
        page.wait_for_function("document.querySelector('h1 .badge').textContent === 'SUCCEEDED'", timeout=40_000)
        assert page.locator('[data-state="Done"]').get_attribute("data-outcome") == "succeeded"


def test_a_thousand_iteration_map_loads(page: Any) -> None:
    """Measured, not asserted: the seconds from navigation to the drawn graph go to the test's report."""
    big = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0, "End": True,
        "ItemProcessor": {"StartAt": "Double", "States": {
            "Double": {"Type": "Pass", "Parameters": {"n.$": "$", "twice.$": "States.MathAdd($, $)"}, "Next": "Done"},
            "Done": {"Type": "Pass", "End": True}}}}}}
    with LocalEngine() as engine, serve_engine(engine) as server:
        engine.create_state_machine("big", big)
        result = engine.run("big", {"items": list(range(1000))}, timeout=300)
        assert result.status == "SUCCEEDED" and len(result.output) == 1000
        started = time.perf_counter()
        page.goto(_execution_url(server, result.execution_arn))
        page.wait_for_selector('[data-state="Each"][data-outcome="succeeded"]', timeout=60_000)
        seconds = time.perf_counter() - started
        assert "1000 iterations" in page.locator('[data-state="Each"]').text_content()
        page.locator('[data-state="Each"]').focus()
        page.keyboard.press("Enter")
        assert page.locator(".iters button").count() == 1000
        assert page.locator(".iters button.succeeded").count() == 1000
        # the grid is one tab stop: arrows move along it, Enter opens an iteration's states
        page.locator(".iters button").first.focus()
        page.keyboard.press("End")
        page.keyboard.press("ArrowLeft")
        page.keyboard.press("Enter")
        page.wait_for_selector(".panel article")
        states = page.locator(".panel article").evaluate_all("nodes => nodes.map(n => n.querySelector('strong').textContent)")
        assert states == ["Double", "Done"]
        assert "998" in page.locator(".panel").inner_text()  # Done's output for item 998: {"n": 998, ...}
        assert page.locator('[data-state="Each/iteration/Double"]').get_attribute("data-outcome") == "succeeded"
        print(f"\n1,000-iteration Map execution page loaded in {seconds:.2f} s "
              f"({len(result.history)} events)")
