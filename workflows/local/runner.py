"""Run one ASL definition on a fresh engine and print its trace (behind ``workflows run``)."""

from __future__ import annotations

import json
import os
from typing import Any

from workflows.local.adaptations.mock_config import test_case_names
from workflows.local.engine import ExecutionResult, LocalEngine
from workflows.local.errors import MockConfigError
from workflows.local.logs import apply_moto_logs, set_moto_logs

RUN_MACHINE_NAME = "workflows-run"


def quiet_moto() -> None:
    """Drop moto's internal logs (kept for existing callers; ``run_definition`` is quiet anyway).

    ``workflows.local.logs.set_moto_logs(verbose=True)`` brings them back."""
    set_moto_logs(False)


def run_definition(
    definition: dict[str, Any] | str,
    input: Any = None,
    *,
    type: str = "STANDARD",
    mock_config: dict[str, Any] | str | os.PathLike[str] | None = None,
    test_case: str | None = None,
    name: str = RUN_MACHINE_NAME,
) -> ExecutionResult:
    """Create the machine on a new LocalEngine, run it once, return the result.

    ``name`` is the state machine's name, which a mock config's ``StateMachines`` must use. A mock
    config needs a ``test_case`` (else the real services would be called): ``MockConfigError``.
    moto's internal logs stay off the terminal unless ``logs.set_moto_logs(True)`` was called.
    """
    apply_moto_logs()
    with LocalEngine(mock_config=mock_config) as engine:
        if mock_config is not None and not test_case:
            cases = ", ".join(test_case_names(name)) or "none"
            raise MockConfigError(
                f"a mock config was given but no test case named; test cases for state machine '{name}': {cases}"
            )
        engine.create_state_machine(name, definition, type=type)
        return engine.run(name, input, test_case=test_case)


def _compact(value: Any, limit: int = 200) -> str:
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_trace(result: ExecutionResult) -> str:
    """Human-readable trace: one block per visited state, then the outcome."""
    lines = []
    for number, state in enumerate(result.states, start=1):
        lines.append(f"{number:>3}. {state.name}")
        lines.append(f"       in : {_compact(state.input)}")
        lines.append(f"       out: {_compact(state.output) if state.exited else '(did not exit)'}")
    lines.append(f"status: {result.status}  transitions: {result.transitions}")
    if result.waits:
        lines.append(f"waited (virtual): {result.waited_seconds:g} s over {len(result.waits)} wait(s)")
    if result.ok():
        lines.append(f"output: {_compact(result.output, 2000)}")
    else:
        lines.append(f"error: {result.error}")
        lines.append(f"cause: {result.cause}")
    return "\n".join(lines)
