"""The Mermaid graphs in the README are the machines' own (`workflows graph NAME`), not drawings that drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workflows.core.graph import render
from workflows.project import example_project

README = Path(__file__).resolve().parents[1] / "README.md"
GRAPHS = re.findall(r"<!-- graph: ([a-z0-9-]+) -->\n```mermaid\n(.*?)```", README.read_text(encoding="utf-8"),
                    re.DOTALL)


def test_readme_has_the_lifecycle_graphs() -> None:
    assert {name for name, _ in GRAPHS} >= {"tenant-stack-create", "tenant-stack-delete", "tenant-stack-update"}


@pytest.mark.parametrize("name,graph", GRAPHS, ids=[n for n, _ in GRAPHS])
def test_readme_graph_matches_the_machine(name: str, graph: str) -> None:
    expected = render(example_project().workflows()[name].build().to_asl())
    assert graph == expected, f"README graph of {name} is stale: paste `workflows graph {name}`"
