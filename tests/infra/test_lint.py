"""Independent judges of the synthesized templates: cfn-lint (and cdk-nag, which ran during the synth)."""

from __future__ import annotations

import json

import pytest

from tests import cfn_lint

pytestmark = pytest.mark.xdist_group("example-synth")  # one synth per session, on one worker


def test_cfn_lint_finds_no_errors(synth) -> None:
    assert len(synth.templates) == 2  # the app stack and the tenant template
    errors = cfn_lint.errors(cfn_lint.lint_paths(synth.templates))
    assert errors == {}, cfn_lint.report(errors)


def test_cdk_nag_ran_and_every_acknowledgment_has_a_reason(synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text(encoding="utf-8"))
    [nag] = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success" and nag["violations"] == []
    acks: dict[str, str] = {}
    for node in synth.app.node.find_all():
        for entry in node.node.metadata:
            if entry.type == "aws:cdk:acknowledged-rules":
                acks |= {f"{node.node.path} {rule}": reason for rule, reason in entry.data.items()}
    assert acks, "no acknowledgments recorded"
    assert all(rule.split()[1].startswith("AwsSolutions::AwsSolutions-") for rule in acks)
    assert all(len(reason) >= 40 for reason in acks.values()), "every acknowledgment explains itself"
    # no blanket acknowledgment: every one sits below the stack, on the construct it is about
    assert not [rule for rule in acks if rule.split()[0] in ("SaasWorkflows", "")]


def test_cdk_nag_fails_the_synth_without_the_acknowledgments(example, tmp_path) -> None:
    """The plugin really judges this app: with no acknowledgments the same synth is refused."""
    from infra.app import build_app

    app, _ = build_app(str(tmp_path), project=example, validation=False, acknowledge_nag=False)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert "AwsSolutions-ASC3" in rules and "AwsSolutions-S1" in rules
