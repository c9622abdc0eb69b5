"""One helper for the conformance tests: create a machine from ASL and run it on the given engine."""

from __future__ import annotations

import itertools
from typing import Any

from workflows.local.engine import ExecutionResult, LocalEngine

_names = itertools.count()


def execute(engine: LocalEngine, definition: dict[str, Any], input: Any = None, *, type: str = "STANDARD",
            **run_kwargs: Any) -> ExecutionResult:
    """Create ``definition`` under a fresh name and run it once to completion."""
    name = f"conformance-{next(_names)}"
    engine.create_state_machine(name, definition, type=type)
    return engine.run(name, input, **run_kwargs)


def pass_state(**fields: Any) -> dict[str, Any]:
    """A one-state machine: a Pass state with ``fields`` that ends the execution."""
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", **fields, "End": True}}}
