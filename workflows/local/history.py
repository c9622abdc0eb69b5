"""Read an execution's history events into the trace the engine reports (visited states).

Kept apart from the engine because the runner's trace printer and tests read the same shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable


@dataclass(frozen=True)
class VisitedState:
    """One state the execution entered: its name, parsed input and (once exited) parsed output."""

    name: str
    input: Any
    output: Any = None
    exited: bool = False


def _parse(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def visited_states(events: Iterable[dict[str, Any]]) -> tuple[VisitedState, ...]:
    """Pair each ``*StateEntered`` with the next ``*StateExited`` of the same name, in entry order."""
    visited: list[VisitedState] = []
    open_by_name: dict[str, list[int]] = {}
    for event in events:
        kind = str(event.get("type", ""))
        if kind.endswith("StateEntered"):
            details = event.get("stateEnteredEventDetails", {})
            visited.append(VisitedState(name=details.get("name", "?"), input=_parse(details.get("input"))))
            open_by_name.setdefault(visited[-1].name, []).append(len(visited) - 1)
        elif kind.endswith("StateExited"):
            details = event.get("stateExitedEventDetails", {})
            pending = open_by_name.get(details.get("name", "?"))
            if pending:
                index = pending.pop(0)
                entered = visited[index]
                visited[index] = VisitedState(entered.name, entered.input, _parse(details.get("output")), True)
    return tuple(visited)


def count_transitions(events: Iterable[dict[str, Any]]) -> int:
    """Number of states entered (AWS bills STANDARD executions per state transition)."""
    return sum(1 for e in events if str(e.get("type", "")).endswith("StateEntered"))
