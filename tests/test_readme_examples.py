"""The README's workflow examples build: every ```python block that registers a workflow is executed
(in a scratch registry) and each machine it registers is built and validated."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

from workflows import registry
from workflows.core.validate import validate_machine

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
          if "@workflow(" in b]


def test_readme_has_workflow_examples() -> None:
    assert len(BLOCKS) >= 3


@pytest.mark.parametrize("block", BLOCKS, ids=[re.search(r'@workflow\("([^"]+)"', b).group(1) for b in BLOCKS])
def test_readme_example_builds_and_validates(block: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_REGISTRY", {})
    module = types.ModuleType("readme_example")
    monkeypatch.setitem(sys.modules, module.__name__, module)  # dataclasses look their module up
    exec(compile(block, str(README), "exec"), module.__dict__)  # noqa: S102 - our own README
    assert registry._REGISTRY, "the block registered a workflow"
    for flow in registry._REGISTRY.values():
        machine = flow.build()
        assert validate_machine(machine) == []
        assert machine.name == flow.name
        if flow.resolver is not None:
            assert machine.tenant_scoped, "a resolver machine is tenant-scoped (isolation lint on)"
