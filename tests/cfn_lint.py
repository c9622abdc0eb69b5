"""cfn-lint, the independent judge of our templates, run in this process through its Python API.

The command line (``cfn-lint --format json T...``) pays a fresh interpreter, cfn-lint's import and the
loading of its ~300 rules (their schemas, the IAM policy data) on every call: about 2 s of CPU each time,
in a dozen tests. Here the rules are loaded once per process, exactly as the command line loads them
(``Runner(ConfigMixIn([]))``: the built-in rules directory, no appended or custom rules), and each
template goes through the body of ``cfnlint.api.lint`` (decode, then ``run_template_by_data``, what the
command line runs per file) with the command line's defaults (region us-east-1, no ignored checks,
informational checks off). ``cfnlint.api.lint`` itself cannot be handed the loaded rules: in cfn-lint
1.58.0 it reuses only a legacy ``RulesCollection`` (the runner's ``Rules`` is not one) and otherwise builds
a new ``Runner``, loading every rule again. ``tests/core/test_judges.py`` checks that this gives what a fresh ``cfnlint.api.lint_file``
gives on the same file, after the shared rules have judged another template.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cfn-lint is imported on the first lint, not when a test module that may lint is collected
    from cfnlint.rules import Match, Rules


@functools.cache
def rules() -> Rules:
    """cfn-lint's rules as a bare ``cfn-lint`` command line loads them; loaded once per process."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([])).rules


def lint_text(text: str) -> list[Match]:
    """The findings of cfn-lint's default configuration on one template's text (JSON or YAML)."""
    from cfnlint.config import ConfigMixIn
    from cfnlint.decode.decode import decode_str
    from cfnlint.runner import run_template_by_data

    template, matches = decode_str(text)
    if matches:
        return matches
    if template is None:
        return []
    return list(run_template_by_data(template, ConfigMixIn([]), rules()))


def lint_paths(paths: Iterable[Path | str]) -> dict[str, list[Match]]:
    """The findings per template file, as ``cfn-lint FILE...`` would print them."""
    return {str(path): lint_text(Path(path).read_text(encoding="utf-8")) for path in paths}


def errors(findings: dict[str, list[Match]]) -> dict[str, list[Match]]:
    """Only the findings of error level (the ``"Level": "Error"`` of ``--format json``), per file."""
    return {path: [m for m in matches if m.rule.severity == "error"] for path, matches in findings.items()
            if any(m.rule.severity == "error" for m in matches)}


def anything(findings: dict[str, list[Match]]) -> dict[str, list[Match]]:
    """Every finding, per file that has one (what makes the command line exit non-zero)."""
    return {path: matches for path, matches in findings.items() if matches}


def report(findings: dict[str, list[Match]]) -> str:
    """Findings printed for a failing assertion: one line per finding, rule, place and message."""
    return "\n".join(f"{path}:{m.linenumber}:{m.columnnumber}: {m.rule.id} [{m.rule.severity}] {m.message}"
                     for path, matches in findings.items() for m in matches) or "no findings"
