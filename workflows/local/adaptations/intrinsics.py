"""Adaptation: intrinsic functions read their text as AWS does.

AWS reads ``"States.Format('{} \\\\{x\\\\} it\\\\'s', $.name)"`` in two steps: the JSON string gives
``States.Format('{} \\{x\\} it\\'s', $.name)``, then the intrinsic's own escapes (``\\'``, ``\\{``,
``\\}``, ``\\\\``) make the literal ``{} {x} it's`` whose only placeholder is the unescaped ``{}``
(https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html, reserved
characters). moto 5.2.5 handed the JSON text, escapes included, to its intrinsic parser (so
``\\'`` ended the string early), kept ``\\{`` as two characters, and filled ``States.Format`` with
Python's ``str.format`` (``{x}`` became a named field: ``IndexError``). A ``null`` argument was
dropped: its grammar has no null, so ``States.Array('a', null)`` gave ``["a"]``.

We decode the JSON text first, resolve the intrinsic escapes in string literals (keeping the
escaped text for States.Format, which replaces only unescaped ``{}``), and pass ``null``
arguments through as a reserved string literal that becomes ``None``.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "intrinsics"
_PREPROCESSOR = "moto.stepfunctions.parser.asl.parse.preprocessor"
_INTRINSIC_PREPROCESSOR = "moto.stepfunctions.parser.asl.parse.intrinsic.preprocessor"
_ARGUMENT = "moto.stepfunctions.parser.asl.component.intrinsic.argument.argument"
_FORMAT = "moto.stepfunctions.parser.asl.component.intrinsic.function.statesfunction.generic.string_format"
_TEMPLATE = "_workflows_template"
NULL_SENTINEL = "\ue000workflows-null\ue000"
_CONTROL = {"n": "\n", "t": "\t", "r": "\r"}


def unescape(text: str) -> str:
    """The value of an intrinsic string literal's inner text."""
    return re.sub(r"\\(.)", lambda m: _CONTROL.get(m.group(1), m.group(1)), text, flags=re.DOTALL)


def with_null_literals(derivation: str) -> str:
    """Replace ``null`` arguments (outside string literals) with the reserved literal."""
    out, i, quoted = [], 0, False
    while i < len(derivation):
        char = derivation[i]
        if quoted:
            out.append(char)
            if char == "\\" and i + 1 < len(derivation):
                out.append(derivation[i + 1])
                i += 1
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted = True
            out.append(char)
        elif derivation.startswith("null", i) and not (i and (derivation[i - 1].isalnum() or derivation[i - 1] in "._$")) \
                and not derivation[i + 4:i + 5].isalnum():
            out.append(f"'{NULL_SENTINEL}'")
            i += 4
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)


def fill_template(template: str, values: list[str], escaped: bool) -> str:
    """Replace each ``{}`` of ``template`` with the next value (escaped braces are literal)."""
    out, i, used = [], 0, 0
    while i < len(template):
        if escaped and template[i] == "\\" and i + 1 < len(template):
            out.append(_CONTROL.get(template[i + 1], template[i + 1]))
            i += 2
        elif template.startswith("{}", i):
            if used >= len(values):
                raise ValueError(f"States.Format: the template has more {{}} than the {len(values)} value(s) given")
            out.append(values[used])
            used += 1
            i += 2
        else:
            out.append(template[i])
            i += 1
    if used != len(values):
        raise ValueError(f"States.Format: {len(values)} value(s) given for {used} {{}} in the template")
    return "".join(out)


def _decoding_visitor(original: Callable[..., Any], parser: Any, intrinsic_cls: type) -> Callable[..., Any]:
    @functools.wraps(original)
    def visitString_intrinsic_function(self: Any, ctx: Any) -> Any:
        try:
            derivation = json.loads(ctx.STRINGINTRINSICFUNC().getText())
        except (TypeError, ValueError):
            return original(self, ctx)
        function, _ = parser.parse(with_null_literals(derivation))
        return intrinsic_cls(intrinsic_function_derivation=derivation, function=function)

    return mark(visitString_intrinsic_function, NAME, original)


def _string_visitor(original: Callable[..., Any], literal_cls: type) -> Callable[..., Any]:
    @functools.wraps(original)
    def visitFunc_arg_string(self: Any, ctx: Any) -> Any:
        text = ctx.STRING().getText()[1:-1]
        if text == NULL_SENTINEL:
            return literal_cls(definition_value=None)
        literal = literal_cls(definition_value=unescape(text))
        setattr(literal, _TEMPLATE, text)
        return literal

    return mark(visitFunc_arg_string, NAME, original)


def _format_body(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _eval_body(self: Any, env: Any) -> None:
        self.argument_list.eval(env=env)
        args = env.stack.pop()
        raw = getattr(self.argument_list.arguments[0], _TEMPLATE, None)
        values = [self._to_str_repr(value) for value in args[1:]]
        env.stack.append(fill_template(raw if raw is not None else args[0], values, escaped=raw is not None))

    return mark(_eval_body, NAME, original)


def install() -> None:
    """Decode intrinsic text as AWS does, keep null arguments, fill States.Format's {} (idempotent)."""
    preprocessor = require_attr(NAME, import_module(NAME, _PREPROCESSOR), "Preprocessor")
    intrinsic_module = import_module(NAME, _PREPROCESSOR)
    parser = require_attr(NAME, intrinsic_module, "IntrinsicParser")
    intrinsic_cls = require_attr(NAME, intrinsic_module, "StringIntrinsicFunction")
    visit = require_attr(NAME, preprocessor, "visitString_intrinsic_function")
    inner = require_attr(NAME, import_module(NAME, _INTRINSIC_PREPROCESSOR), "Preprocessor")
    visit_string = require_attr(NAME, inner, "visitFunc_arg_string")
    literal_cls = require_attr(NAME, import_module(NAME, _ARGUMENT), "ArgumentLiteral")
    format_cls = require_attr(NAME, import_module(NAME, _FORMAT), "StringFormat")
    format_body = require_attr(NAME, format_cls, "_eval_body")
    require_attr(NAME, format_cls, "_to_str_repr")
    if not is_patched(visit, NAME):
        preprocessor.visitString_intrinsic_function = _decoding_visitor(visit, parser, intrinsic_cls)
    if not is_patched(visit_string, NAME):
        inner.visitFunc_arg_string = _string_visitor(visit_string, literal_cls)
    if not is_patched(format_body, NAME):
        format_cls._eval_body = _format_body(format_body)
