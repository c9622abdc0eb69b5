"""Adaptation: a CloudFormation template written in JSON is read as JSON.

moto 5.2.5 reads every template body with PyYAML's pure-Python ``yaml.Loader`` first and falls back
to ``json.loads`` only when YAML refuses it (``Stack.parse_template``, ``ChangeSet._parse_template``).
JSON is nearly a subset of YAML 1.1, so a JSON template always goes through the slow path: reading
the 4.6 KB tenant template took 5.9 ms of CPU (``json.loads``: 0.012 ms), at every CreateStack and
UpdateStack -- in a py-spy profile of this project's suite, 15 s of held-GIL time in all.

CloudFormation takes a template "in JSON or YAML format"
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html); a body that
is a JSON object is read here by ``json.loads``, which is also the stricter reading of JSON text
(YAML 1.1 would, for one, take the JSON number ``1e3`` for the string "1e3"). Anything that is not
JSON -- YAML with its short-form tags such as ``!Ref`` -- still goes to moto's own reading.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.errors import EngineAdaptationError

NAME = "cfn_json_templates"
_MODELS = "moto.cloudformation.models"
# What both readers in moto do today: YAML first, json.loads when YAML refuses.
PINNED_SOURCE = ("yaml.load(", "json.loads(")


def json_object(template: Any) -> dict[str, Any] | None:
    """The template as a dict when its text is a JSON object; None when it is anything else."""
    if not isinstance(template, str) or not template.lstrip().startswith("{"):
        return None
    try:
        parsed = json.loads(template)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _parse_template_wrapper(original: Callable[[str], dict[str, Any]]) -> Callable[[str], dict[str, Any]]:
    def parse_template(template: str) -> dict[str, Any]:
        parsed = json_object(template)
        return original(template) if parsed is None else parsed

    return mark(parse_template, NAME, original)


def _change_set_wrapper(original: Callable[[Any], None]) -> Callable[[Any], None]:
    def _parse_template(self: Any) -> None:
        parsed = json_object(self.template)
        if parsed is None:
            original(self)
        else:
            self.template_dict = parsed

    return mark(_parse_template, NAME, original)


def _pinned(adaptation_target: str, func: Any) -> None:
    source = inspect.getsource(func)
    missing = [part for part in PINNED_SOURCE if part not in source]
    if missing:
        raise EngineAdaptationError(NAME, f"{adaptation_target} no longer calls {missing}; re-check how moto reads templates")


def install() -> None:
    """Read JSON template bodies with ``json.loads`` in moto's CloudFormation (idempotent)."""
    models = import_module(NAME, _MODELS)
    stack = require_attr(NAME, models, "Stack")
    change_set = require_attr(NAME, models, "ChangeSet")
    parse = require_attr(NAME, stack, "parse_template")
    if not is_patched(parse, NAME):
        _pinned("Stack.parse_template", parse)
        stack.parse_template = staticmethod(_parse_template_wrapper(parse))
    change_set_parse = require_attr(NAME, change_set, "_parse_template")
    if not is_patched(change_set_parse, NAME):
        _pinned("ChangeSet._parse_template", change_set_parse)
        change_set._parse_template = _change_set_wrapper(change_set_parse)
