"""Adaptation: string literals in Assign are unescaped like every other ASL string.

moto's preprocessor strips the quotes of an Assign literal but keeps its JSON escapes, so
``"Assign": {"q": "a\\"b"}`` stores ``a\\"b`` instead of ``a"b`` (Parameters/Arguments literals are
fine). We decode the literal as the JSON string it is.

JSONPath and context-object paths are left as moto reads them, escapes included: the JSONPath
parser interprets those escapes itself, so ``$['Test\\"Name']`` names the key ``Test"Name`` and a
key holding a backslash stays reachable (decoding first made jsonpath-ng unescape twice).
"""

from __future__ import annotations

import json
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "assign_literals"
_MODULE = "moto.stepfunctions.parser.asl.parse.preprocessor"
_PARSER_MODULE = "moto.stepfunctions.parser.asl.antlr.runtime.ASLParser"
# Parse-tree contexts whose text is a path that the JSONPath parser unescapes itself.
_RAW_CONTEXTS = ("String_jsonpathContext", "String_context_pathContext")


def _unescaping(original: Callable[[Any], str | None], raw_contexts: tuple[type, ...]) -> Callable[[Any], str | None]:
    def _inner_string_of(parser_rule_context: Any) -> str | None:
        if isinstance(parser_rule_context, raw_contexts):
            return original(parser_rule_context)
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
    parser = require_attr(NAME, import_module(NAME, _PARSER_MODULE), "ASLParser")
    raw_contexts = tuple(require_attr(NAME, parser, name) for name in _RAW_CONTEXTS)
    if not is_patched(original, NAME):
        preprocessor._inner_string_of = staticmethod(_unescaping(original, raw_contexts))
