"""Adaptation: a Map over a value that is not an array shows the value as JSON, as AWS does.

moto 5.2.5 builds the cause with ``type(value)``: "Map state input must be an array but was:
<class 'int'>". AWS prints the value (recorded: ``... but was: 1``, ``"string"``, ``true``,
``{"foo":"bar"}``, ``null``). The only two uses of ``type(...)`` in moto's ``state_map`` module are
error messages, so the module's name ``type`` is bound to a function rendering its argument as
compact JSON; ``install()`` refuses to run if moto's source uses ``type(`` anywhere else there.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from workflows.local.adaptations._patching import import_module, is_patched, mark
from workflows.local.errors import EngineAdaptationError

NAME = "map_state"
_MODULE = "moto.stepfunctions.parser.asl.component.state.exec.state_map.state_map"
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


def install() -> None:
    """Bind ``type`` in moto's state_map module to ``json_text`` (idempotent)."""
    module = import_module(NAME, _MODULE)
    if is_patched(vars(module).get("type"), NAME):
        return
    source = Path(module.__file__).read_text(encoding="utf-8")
    uses = re.findall(r"\btype\(", source)
    if len(uses) != len(PINNED_TYPE_USES) or not all(use in source for use in PINNED_TYPE_USES):
        raise EngineAdaptationError(NAME, "state_map no longer uses type() only in its two messages")
    module.type = mark(json_text, NAME, type)
