"""Adaptation: Map states fail as AWS's do.

1. A Map over a value that is not an array shows the value as JSON. moto 5.2.5 builds the cause
   with ``type(value)``: "Map state input must be an array but was: <class 'int'>". AWS prints the
   value (recorded: ``... but was: 1``, ``"string"``, ``true``, ``{"foo":"bar"}``, ``null``). The
   only two uses of ``type(...)`` in moto's ``state_map`` module are error messages, so the
   module's name ``type`` is bound to a function rendering its argument as compact JSON;
   ``install()`` refuses to run if moto's source uses ``type(`` anywhere else there.
2. A Distributed Map whose child executions fail beyond its tolerance fails with ``States.ExceedToleratedFailureThreshold``
   ("The specified tolerated failure threshold was exceeded"), as in AWS; moto counts the failures
   and returns ``null`` for each failed item. With neither ``ToleratedFailureCount`` nor
   ``ToleratedFailurePercentage`` (both 0), one failure fails the Map; with one or both set
   (non-zero), exceeding either fails it
   (https://docs.aws.amazon.com/step-functions/latest/dg/maprun-fail-threshold.html).
   On by default (moto 5.2.5 alone reports a failed child as a ``null`` result and carries on, which
   hides on the local engine a failure that ends the run on AWS); ``set_failure_threshold_enforced(False)``
   restores moto's behaviour for a test that must see it.
3. ``"ToleratedFailurePercentage": 50`` is accepted: moto's grammar took only decimals (``50.0``),
   so an integer percentage was a parse error at CreateStateMachine.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr, require_params
from workflows.local.errors import EngineAdaptationError

NAME = "map_state"
_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map"
_DISTRIBUTED = "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component"
_PARSER = "moto.stepfunctions.parser.asl.parse.asl_parser"
THRESHOLD_CAUSE = "The specified tolerated failure threshold was exceeded"
_INTEGER_PERCENTAGE = re.compile(r'("ToleratedFailurePercentage"\s*:\s*)(-?\d+)(?=\s*[,}\]])')
# The messages of moto 5.2.5 that call type(): the non-array cause and an internal error.
PINNED_TYPE_USES = (
    'f"Map state input must be an array but was: {type(input_items)}"',
    "f\"Unknown iteration component of type '{type(self.iteration_component)}' '{self.iteration_component}'.\"",
)


class _JsonText(str):
    """What ``type(value)`` renders as in the patched module: the value's compact JSON."""


def json_text(value: Any) -> _JsonText:
    try:
        return _JsonText(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
    except (TypeError, ValueError):
        return _JsonText(repr(value))


_enforced = True


def set_failure_threshold_enforced(enforced: bool) -> None:
    """Fail Distributed Maps beyond their tolerated failures (AWS, the default) or keep moto's null items."""
    global _enforced
    _enforced = enforced


def exceeds_tolerance(failed: int, total: int, count: int, percentage: float) -> bool:
    """True when ``failed`` of ``total`` items breach the Map's tolerated failure thresholds."""
    if failed == 0:
        return False
    limits = []
    if count:
        limits.append(failed > count)
    if percentage:
        limits.append(failed * 100.0 / max(total, 1) > percentage)
    return any(limits) if limits else True


def _threshold_failure(env: Any) -> Exception:
    from moto.stepfunctions.parser.api import HistoryEventType, MapRunFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    error_name = StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold)
    details = MapRunFailedEventDetails(error=error_name.error_name, cause=THRESHOLD_CAUSE)
    return FailureEventException(failure_event=FailureEvent(
        env=env, error_name=error_name, event_type=HistoryEventType.MapRunFailed,
        event_details=EventDetails(mapRunFailedEventDetails=details)))


def _tolerance_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _map_run(self: Any, env: Any, eval_input: Any) -> None:
        original(self, env, eval_input)
        if not _enforced:
            return
        items = eval_input.map_run_record.item_counter
        failed = items.failed.get() + items.timed_out.get() + items.aborted.get()
        if exceeds_tolerance(failed, items.total.get(), eval_input.tolerated_failure_count or 0,
                             eval_input.tolerated_failure_percentage or 0.0):
            env.stack.pop()  # the per-item outputs; the Map fails instead
            raise _threshold_failure(env)

    return mark(_map_run, NAME, original)


def _integer_percentage_wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def parse(definition: str) -> Any:
        return original(_INTEGER_PERCENTAGE.sub(r"\g<1>\g<2>.0", definition))

    return mark(parse, NAME, original)


def install() -> None:
    """JSON values in Map causes, tolerance thresholds honoured, integer percentages (idempotent)."""
    module = import_module(NAME, _MODULE)
    distributed = require_attr(NAME, import_module(NAME, _DISTRIBUTED), "DistributedIterationComponent")
    map_run = require_attr(NAME, distributed, "_map_run")
    require_params(NAME, map_run, ["env", "eval_input"])
    parser = require_attr(NAME, import_module(NAME, _PARSER), "AmazonStateLanguageParser")
    parse = require_attr(NAME, parser, "parse")
    if not is_patched(map_run, NAME):
        distributed._map_run = _tolerance_wrapper(map_run)
    if not is_patched(parse, NAME):
        parser.parse = staticmethod(_integer_percentage_wrapper(parse))
    if is_patched(vars(module).get("type"), NAME):
        return
    source = Path(module.__file__).read_text(encoding="utf-8")
    uses = re.findall(r"\btype\(", source)
    if len(uses) != len(PINNED_TYPE_USES) or not all(use in source for use in PINNED_TYPE_USES):
        raise EngineAdaptationError(NAME, "state_map no longer uses type() only in its two messages")
    module.type = mark(json_text, NAME, type)
