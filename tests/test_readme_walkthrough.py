"""The README's "Your own API, step by step" runs as written: init, the user's own entity and tests, build,
schema, check, the project's tests through the public fixtures, and the CDK synth of that API alone."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path


README = Path(__file__).resolve().parents[1] / "README.md"
STEP = re.compile(r"<!-- walkthrough: (?P<what>\S+) -->\n```(?P<lang>\w+)\n(?P<body>.*?)```", re.S)
BIN = Path(sys.executable).parent
NOT_IN_A_USERS_INSTALL = "-p no:hypothesispytest -p no:xdist -p no:xdist.looponfail"  # pytest plugins of our test extra


def steps() -> list[tuple[str, str]]:
    section = README.read_text(encoding="utf-8").split("## Your own API, step by step", 1)[1].split("\n## ", 1)[0]
    return [(m["what"], m["body"]) for m in STEP.finditer(section)]


def test_the_section_has_the_steps_a_user_needs() -> None:
    found = [what for what, _ in steps()]
    assert found == ["run", "sets_api/machines/sets.py", "run", "tests/test_sets.py", "run"]


def test_the_user_code_stays_within_40_lines_and_the_readme_counts_it_right() -> None:
    code = {what: body.splitlines() for what, body in steps() if what.endswith(".py")}
    workflow, test = code["sets_api/machines/sets.py"], code["tests/test_sets.py"]
    assert len(workflow) <= 40
    said = f"That is {len(workflow)} lines of workflow code ({sum(1 for line in workflow if line.strip())} not blank) " \
           f"and {len(test)} of test ({sum(1 for line in test if line.strip())})."
    assert said in " ".join(README.read_text(encoding="utf-8").split())


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    cwd = tmp_path
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    env.pop("WORKFLOWS_PROJECT", None)
    # The user's install (saas-workflows[testing,cdk]) has no hypothesis or pytest-xdist; this venv's test extra does,
    # and their plugins would load into the project's `python -m pytest` (hypothesis: over a second of CPU)
    env["PYTEST_ADDOPTS"] = f"{os.environ.get('PYTEST_ADDOPTS', '')} {NOT_IN_A_USERS_INSTALL}".strip()
    for what, body in steps():
        if what == "run":
            script = f"set -euo pipefail\n{body}\npwd > {tmp_path / '.cwd'}\n"
            done = subprocess.run(["bash", "-c", script], cwd=cwd, env=env, capture_output=True, text=True,
                                  timeout=600)
            assert done.returncode == 0, f"{body}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            cwd = Path((tmp_path / ".cwd").read_text().strip())
        else:
            target = cwd / what
            assert target.is_file(), f"the walkthrough replaces {what}, which init should have written"
            target.write_text(body, encoding="utf-8")
    project = tmp_path / "sets-api"
    schema = (project / "schema.graphql").read_text()
    assert "listSets(nextPageKey: String): SetPage!" in schema and "addSet(input: SetInput!): Set!" in schema
    assert not (project / "asl" / "put-set.asl.json").exists()  # the scaffold's put, renamed away by the build
    template = json.loads((project / "infra" / "cdk.out" / "SetsApi.template.json").read_text())
    kinds = [r["Type"] for r in template["Resources"].values()]
    assert kinds.count("AWS::StepFunctions::StateMachine") == 6  # get, list, add + the tenant lifecycle
    fields = sorted(r["Properties"]["FieldName"] for r in template["Resources"].values()
                    if r["Type"] == "AWS::AppSync::Resolver")
    assert fields == ["addSet", "getSet", "listSets"]  # its API only: no example User field
