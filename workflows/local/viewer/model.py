"""An execution's history events, read into what the viewer shows: visits, outcomes, iterations, timeline.

Kept apart from the HTTP and HTML layers so that the endpoint's page and the pytest report show the same
thing from the same code. Events are the Step Functions history (``GetExecutionHistory`` shapes, JSON
values). Concurrent Map iterations and Parallel branches interleave in the history, so an event is placed
by following ``previousEventId`` back to the iteration it runs in, as the console does.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from workflows.local.viewer.layout import layout, state_paths, state_types

# outcomes, worst first: a state's colour is the worst outcome of its visits
OUTCOMES = ("failed", "running", "caught", "retried", "succeeded")
_TASK_PREFIXES = ("Task", "LambdaFunction", "Activity")
_FAILURE_SUFFIXES = ("Failed", "TimedOut", "Aborted")
FINISHED = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


def _details(event: Mapping[str, Any]) -> Mapping[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, Mapping):
            return value
    return {}


def _kind(event: Mapping[str, Any]) -> str:
    """The event's type as text (moto's own events carry a str enum, whose str() is its qualified name)."""
    raw = event.get("type", "")
    return str(getattr(raw, "value", raw))


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
    if isinstance(value, str) and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)
    return None


@dataclass
class _Visit:
    index: int
    state: str
    type: str
    context: tuple[tuple[str, int], ...]
    entered: int
    input: Any
    exited: int | None = None
    output: Any = None
    error: str | None = None
    cause: str | None = None
    attempts: int = 0
    task: dict[str, Any] | None = None
    failed_event: bool = False
    last_task_failed: bool = False
    events: list[int] = field(default_factory=list)

    def outcome(self, finished: bool) -> str:
        if self.type == "Fail":
            return "failed"
        if self.exited is None:
            return "failed" if finished else "running"
        if self.failed_event and (self.last_task_failed or self.type in ("Map", "Parallel")):
            return "caught"
        if self.attempts > 1:
            return "retried"
        return "succeeded"

    def as_json(self, finished: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "i": self.index, "state": self.state, "type": self.type, "outcome": self.outcome(finished),
            "iteration": [list(frame) for frame in self.context], "entered": self.entered,
            "exited": self.exited, "input": self.input, "output": self.output,
        }
        if self.error is not None or self.cause is not None:
            out["error"], out["cause"] = self.error, self.cause
        if self.task is not None:
            out["task"] = {**self.task, "attempts": self.attempts}
        return out


def _truncate(context: tuple[tuple[str, int], ...], map_name: str) -> tuple[tuple[str, int], ...]:
    for i, (name, _) in enumerate(context):
        if name == map_name:
            return context[:i]
    return context


def execution_view(definition: Mapping[str, Any] | str, events: Iterable[Mapping[str, Any]],
                   execution: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The viewer's JSON for one execution.

    ``execution`` is what ``DescribeExecution`` answers (name, ARN, status, dates, input, output, error,
    cause) plus, where known, ``machine``/``machineType``/``virtualSeconds``; without it, these come
    from the events.
    """
    asl = json.loads(definition) if isinstance(definition, str) else definition
    events = list(events)
    execution = dict(execution or {})
    types = state_types(asl)
    paths = state_paths(asl)
    visits: list[_Visit] = []
    open_visits: dict[tuple[tuple[tuple[str, int], ...], str], list[_Visit]] = {}
    context_after: dict[int, tuple[tuple[str, int], ...]] = {}
    visit_after: dict[int, _Visit | None] = {}
    iterations: dict[str, dict[str, Any]] = {}
    timeline: list[list[Any]] = []
    first = _time(events[0].get("timestamp")) if events else None
    started = _time(execution.get("startDate")) or first
    status = execution.get("status")
    ended_event: Mapping[str, Any] | None = None
    exited_state: dict[int, str] = {}  # StateExited event id -> the state it left
    taken: set[tuple[str, str]] = set()

    open_in_context: dict[tuple[tuple[str, int], ...], list[_Visit]] = {}  # the same visits, by context

    def innermost_open(context: tuple[tuple[str, int], ...], kind: str) -> _Visit | None:
        candidates = [v for v in open_in_context.get(context, ()) if v.type == kind]
        return max(candidates, key=lambda v: v.entered) if candidates else None

    for event in events:
        eid = int(event.get("id", 0))
        kind = _kind(event)
        details = _details(event)
        prev = int(event.get("previousEventId") or 0)
        context = context_after.get(prev, ())
        visit = visit_after.get(prev)
        label_context = context
        if kind.startswith("MapIteration"):
            map_name = str(details.get("name", ""))
            base = _truncate(context, map_name)
            frame = (map_name, int(details.get("index", 0)))
            label_context = base + (frame,)
            visit = next(iter(open_visits.get((base, map_name), [])[-1:]), None)
            summary = iterations.setdefault(paths.get(map_name, map_name), {"length": 0, "status": {}})
            key = ",".join(f"{n}:{i}" for n, i in label_context)
            if kind == "MapIterationStarted":
                summary["status"].setdefault(key, "running")
                context = base + (frame,)
                visit = None
            else:
                summary["status"][key] = kind.removeprefix("MapIteration").lower()
                context = base
        elif kind.endswith("StateEntered"):
            name = str(details.get("name", "?"))
            visit = _Visit(len(visits), name, types.get(name, kind.removesuffix("StateEntered")), context, eid,
                           details.get("input"))
            visits.append(visit)
            open_visits.setdefault((context, name), []).append(visit)
            open_in_context.setdefault(context, []).append(visit)
            if prev in exited_state:  # the transition the execution took (a Next, Choice rule or Catch)
                taken.add((paths.get(exited_state[prev], exited_state[prev]), paths.get(name, name)))
        elif kind.endswith("StateExited"):
            name = str(details.get("name", "?"))
            group = open_visits.get((context, name)) or []
            if not group:  # the exit of a Map/Parallel state follows events of its iterations or branches
                group = next((g for (ctx, n), g in open_visits.items() if n == name and g), [])
                context = group[0].context if group else context
            visit = group.pop(0) if group else None
            if visit is not None:
                visit.exited, visit.output = eid, details.get("output")
                open_in_context[visit.context].remove(visit)
            exited_state[eid] = name
            visit_after[eid] = None
            context_after[eid] = context
            timeline.append(_timeline_row(event, eid, kind, name, context, started))
            continue
        elif kind.startswith("MapState") or kind.startswith("MapRun"):
            while context and innermost_open(context, "Map") is None:  # follows the last event of an iteration
                context = context[:-1]
            label_context = context
            visit = innermost_open(context, "Map") or visit
            if kind == "MapRunStarted" and visit is not None and details.get("mapRunArn"):
                summary = iterations.setdefault(paths.get(visit.state, visit.state), {"length": 0, "status": {}})
                summary["mapRun"] = details["mapRunArn"]  # a Distributed Map: iterations are child executions
            if kind == "MapStateStarted" and visit is not None:
                summary = iterations.setdefault(paths.get(visit.state, visit.state), {"length": 0, "status": {}})
                summary["length"] += int(details.get("length", 0) or 0)
        elif kind.startswith("ParallelState"):
            visit = innermost_open(context, "Parallel") or visit
        elif kind.startswith("Execution"):
            visit = None
            if kind != "ExecutionStarted":
                ended_event = event
        if visit is not None and not kind.endswith("StateEntered"):
            if kind.startswith(_TASK_PREFIXES):
                if kind.endswith("Scheduled"):
                    visit.attempts += 1
                    role = (details.get("taskCredentials") or {}).get("roleArn")
                    visit.task = {"resourceType": details.get("resourceType"), "resource": details.get("resource"),
                                  "parameters": details.get("parameters"), "role": role}
                visit.last_task_failed = kind.endswith(_FAILURE_SUFFIXES)
            if kind.endswith(_FAILURE_SUFFIXES) and not kind.startswith("MapIteration"):
                visit.failed_event = True
                if details.get("error") is not None or details.get("cause") is not None:
                    visit.error, visit.cause = details.get("error"), details.get("cause")
        context_after[eid] = context
        visit_after[eid] = visit
        name = str(details.get("name", "")) or (visit.state if visit is not None else "")
        timeline.append(_timeline_row(event, eid, kind, name, label_context, started))

    end_details = _details(ended_event) if ended_event is not None else {}
    if status is None:
        status = ({"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED", "ExecutionTimedOut": "TIMED_OUT",
                   "ExecutionAborted": "ABORTED"}.get(_kind(ended_event), "RUNNING")
                  if ended_event is not None else "RUNNING")
    finished = status in FINISHED
    error = execution.get("error", end_details.get("error"))
    cause = execution.get("cause", end_details.get("cause"))
    for visit in visits:  # a Fail state, or a state the execution failed in, carries the execution's error
        if visit.type == "Fail" and visit.error is None:
            state = _find_state(asl, visit.state)
            visit.error, visit.cause = state.get("Error", error if not visit.context else None), state.get(
                "Cause", cause if not visit.context else None)
        if finished and visit.exited is None and visit.error is None and not visit.context:
            visit.error, visit.cause = error, cause
    for visit in visits:  # a Map or Parallel that failed shows the error of the state that failed inside it
        if visit.type in ("Map", "Parallel") and visit.failed_event and visit.error is None:
            inner = _inner_states(_find_state(asl, visit.state))
            failed = next((v for v in visits if v.state in inner and v.error is not None
                           and v.outcome(finished) == "failed" and v.context[:len(visit.context)] == visit.context), None)
            if failed is not None:
                visit.error, visit.cause = failed.error, failed.cause
    stopped = _time(execution.get("stopDate")) or (_time(ended_event.get("timestamp")) if ended_event else None)
    wall = (stopped - started).total_seconds() if stopped and started else None
    start_input = next((_details(e).get("input") for e in events if _kind(e) == "ExecutionStarted"),
                       execution.get("input"))
    states: dict[str, dict[str, int]] = {}
    for visit in visits:
        counts = states.setdefault(paths.get(visit.state, visit.state), {})
        outcome = visit.outcome(finished)
        counts[outcome] = counts.get(outcome, 0) + 1
    for summary in iterations.values():
        summary["status"] = dict(sorted(summary["status"].items(), key=lambda item: [
            int(frame.rsplit(":", 1)[-1]) for frame in item[0].split(",")]))  # in index order
        tally: dict[str, int] = {}
        for value in summary["status"].values():
            tally[value] = tally.get(value, 0) + 1
        summary["counts"] = tally
        summary["length"] = max(summary["length"], len(summary["status"]))
    machine = str(execution.get("machine") or execution.get("stateMachineArn", "").rsplit(":", 1)[-1] or "")
    return {
        "machine": machine,
        "machineType": execution.get("machineType"),
        "arn": execution.get("executionArn"),
        "name": execution.get("name"),
        "status": status,
        "startDate": started.isoformat() if started else None,
        "stopDate": stopped.isoformat() if stopped else None,
        "wallSeconds": wall,
        "virtualSeconds": execution.get("virtualSeconds", wall),
        "input": start_input,
        "output": execution.get("output", end_details.get("output")),
        "error": error,
        "cause": cause,
        "graph": layout(asl),
        "states": states,
        "iterations": iterations,
        "visits": [visit.as_json(finished) for visit in visits],
        "taken": [list(pair) for pair in sorted(taken)],
        "timeline": timeline,
        "replay": replay_command(machine, start_input, any(v.task for v in visits)),
    }


def _timeline_row(event: Mapping[str, Any], eid: int, kind: str, name: str,
                  context: tuple[tuple[str, int], ...], started: dt.datetime | None) -> list[Any]:
    moment = _time(event.get("timestamp"))
    offset = round((moment - started).total_seconds() * 1000, 1) if moment and started else None
    where = " ".join(f"{n}[{i}]" for n, i in context)
    return [eid, offset, kind, name, where]


def _inner_states(state: Mapping[str, Any]) -> set[str]:
    from workflows.local.viewer.layout import inner_machines

    return {name for _, sub in inner_machines(state) for name in state_types(sub)}


def _find_state(asl: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    from workflows.local.viewer.layout import inner_machines

    states = asl.get("States") if isinstance(asl.get("States"), Mapping) else {}
    if name in states and isinstance(states[name], Mapping):
        return states[name]
    for state in states.values():
        if isinstance(state, Mapping):
            for _, sub in inner_machines(state):
                found = _find_state(sub, name)
                if found:
                    return found
    return {}


def replay_command(machine: str, start_input: Any, has_tasks: bool) -> str:
    """The ``workflows run`` command that replays an execution on a fresh embedded engine.

    A resolver machine's input (``identity.resolverContext`` + ``arguments``) replays with ``--as-tenant``,
    which seeds the tenant and adds a context of its own (tenant roles are random per engine); any other
    machine with tasks replays with ``--seed``, so the tables and tenants it names exist.
    """
    try:
        payload = json.loads(start_input) if isinstance(start_input, str) else start_input
    except json.JSONDecodeError:
        payload = start_input
    flags = ""
    context = payload.get("identity", {}).get("resolverContext") if isinstance(payload, dict) else None
    if isinstance(context, dict) and context.get("tenantId") and "arguments" in payload:
        flags = f" --as-tenant {shlex.quote(str(context['tenantId']))}"
        payload = payload["arguments"]
    elif has_tasks:
        flags = " --seed"
    text = json.dumps({} if payload is None else payload, separators=(",", ":"), ensure_ascii=False)
    return f"echo {shlex.quote(text)} | workflows run {shlex.quote(machine or 'NAME')}{flags} --input -"
