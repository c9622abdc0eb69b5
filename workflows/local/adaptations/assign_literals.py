"""Adaptation: string literals in Assign are unescaped like every other ASL string.

moto's preprocessor strips the quotes of an Assign literal but keeps its JSON escapes, so
``"Assign": {"q": "a\\"b"}`` stores ``a\\"b`` instead of ``a"b`` (Parameters/Arguments literals are
fine). We decode the literal as the JSON string it is.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "assign_literals"
_MODULE = "moto.stepfunctions.parser.asl.parse.preprocessor"


def _unescaping(original: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    def _inner_string_of(parser_rule_context: Any) -> str | None:
        text = parser_rule_context.getText()
        if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                pass
        return original(parser_rule_context)

    return mark(_inner_string_of, NAME, original)


def install() -> None:
    """Decode Assign string literals (idempotent)."""
    preprocessor = require_attr(NAME, import_module(NAME, _MODULE), "Preprocessor")
    original = require_attr(NAME, preprocessor, "_inner_string_of")
    if not is_patched(original, NAME):
        preprocessor._inner_string_of = staticmethod(_unescaping(original))
