"""`workflows demo` tells the whole story and checks it; CI also runs it from the README's quick start."""

from __future__ import annotations

import json

from click.testing import CliRunner

from workflows.cli import main
from workflows.examples.users.demo import STEPS


def test_demo_json_report_has_every_step_ok() -> None:
    result = CliRunner().invoke(main, ["demo", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert [s["step"] for s in report["steps"]] == list(STEPS)
    assert all(s["ok"] and s["transitions"] > 0 for s in report["steps"])
    roles = report["steps"][0]["facts"]["roles"]
    assert set(roles) == {"acme", "globex"} and all("/tenant-role/" in arn for arn in roles.values())


def test_demo_step_option_stops_early_and_text_names_the_steps() -> None:
    result = CliRunner().invoke(main, ["demo", "--step", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "== 1. " in result.output and "== 2. " in result.output and "== 3. " not in result.output
    assert "[ok;" in result.output and "state transitions" in result.output
