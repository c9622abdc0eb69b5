"""A real headless Chromium (Debian's, /usr/bin/chromium) driven by Playwright for Python, and the viewer
served over an in-process engine. No test here skips: CI installs chromium (.ci/run) before the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags, Chromium's own connections are refused by a closed network;
# Playwright gives every launch a fresh, empty user-data-dir.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new page; a script error on it fails the test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


def serve_engine(engine: Any) -> Any:
    """The viewer over an in-process engine's Step Functions client, on a free port (a context manager)."""
    from workflows.local.viewer.app import ViewerServer
    from workflows.local.viewer.source import ClientSource

    return ViewerServer(ClientSource(lambda: engine.client("stepfunctions")), 0)
