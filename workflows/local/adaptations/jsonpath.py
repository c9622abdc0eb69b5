"""Adaptation: a definite JSONPath returns the value itself, as AWS does.

moto's ``extract_json`` wraps a field read that follows an array index in a list
(``$.Stacks[0].StackStatus`` -> ``["CREATE_COMPLETE"]``) to fix moto issue 7825, where
``$.a[*].b`` over a one-element list came back unwrapped. AWS (Jayway JSONPath) decides by the
path, not by the match: a definite path (only names and single indexes) yields one value; an
indefinite one (``[*]``, slices, filters, ``..``, unions) always yields a list. We keep moto's
function and replace only that decision.

Parsed paths are also kept (``PARSE_CACHE_SIZE``, least recently used out): jsonpath-ng builds a
new PLY parser for every ``parse`` (~0.5 ms), and moto parses a state's paths again at each
evaluation. A parsed path is only read by ``find``, so one parse serves every execution.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from jsonpath_ng import jsonpath as jp

from workflows.local.adaptations._patching import (
    import_module,
    is_patched,
    mark,
    replace_references,
    require_attr,
)
from workflows.local.errors import EngineAdaptationError

NAME = "jsonpath"
_MODULE = "moto.stepfunctions.parser.asl.utils.json_path"
PARSE_CACHE_SIZE = 4096


def is_definite(expr: Any) -> bool:
    """True when a parsed jsonpath-ng expression can match at most one value."""
    if isinstance(expr, (jp.Root, jp.This)):
        return True
    if isinstance(expr, jp.Child):
        return is_definite(expr.left) and is_definite(expr.right)
    if isinstance(expr, jp.Fields):
        return len(expr.fields) == 1 and expr.fields[0] != "*"
    if isinstance(expr, jp.Index):
        return len(getattr(expr, "indices", [getattr(expr, "index", None)])) == 1
    return False  # Slice, Descendants, Filter, Union, Where, ...


def _definite_wrapper(
    original: Callable[[str, Any], Any], parse: Callable[[str], Any], error_type: type[Exception]
) -> Callable[[str, Any], Any]:
    @functools.wraps(original)
    def extract_json(path: str, data: Any) -> Any:
        expr = parse(path)
        if not is_definite(expr):
            return original(path, data)
        matches = expr.find(data)
        if not matches:
            raise error_type(json_path=path, data=data)
        return matches[0].value

    return mark(extract_json, NAME, original)


def install() -> None:
    """Replace moto's extract_json everywhere it was imported (idempotent)."""
    module = import_module(NAME, _MODULE)
    original = require_attr(NAME, module, "extract_json")
    parse = require_attr(NAME, module, "parse")
    error_type = require_attr(NAME, module, "NoSuchJsonPathError")
    if is_patched(original, NAME):
        return
    if not is_patched(parse, NAME):
        parse = module.parse = mark(functools.lru_cache(maxsize=PARSE_CACHE_SIZE)(parse), NAME, parse)
    if not hasattr(jp, "Index") or not hasattr(jp, "Fields"):
        raise EngineAdaptationError(NAME, "jsonpath_ng.jsonpath lost Index/Fields")
    # Import every known user first so their by-name references exist to be rebound.
    for user in USERS:
        import_module(NAME, user)
    wrapper = _definite_wrapper(original, parse, error_type)
    replace_references("moto.stepfunctions", original, wrapper)


USERS: tuple[str, ...] = (
    "moto.stepfunctions.parser.asl.component.common.string.string_expression",
    "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.timestamp_operators",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.boolean_equals",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.numeric",
    "moto.stepfunctions.parser.asl.component.state.choice.comparison.operator.implementations.string_operators",
    "moto.stepfunctions.parser.asl.eval.states",
)
