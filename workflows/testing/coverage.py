"""Which parts of each state machine a test session executed, read from the executions' histories.

Why from the history and the definition only: the engine records every execution's events (moto's
parser gives each event a ``previousEventId`` that chains the events of one branch or iteration),
so coverage needs no instrumentation of the interpreter and works the same for ``LocalEngine.run``,
boto3 clients on the engine and the in-process endpoint.

What counts, per machine (identified by its name; definitions seen under one name are united):

* **states** - a state (at any depth: Map item processors, Parallel branches) is covered when a
  ``*StateEntered`` event names it.
* **Choice rules** - the event whose ``previousEventId`` is a ``ChoiceStateExited`` of Choice ``C``
  is the ``*StateEntered`` of the state the Choice chose. Each rule whose ``Next`` is that state is
  covered (rules that share a ``Next`` are told apart by nothing in the history, so they are covered
  together), and ``Default`` is covered when that state is the ``Default`` and no rule names it.
* **Catch** - a state ``S`` whose exit is followed by the ``*StateEntered`` of a catcher's ``Next``,
  with a failure event (``*Failed``/``*TimedOut`` with an ``error``) in ``S``'s chain after its
  entry: the first catcher whose ``ErrorEquals`` matches that error (and names that ``Next``) fired.
* **Retry** - a failure event of ``S`` followed in its chain by a new attempt (``*Scheduled``,
  ``TaskStarted`` or ``*StateStarted``): the first retrier whose ``ErrorEquals`` matches the error.
* **branches** - a Parallel branch is covered when its ``StartAt`` state is entered; a Map's item
  processor when at least one iteration started (``MapIterationStarted`` or its ``StartAt`` entered).

``ErrorEquals`` matching follows the ASL: the error's own name, ``States.ALL`` for any error, and
``States.TaskFailed`` for any but ``States.Timeout``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

__all__ = ["KINDS", "CoverageData", "MachineCoverage", "coverage_items", "executed_items", "format_table"]

KINDS = ("states", "choices", "catches", "retries", "branches")
_KIND_TITLES = {"states": "States", "choices": "Choice rules", "catches": "Catch", "retries": "Retry",
                "branches": "Branches"}


def _walk_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        yield name, state
        processor = state.get("ItemProcessor") or state.get("Iterator")
        if isinstance(processor, dict):
            yield from _walk_states(processor.get("States", {}))
        for branch in state.get("Branches", []) or []:
            if isinstance(branch, dict):
                yield from _walk_states(branch.get("States", {}))


def _definition(definition: dict[str, Any] | str) -> dict[str, Any]:
    return json.loads(definition) if isinstance(definition, str) else definition


def coverage_items(definition: dict[str, Any] | str) -> dict[str, list[str]]:
    """Every coverable item of an ASL definition, by kind (the keys ``executed_items`` reports)."""
    items: dict[str, list[str]] = {kind: [] for kind in KINDS}
    for name, state in _walk_states(_definition(definition).get("States", {})):
        items["states"].append(name)
        kind = state.get("Type")
        if kind == "Choice":
            for index, rule in enumerate(state.get("Choices", []) or []):
                items["choices"].append(f"{name}#{index} -> {rule.get('Next')}")
            if "Default" in state:
                items["choices"].append(f"{name}#Default -> {state['Default']}")
        for index, catcher in enumerate(state.get("Catch", []) or []):
            items["catches"].append(f"{name}#{index} -> {catcher.get('Next')}")
        for index, retrier in enumerate(state.get("Retry", []) or []):
            items["retries"].append(f"{name}#{index} {','.join(retrier.get('ErrorEquals', []))}")
        if kind == "Parallel":
            for index, _ in enumerate(state.get("Branches", []) or []):
                items["branches"].append(f"{name}#branch{index}")
        if kind == "Map":
            items["branches"].append(f"{name}#iterations")
    return items


def _error_matches(patterns: Iterable[str], error: str) -> bool:
    for pattern in patterns:
        if pattern == error or pattern == "States.ALL":
            return True
        if pattern == "States.TaskFailed" and error != "States.Timeout":
            return True
    return False


def _failure(event: dict[str, Any]) -> str | None:
    kind = str(event.get("type", ""))
    if not kind.endswith(("Failed", "TimedOut")) or kind.startswith("Execution"):
        return None
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict) and value.get("error"):
            return str(value["error"])
    return None


def _is_new_attempt(event: dict[str, Any]) -> bool:
    kind = str(event.get("type", ""))
    return kind.endswith(("Scheduled", "StateStarted")) or kind in ("TaskStarted", "LambdaFunctionStarted")


def _entered_name(event: dict[str, Any]) -> str | None:
    if str(event.get("type", "")).endswith("StateEntered"):
        return event.get("stateEnteredEventDetails", {}).get("name")
    return None


def _exited_name(event: dict[str, Any]) -> str | None:
    if str(event.get("type", "")).endswith("StateExited"):
        return event.get("stateExitedEventDetails", {}).get("name")
    return None


def executed_items(definition: dict[str, Any] | str, history: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """The items of ``coverage_items(definition)`` that one execution's history shows executed."""
    states = dict(_walk_states(_definition(definition).get("States", {})))
    events = list(history)
    by_id = {event.get("id"): event for event in events}
    hit: dict[str, set[str]] = {kind: set() for kind in KINDS}

    def owner(event: dict[str, Any], containers_only: bool) -> str | None:
        """The state whose span this event belongs to: walk the chain back to a *StateEntered."""
        seen = 0
        current = by_id.get(event.get("previousEventId"))
        while current is not None and seen < len(events):
            name = _entered_name(current)
            if name is not None and (not containers_only or states.get(name, {}).get("Type") in ("Map", "Parallel")):
                return name
            current = by_id.get(current.get("previousEventId"))
            seen += 1
        return None

    last_error: dict[str, str] = {}  # state -> last failure seen in its span (id-ordered events)
    for event in events:
        kind = str(event.get("type", ""))
        error = _failure(event)
        if error is not None:
            state = owner(event, containers_only=kind.startswith(("MapState", "ParallelState", "MapIteration")))
            if state is not None:
                last_error[state] = error
                successors = [e for e in events if e.get("previousEventId") == event.get("id")]
                if any(_is_new_attempt(e) for e in successors):
                    for index, retrier in enumerate(states.get(state, {}).get("Retry", []) or []):
                        if _error_matches(retrier.get("ErrorEquals", []), error):
                            hit["retries"].add(f"{state}#{index} {','.join(retrier.get('ErrorEquals', []))}")
                            break
        if kind == "MapIterationStarted":
            name = event.get("mapIterationStartedEventDetails", {}).get("name")
            if states.get(name, {}).get("Type") == "Map":
                hit["branches"].add(f"{name}#iterations")
        name = _entered_name(event)
        if name is None:
            continue
        hit["states"].add(name)
        for container, state in states.items():  # a branch's or processor's StartAt entered
            if state.get("Type") == "Parallel":
                for index, branch in enumerate(state.get("Branches", []) or []):
                    if branch.get("StartAt") == name:
                        hit["branches"].add(f"{container}#branch{index}")
            elif state.get("Type") == "Map":
                processor = state.get("ItemProcessor") or state.get("Iterator") or {}
                if processor.get("StartAt") == name:
                    hit["branches"].add(f"{container}#iterations")
        previous = by_id.get(event.get("previousEventId"))
        source = _exited_name(previous) if previous is not None else None
        if source is None or source not in states:
            continue
        source_state = states[source]
        if source_state.get("Type") == "Choice":
            rules = source_state.get("Choices", []) or []
            matched = [index for index, rule in enumerate(rules) if rule.get("Next") == name]
            for index in matched:
                hit["choices"].add(f"{source}#{index} -> {name}")
            if not matched and source_state.get("Default") == name:
                hit["choices"].add(f"{source}#Default -> {name}")
            continue
        error = last_error.pop(source, None)
        if error is None:
            continue
        catchers = source_state.get("Catch", []) or []
        candidates = [i for i, c in enumerate(catchers) if c.get("Next") == name]
        chosen = next((i for i in candidates if _error_matches(catchers[i].get("ErrorEquals", []), error)),
                      candidates[0] if candidates else None)
        if chosen is not None:
            hit["catches"].add(f"{source}#{chosen} -> {name}")
    return hit


@dataclass
class MachineCoverage:
    """One machine's items (union over the definitions seen) and how often each was executed."""

    items: dict[str, set[str]] = field(default_factory=lambda: {kind: set() for kind in KINDS})
    hits: dict[str, dict[str, int]] = field(default_factory=lambda: {kind: {} for kind in KINDS})
    executions: int = 0

    def covered(self, kind: str) -> int:
        return sum(1 for item in self.items[kind] if self.hits[kind].get(item, 0) > 0)

    def total(self, kind: str) -> int:
        return len(self.items[kind])

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"executions": self.executions}
        for kind in KINDS:
            out[kind] = {
                "covered": self.covered(kind),
                "total": self.total(kind),
                "items": {item: self.hits[kind].get(item, 0) for item in sorted(self.items[kind])},
            }
        return out

    def merge_json(self, data: dict[str, Any]) -> None:
        self.executions += int(data.get("executions", 0))
        for kind in KINDS:
            for item, count in data.get(kind, {}).get("items", {}).items():
                self.items[kind].add(item)
                self.hits[kind][item] = self.hits[kind].get(item, 0) + int(count)


class CoverageData:
    """Coverage of every machine a session ran; thread-safe (the engine runs executions in threads)."""

    def __init__(self) -> None:
        self.machines: dict[str, MachineCoverage] = {}
        self._lock = threading.Lock()

    def record(self, machine: str, definition: dict[str, Any] | str, history: Iterable[dict[str, Any]]) -> None:
        """Add one finished execution of ``machine`` (its definition and history events)."""
        items = coverage_items(definition)
        hit = executed_items(definition, history)
        with self._lock:
            entry = self.machines.setdefault(machine, MachineCoverage())
            entry.executions += 1
            for kind in KINDS:
                entry.items[kind].update(items[kind])
                for item in hit[kind]:
                    entry.hits[kind][item] = entry.hits[kind].get(item, 0) + 1

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            machines = {name: self.machines[name].to_json() for name in sorted(self.machines)}
        return {"machines": machines, "total": self.percent()}

    def merge_json(self, data: dict[str, Any]) -> None:
        """Add another collector's ``to_json()`` (an xdist worker's)."""
        with self._lock:
            for name, machine in data.get("machines", {}).items():
                self.machines.setdefault(name, MachineCoverage()).merge_json(machine)

    def percent(self) -> float:
        """Covered items of every kind over all items, in percent (100 when there is nothing to cover)."""
        covered = sum(m.covered(kind) for m in self.machines.values() for kind in KINDS)
        total = sum(m.total(kind) for m in self.machines.values() for kind in KINDS)
        return 100.0 * covered / total if total else 100.0


def _cell(machine: MachineCoverage, kind: str) -> str:
    total = machine.total(kind)
    return f"{machine.covered(kind)}/{total}" if total else "-"


def format_table(data: CoverageData) -> str:
    """The text report: one row per machine, states in percent, the other kinds as covered/total."""
    headers = ["Machine", "Runs", "States", *(_KIND_TITLES[k] for k in KINDS[1:])]
    rows = []
    for name in sorted(data.machines):
        machine = data.machines[name]
        states = machine.total("states")
        state_cell = f"{100 * machine.covered('states') // states}% ({_cell(machine, 'states')})" if states else "-"
        rows.append([name, str(machine.executions), state_cell, *(_cell(machine, k) for k in KINDS[1:])])
    rows.append(["TOTAL", "", f"{data.percent():.1f}% of all items", "", "", "", ""])
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in [headers, *rows]]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
