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
def demo_isolation(whole_steps: bool = True) -> Iterator[tuple[Any, str, dict[str, str]]]:
    """Steps 1-3 of `workflows demo` on an engine with the viewer over it: (server, the denied getUser
    execution's ARN, the tenants' roles).

    ``whole_steps=False`` (the browser test): step 1's tenants, then only step 3's first call, tenant acme's
    role with globex's key -- the same denied execution, without step 2's users and step 3's other checks
    (the demo's own tests check those), which cost most of the time."""
    from tests.local.viewer.conftest import serve_engine
    from workflows.examples.users import demo as story

    quiet_moto()
    with LocalEngine() as engine:
        demo = story.Demo(engine)
        story.setup(demo)
        for number in (1, 2, 3) if whole_steps else (1,):
            step = story.Step(number, story.STEPS[number])
            story.RUNNERS[number](demo, step)
            assert step.ok, step.failure
        if not whole_steps:
            a, b = story.TENANTS
            stolen = demo.graphql(story.Step(3, story.STEPS[3]), "getUser", b, {"id": "u00"}, role_of=a)
            assert stolen["errors"][0]["errorType"] == "Tenant.AccessDenied", stolen
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
