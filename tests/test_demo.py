"""`workflows demo` tells the whole story and checks it; CI also runs it from the README's quick start.

One whole run (``--json``) is shared by the tests that read its report: each run builds a fresh engine and
every tenant, so a run per test was the slowest part of the suite. Its readers are one xdist group, so that run is
made once, not once per worker that draws one of them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from workflows.cli import main
from workflows.examples.users import demo as demo_module
from workflows.examples.users.demo import STEPS

one_report = pytest.mark.xdist_group("demo-report")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    result = CliRunner().invoke(main, ["demo", "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


@one_report
def test_demo_json_report_has_every_step_ok(report: dict[str, Any]) -> None:
    assert report["ok"] is True
    assert [s["step"] for s in report["steps"]] == list(STEPS)
    assert all(s["ok"] and s["transitions"] > 0 for s in report["steps"])
    roles = report["steps"][0]["facts"]["roles"]
    assert set(roles) == {"acme", "globex"} and all("/tenant-role/" in arn for arn in roles.values())


def test_demo_step_option_stops_early_and_text_names_the_steps() -> None:
    result = CliRunner().invoke(main, ["demo", "--step", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "== 1. " in result.output and "== 2. " not in result.output
    assert "[ok;" in result.output and "state transitions" in result.output


@one_report
def test_demo_feature_gate_refuses_a_tenant_without_the_feature_and_serves_one_with_it(
        report: dict[str, Any]) -> None:
    gate = report["steps"][2]
    assert gate["ok"], gate["failure"]
    assert gate["facts"]["features"] == {"acme": ",export,", "globex": ","}
    text = "\n".join(gate["lines"])
    assert '"errorType": "Feature.NotEnabled"' in text and "feature export is not enabled" in text
    assert "23 users in one page" in text


def test_demo_feature_gate_step_fails_when_the_tenant_lacks_the_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    """Step 3's feature-gate check is not vacuous: without acme's feature, run_demo reports step 3 failed with
    the gate's message. Only what the gate needs runs (the tenants of step 1, then the gate itself): step 2's
    users and step 3's other checks (a stolen key, a duplicate email) are the report's, whatever the features."""
    monkeypatch.setattr(demo_module, "TENANT_FEATURES", {})
    monkeypatch.setitem(demo_module.RUNNERS, 2, lambda demo, step: None)
    monkeypatch.setitem(demo_module.RUNNERS, 3, demo_module.step_feature_gate)
    gate = demo_module.run_demo(until=3)[2]
    assert not gate.ok and "exportUsers for acme" in gate.failure
