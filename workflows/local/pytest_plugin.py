"""pytest fixtures for running state machines on the local engine.

Enable it in a ``conftest.py`` (this project does so in ``tests/conftest.py``)::

    pytest_plugins = ["workflows.local.pytest_plugin"]

Then::

    def test_my_machine(local_engine):
        create_table(local_engine, "Tenants")
        local_engine.create_state_machine("m", asl_dict)
        result = local_engine.run("m", {"tenant": "t1"})
        assert result.ok(), result.cause

``run`` is a fixture returning a function ``run(definition, input=None, *, type=..., mock_config=...,
test_case=...)`` that executes a definition on a fresh engine (``runner.run_definition``).
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest

from workflows.local.engine import LocalEngine
from workflows.local.resources import create_bucket, create_role, create_table
from workflows.local.runner import run_definition

__all__ = ["create_bucket", "create_role", "create_table", "local_engine", "run"]



@pytest.fixture
def local_engine() -> Iterator[LocalEngine]:
    """A fresh, active LocalEngine per test (moto state does not leak between tests)."""
    with LocalEngine() as engine:
        yield engine


@pytest.fixture
def run() -> Callable[..., Any]:
    """``run(definition, input, ...)`` -> ExecutionResult on its own fresh engine."""
    return run_definition
