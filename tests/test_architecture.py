"""The import directions of the architecture hold: core imports nothing of the project, patterns only core
(and patterns), the engine neither patterns nor any project, the test helpers neither the CLI nor an
example; no library module imports an example project (the CLI reaches the example only through its
configuration)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "workflows"

ALLOWED = {
    "core": {"workflows.core"},
    "patterns": {"workflows.core", "workflows.patterns"},
    "local": {"workflows.local"},
    "cdk": {"workflows.core", "workflows.patterns", "workflows.cdk", "workflows.project", "workflows.registry",
            "workflows.golden"},
    # the test helpers tie core, patterns, the engine and a project together, like the CLI (never the CLI itself)
    "testing": {"workflows.core", "workflows.patterns", "workflows.local", "workflows.project", "workflows.registry",
                "workflows.golden", "workflows.testing"},
}
LIBRARY_MODULES = ("cli.py", "golden.py", "project.py", "registry.py", "__init__.py", "__main__.py")


def project_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: stays inside the same subpackage
                continue
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found |= {n for n in names if n == "workflows" or n.startswith("workflows.")}
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = sorted((PACKAGE / layer).rglob("*.py"))
    assert files
    wrong = {}
    for path in files:
        bad = {m for m in project_imports(path)
               if not any(m == ok or m.startswith(ok + ".") for ok in ALLOWED[layer])}
        if bad:
            wrong[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert wrong == {}


def test_no_library_module_imports_an_example_project() -> None:
    files = [PACKAGE / name for name in LIBRARY_MODULES if (PACKAGE / name).exists()]
    for sub in PACKAGE.iterdir():
        if sub.is_dir() and sub.name not in ("examples", "__pycache__"):
            files += sorted(sub.rglob("*.py"))
    wrong = {str(p.relative_to(PACKAGE)): sorted(m for m in project_imports(p) if m.startswith("workflows.examples"))
             for p in files}
    assert {k: v for k, v in wrong.items() if v} == {}


def test_the_checker_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from workflows.catalog import all_workflows\nimport workflows.local.engine\nfrom . import y\n")
    assert project_imports(sample) == {"workflows.catalog", "workflows.local.engine"}
