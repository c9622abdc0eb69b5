"""`workflows init`: the new project installs, proves its golden files and schema and passes its own tests
through the public fixtures -- offline, as a user would. Its CDK app's synth is proved by the README
walkthrough (tests/test_readme_walkthrough.py), which runs the same app of an init'ed project."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workflows.cli import main
from workflows.scaffold import Scaffold, names_for, render

BIN = Path(sys.executable).parent


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_init_makes_a_project_that_installs_and_passes_its_tests(tmp_path: Path) -> None:
    target = tmp_path / "field-notes"
    out = _run([str(BIN / "workflows"), "init", str(target), "--entity", "FieldNote"], cwd=tmp_path)
    assert "created" in out and (target / "field_notes" / "machines" / "field_notes.py").is_file()

    site = tmp_path / "site"  # a real install of the project, offline (no index, no build isolation)
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "--target", str(site), str(target)], cwd=tmp_path)
    assert (site / "field_notes" / "machines" / "field_notes.py").is_file()

    env = {"PYTHONPATH": str(site)}
    assert "agrees with its 3 resolvers" in _run([str(BIN / "workflows"), "check"], cwd=target, env=env)
    # without the plugins of our test extra (hypothesis, xdist), which a user's install of the project lacks
    tests = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "-p",
                  "no:xdist.looponfail", "-p", "no:hypothesispytest"],
                 cwd=target, env=env)
    assert re.search(r"\b3 passed\b", tests) and "failed" not in tests, tests



def test_init_refuses_a_folder_that_holds_anything(tmp_path: Path) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "not an empty folder" in result.output
    assert (tmp_path / "keep.txt").read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("args, message", [
    (["--entity", "note"], "CapitalizedName"),
    (["--package", "workflows"], "cannot be the project's Python package"),
    (["--package", "class"], "cannot be the project's Python package"),
])
def test_init_names_a_bad_name_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["init", str(tmp_path / "new-api"), *args])
    assert result.exit_code == 1 and result.output.count("\n") == 1 and message in result.output
    assert not (tmp_path / "new-api").exists()


def test_every_hole_of_every_template_is_filled() -> None:
    files = render(Scaffold("a-b", "a_b", "SetItem", "-e ."))
    assert {"pyproject.toml", "README.md", ".gitignore", "a_b/machines/set_items.py", "a_b/machines/tenants.py",
            "tests/test_set_items.py", "infra/app.py", "infra/cdk.json"} <= set(files)
    leftovers = {path: re.findall(r"\{\{\w+\}\}", text) for path, text in files.items()}
    assert {p: h for p, h in leftovers.items() if h} == {}
    json.loads(files["infra/cdk.json"])


def test_names_come_from_the_folder() -> None:
    assert names_for(Path("/x/My Notes.API")).project == "my-notes-api"
    assert names_for(Path("/x/My Notes.API")).package == "my_notes_api"
