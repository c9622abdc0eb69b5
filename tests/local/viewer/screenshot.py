"""The demo's isolation step in the viewer: the helper the browser test uses, and the README's picture.

``python -m tests.local.viewer.screenshot docs/viewer-isolation.png`` remakes the picture (no test writes
it: like golden files, it changes only when someone means it to).
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

from workflows.local.engine import LocalEngine
from workflows.local.runner import quiet_moto


@contextlib.contextmanager
def demo_isolation() -> Iterator[tuple[Any, str, dict[str, str]]]:
    """Steps 1-3 of `workflows demo` on an engine with the viewer over it: (server, the denied getUser
    execution's ARN, the tenants' roles)."""
    from tests.local.viewer.conftest import serve_engine
    from workflows.examples.users import demo as story

    quiet_moto()
    with LocalEngine() as engine:
        demo = story.Demo(engine)
        story.setup(demo)
        for number in (1, 2, 3):
            step = story.Step(number, story.STEPS[number])
            story.RUNNERS[number](demo, step)
            assert step.ok, step.failure
        sfn = engine.client("stepfunctions")
        machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]
                       if m["name"] == "appsync-get-item")
        denied = [e["executionArn"] for e in sfn.list_executions(stateMachineArn=machine)["executions"]
                  if e["status"] == "FAILED"]
        assert len(denied) == 1, denied
        with serve_engine(engine) as server:
            yield server, denied[0], dict(demo.state["roles"])


def main(path: str) -> None:
    from playwright.sync_api import sync_playwright

    from tests.local.viewer.conftest import CHROMIUM, CHROMIUM_ARGS

    with demo_isolation() as (server, arn, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}#/execution/{arn}")
        page.locator(".panel .call").first.wait_for()
        page.screenshot(path=path)
        browser.close()
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "docs/viewer-isolation.png")
