"""JSONata expressions as checked strings.

In JSONata mode every dynamic value is a string wrapped in ``{% ... %}``. A typo there is only
found when the state runs in AWS; compiling the expression with jsonata-python at build time
moves the failure to the developer's machine.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import jsonata as _jsonata

from .errors import BuildError

_WRAPPED = re.compile(r"^\{%(.*)%\}$", re.DOTALL)


class Expr(str):
    """A ``{% ... %}`` string whose expression compiled; usable anywhere ASL takes a JSONata value."""

    @property
    def body(self) -> str:
        return _WRAPPED.match(self).group(1).strip()  # type: ignore[union-attr]


@lru_cache(maxsize=1024)
def _compiled(expression: str) -> Any:
    """The compiled expression, or the error text; cached because validation and the isolation
    analysis both read every expression, and the resolver machines' expressions are long."""
    try:
        return _jsonata.Jsonata(expression)
    except Exception as exc:  # jsonata-python raises JException (a RuntimeError) and others
        return str(exc) or type(exc).__name__


def compile_error(expression: str) -> str | None:
    """The parse error of a bare JSONata expression, or None when it compiles."""
    compiled = _compiled(expression)
    return compiled if isinstance(compiled, str) else None


def syntax_tree(expression: str) -> Any:
    """The parsed form (jsonata-python's AST) of a bare expression, or None when it does not compile."""
    compiled = _compiled(expression)
    return None if isinstance(compiled, str) else compiled.ast


def jsonata(expression: str) -> Expr:
    """Wrap a bare JSONata expression in ``{% %}`` after checking that it compiles."""
    text = expression.strip()
    if text.startswith("{%") or text.endswith("%}"):
        raise BuildError(f"pass the bare expression, not '{{% ... %}}': {expression!r}", rule="jsonata-syntax")
    error = compile_error(text)
    if error:
        raise BuildError(f"JSONata expression does not compile ({error}): {text}", rule="jsonata-syntax")
    return Expr("{% " + text + " %}")


def is_jsonata(value: object) -> bool:
    """True for a string that is meant as a JSONata expression (opened with ``{%``)."""
    return isinstance(value, str) and value.lstrip().startswith("{%")


def check_jsonata_string(value: str) -> str | None:
    """Why a ``{% %}`` string is broken (unclosed, empty, does not compile), or None."""
    text = value.strip()
    match = _WRAPPED.match(text)
    if not match:
        return "unclosed '{%': a JSONata value must be the whole string '{% expression %}'"
    body = match.group(1).strip()
    if not body:
        return "empty JSONata expression '{% %}'"
    error = compile_error(body)
    if error:
        return f"JSONata expression does not compile ({error})"
    return None


def one_line(text: str) -> str:
    """Fold a readable multi-line JSONata expression onto one line.

    The ASL schema that asl-validator and cfn-lint apply matches JSONata values with ``{% .+ %}``,
    which does not span newlines, so every expression is emitted on one line.
    """
    return " ".join(line.strip() for line in text.splitlines() if line.strip())

