"""Where the viewer reads machines and executions: any Step Functions client (the endpoint's, the engine's).

Why the public API rather than moto's objects: the same reads work for the endpoint (a boto3 client on its
own URL) and the in-process engine, and stay right whatever the engine's adaptations change underneath.
A finished execution never changes, so its view is built once and kept.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from typing import Any, Callable

from workflows.local.viewer.model import FINISHED, execution_view

_PAGE = 1000
_CACHE_LIMIT = 200


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def _seconds(start: Any, stop: Any) -> float | None:
    if isinstance(start, dt.datetime) and isinstance(stop, dt.datetime):
        return (stop - start).total_seconds()
    return None


def virtual_seconds(execution_arn: str, start: Any, stop: Any) -> float | None:
    """Seconds on the execution's virtual clock (skipped Wait and Retry time counted), else its wall time."""
    from workflows.local.adaptations import virtual_clock

    ended = getattr(virtual_clock, "_ended_at", {}).get(execution_arn)
    if isinstance(ended, dt.datetime) and isinstance(start, dt.datetime):
        return max((ended - start).total_seconds(), _seconds(start, stop) or 0.0)
    return _seconds(start, stop)


def in_process_history(arn: str) -> list[dict[str, Any]] | None:
    """The history of an execution of this process's engine (the endpoint's or ``LocalEngine``'s), or None.

    Why not only ``GetExecutionHistory``: for a 1,000-iteration Map (6,000 events) moto rebuilds the whole
    history for each page of 1,000 and boto3 parses it again, 9 s in all where this read takes
    milliseconds; the events are the same objects the API would serialize (as ``observe_executions``
    reads them).
    """
    parts = arn.split(":")
    if len(parts) < 5:
        return None
    try:
        from moto.stepfunctions.parser.models import stepfunctions_parser_backends

        from workflows.local.json_values import to_json_safe

        backend = stepfunctions_parser_backends[parts[4]][parts[3]]
        execution = backend.describe_execution(execution_arn=arn)
        return list(to_json_safe(list(execution.to_history_output()["events"])))
    except Exception:  # noqa: BLE001 - not this process's execution (or moto moved): read it through the API
        return None


class ClientSource:
    """Machines and executions read through ``client()``, a Step Functions client (made on first use)."""

    def __init__(self, client: Callable[[], Any]) -> None:
        self._make_client = client
        self._client: Any = None
        self._lock = threading.Lock()
        self._definitions: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
        self._views: dict[str, dict[str, Any]] = {}

    @property
    def sfn(self) -> Any:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def _describe(self, arn: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(described machine, parsed definition), kept per ARN and revision."""
        described = self.sfn.describe_state_machine(stateMachineArn=arn)
        key = f"{arn}@{described.get('revisionId') or _iso(described.get('creationDate'))}"
        if key not in self._definitions:
            self._definitions[key] = (described, json.loads(described["definition"]))
        return self._definitions[key]

    def _machine_arns(self) -> list[dict[str, Any]]:
        machines, kwargs = [], {"maxResults": _PAGE}
        while True:
            page = self.sfn.list_state_machines(**kwargs)
            machines += page["stateMachines"]
            if not page.get("nextToken"):
                return machines
            kwargs["nextToken"] = page["nextToken"]

    def _executions(self, arn: str) -> list[dict[str, Any]]:
        executions, kwargs = [], {"stateMachineArn": arn, "maxResults": _PAGE}
        while True:
            page = self.sfn.list_executions(**kwargs)
            executions += page["executions"]
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        executions.sort(key=lambda e: e.get("startDate") or dt.datetime.min.replace(tzinfo=dt.timezone.utc),
                        reverse=True)
        return executions

    def machines(self) -> list[dict[str, Any]]:
        """Name, type, query language, state count and execution count of every machine, by name."""
        out = []
        for listed in sorted(self._machine_arns(), key=lambda m: m["name"]):
            described, asl = self._describe(listed["stateMachineArn"])
            from workflows.local.viewer.layout import state_types

            out.append({
                "name": listed["name"], "arn": listed["stateMachineArn"], "type": described.get("type", "STANDARD"),
                "queryLanguage": asl.get("QueryLanguage", "JSONPath"), "stateCount": len(state_types(asl)),
                "executions": len(self._executions(listed["stateMachineArn"])),
            })
        return out

    def machine(self, name: str) -> dict[str, Any] | None:
        """One machine: its graph and its executions, newest first."""
        from workflows.local.viewer.layout import layout, state_types

        listed = next((m for m in self._machine_arns() if m["name"] == name), None)
        if listed is None:
            return None
        described, asl = self._describe(listed["stateMachineArn"])
        executions = []
        for e in self._executions(listed["stateMachineArn"]):
            start, stop = e.get("startDate"), e.get("stopDate")
            executions.append({
                "arn": e["executionArn"], "name": e["name"], "status": e["status"], "startDate": _iso(start),
                "stopDate": _iso(stop), "wallSeconds": _seconds(start, stop),
                "virtualSeconds": virtual_seconds(e["executionArn"], start, stop),
            })
        return {"name": name, "arn": listed["stateMachineArn"], "type": described.get("type", "STANDARD"),
                "queryLanguage": asl.get("QueryLanguage", "JSONPath"), "stateCount": len(state_types(asl)),
                "graph": layout(asl), "executions": executions}

    def history(self, arn: str) -> list[dict[str, Any]]:
        """The execution's events: from moto's backend when it runs in this process, else through the API."""
        events = in_process_history(arn)
        if events is not None:
            return events
        events, kwargs = [], {"executionArn": arn, "maxResults": _PAGE}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def _count_map_run(self, summary: dict[str, Any]) -> None:
        """A Distributed Map's iterations are child executions: their counts come from DescribeMapRun."""
        try:
            counts = self.sfn.describe_map_run(mapRunArn=summary["mapRun"]).get("itemCounts", {})
        except Exception:  # noqa: BLE001 - the Map still shows, without counts
            return
        summary["length"] = int(counts.get("total", summary["length"]))
        summary["counts"] = {name: int(counts[key]) for key, name in (
            ("succeeded", "succeeded"), ("failed", "failed"), ("timedOut", "timed out"), ("aborted", "aborted"),
            ("running", "running"), ("pending", "pending")) if counts.get(key)}

    def execution(self, arn: str) -> dict[str, Any] | None:
        """The viewer's JSON of one execution (see ``model.execution_view``)."""
        with self._lock:
            if arn in self._views:
                return self._views[arn]
        try:
            described = self.sfn.describe_execution(executionArn=arn)
        except self.sfn.exceptions.ExecutionDoesNotExist:
            return None
        machine_arn = described["stateMachineArn"].split("#", 1)[0]
        machine, asl = self._describe(machine_arn)
        start, stop = described.get("startDate"), described.get("stopDate")
        meta = {**{k: v for k, v in described.items() if k != "ResponseMetadata"},
                "machine": machine["name"], "machineType": machine.get("type"),
                "virtualSeconds": virtual_seconds(arn, start, stop)}
        view = execution_view(asl, self.history(arn), meta)
        for summary in view["iterations"].values():
            if summary.get("mapRun"):
                self._count_map_run(summary)
        if view["status"] in FINISHED:
            with self._lock:
                if len(self._views) >= _CACHE_LIMIT:
                    self._views.pop(next(iter(self._views)))
                self._views[arn] = view
        return view
