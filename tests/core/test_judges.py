"""Independent judges: asl-validator (npm) and cfn-lint accept every machine we emit.

Our validator is never the only judge. Both tools also get a deliberately broken machine, to show
that they do judge.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests import cfn_lint
from tests.core import examples
from workflows.project import example_project

ROOT = Path(__file__).resolve().parents[2]
ASL_VALIDATOR = ROOT / "node_modules" / ".bin" / "asl-validator"


def machines() -> dict[str, str]:
    """name -> definition text with placeholders filled, for every catalog and example machine."""
    out = {name: flow.build().substituted() for name, flow in example_project().workflows().items()}
    for factory in examples.ALL:
        machine = factory()
        machine.validate()
        out[machine.name] = machine.substituted()
    return out


BROKEN = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Missing"}}})


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("asl")
    paths = {}
    for name, text in machines().items():
        paths[name] = folder / f"{name}.json"
        paths[name].write_text(text)
    return paths


def _asl_validator(paths: list[Path]) -> subprocess.CompletedProcess[str]:
    if not ASL_VALIDATOR.exists():
        pytest.fail("asl-validator is not installed: run `npm ci` (the README's test command does)")
    args = [str(ASL_VALIDATOR)]
    for path in paths:
        args += ["--json-path", str(path)]
    return subprocess.run(args, capture_output=True, text=True, timeout=120)


def test_asl_validator_accepts_every_machine(definitions: dict[str, Path]) -> None:
    result = _asl_validator(list(definitions.values()))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("is valid") == len(definitions)


def test_asl_validator_rejects_a_broken_machine(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text(BROKEN)
    result = _asl_validator([broken])
    assert result.returncode != 0 and "MISSING_TRANSITION_TARGET" in result.stdout + result.stderr


def _template(definitions: dict[str, str]) -> dict:
    resources = {}
    for i, (name, text) in enumerate(sorted(definitions.items())):
        machine = json.loads(text)
        resources[f"Machine{i}"] = {
            "Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"StateMachineName": name, "RoleArn": "arn:aws:iam::123456789012:role/sfn",
                           "Definition": machine},
        }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def _cfn_lint(template: dict, tmp_path: Path) -> dict[str, list]:
    """cfn-lint's findings on the template written to a file (in this process: tests/cfn_lint.py)."""
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template))
    return cfn_lint.lint_paths([path])


def test_cfn_lint_accepts_every_machine(tmp_path: Path) -> None:
    findings = _cfn_lint(_template(machines()), tmp_path)
    errors = {path: [m for m in matches if m.rule.id.startswith("E")] for path, matches in findings.items()}
    assert not any(errors.values()), cfn_lint.report(errors)


def test_cfn_lint_rejects_a_broken_machine(tmp_path: Path) -> None:
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "Bogus": 1},
                                         "B": {"Type": "Succeed"}}}
    findings = _cfn_lint(_template({"broken": json.dumps(broken)}), tmp_path)
    assert "E3601" in {m.rule.id for matches in findings.values() for m in matches}, cfn_lint.report(findings)


def test_the_shared_cfn_lint_finds_what_a_fresh_one_finds(tmp_path: Path) -> None:
    """tests/cfn_lint.py loads cfn-lint's rules once and reuses them; a template judged after another one
    gets exactly the findings (rule, place, message) of ``cfnlint.api.lint_file``, which loads the rules
    afresh and reads the file as the command line does. The template has an error and a warning, so both
    levels are compared; the broken machine's E3601 is placed deep in the definition."""
    from cfnlint.api import lint_file

    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B", "Bogus": 1},
                                         "B": {"Type": "Succeed"}}}
    template = _template({"broken": json.dumps(broken), "fine": examples.ALL[0]().substituted()})
    template["Parameters"] = {"Unused": {"Type": "String"}}
    cfn_lint.lint_text(json.dumps(_template({"other": examples.ALL[-1]().substituted()})))  # judged first
    path = tmp_path / "template.json"
    path.write_text(json.dumps(template, indent=1))
    [shared] = cfn_lint.lint_paths([path]).values()
    fresh = lint_file(path)

    def seen(matches: list) -> list[tuple]:
        return sorted((m.rule.id, m.linenumber, m.columnnumber, m.message) for m in matches)

    assert seen(shared) == seen(fresh)
    assert {"E3601", "W2001"} <= {m.rule.id for m in fresh}, seen(fresh)
