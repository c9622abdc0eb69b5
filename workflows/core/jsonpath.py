"""JSONPath paths and intrinsic functions as checked strings.

ASL values ending in ``.$`` are either a path or an intrinsic call; both are only parsed by AWS when
the state runs. Parsing them here (paths with jsonpath-ng, intrinsics with a small tokenizer that
knows each function's arity) turns a runtime ``States.Runtime`` into a build error.
"""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass
from typing import Union

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse as _parse_jsonpath

from .errors import BuildError

# Arity of every intrinsic: (minimum, maximum or None for unbounded).
INTRINSIC_ARITY: dict[str, tuple[int, int | None]] = {
    "States.Format": (1, None),
    "States.StringToJson": (1, 1),
    "States.JsonToString": (1, 1),
    "States.Array": (0, None),
    "States.ArrayPartition": (2, 2),
    "States.ArrayContains": (2, 2),
    "States.ArrayRange": (3, 3),
    "States.ArrayGetItem": (2, 2),
    "States.ArrayLength": (1, 1),
    "States.ArrayUnique": (1, 1),
    "States.Base64Encode": (1, 1),
    "States.Base64Decode": (1, 1),
    "States.Hash": (2, 2),
    "States.JsonMerge": (3, 3),
    "States.MathRandom": (2, 3),
    "States.MathAdd": (2, 2),
    "States.StringSplit": (2, 2),
    "States.UUID": (0, 0),
}

_VARIABLE = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)")
_REFERENCE = re.compile(r"""^\$(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\['[^']*'\]|\["[^"]*"\])*$""")


def check_path(value: str, *, reference: bool = False, allow_context: bool = True) -> str | None:
    """Why ``value`` is not a valid JSONPath (or Reference Path), or None when it is.

    Accepts ``$``-rooted paths, ``$$`` context-object paths and ``$name`` variable paths.
    """
    if not isinstance(value, str) or not value.startswith("$"):
        return f"{value!r} is not a path: a path starts with '$'"
    return _check_text(value, reference, allow_context)


@functools.lru_cache(maxsize=4096)
def _check_text(value: str, reference: bool, allow_context: bool) -> str | None:
    """check_path for a ``$`` string; kept per text because jsonpath-ng builds its PLY parser again at
    every parse (about 2 ms), and a project's build checks the same few hundred paths many times."""
    text = value
    if text.startswith("$$"):
        if not allow_context:
            return f"{value!r}: the context object ('$$') is not allowed here"
        text = text[1:]
    else:
        var = _VARIABLE.match(text)
        if var:
            text = "$" + text[var.end():]
    if reference:
        if not _REFERENCE.match(text):
            return (f"{value!r} is not a Reference Path: only '.field' and '[index]' steps are allowed "
                    "(no '*', '..', filters or slices)")
        return None
    try:
        _parse_jsonpath(text)
    except (JsonPathParserError, JsonPathLexerError, Exception) as exc:  # jsonpath-ng raises several types
        return f"{value!r} is not valid JSONPath ({exc})"
    return None


def path(value: str, *, reference: bool = False) -> "Ref":
    """A checked path, usable as an intrinsic argument or a ``.$`` value."""
    error = check_path(value, reference=reference)
    if error:
        raise BuildError(error, rule="jsonpath-syntax")
    return Ref(value)


class Ref(str):
    """A path string that was checked; intrinsic helpers insert it unquoted."""


class Intrinsic(str):
    """An intrinsic function call that was checked; nests inside other intrinsic helpers."""


# ---------------------------------------------------------------- parsing of intrinsic calls

@dataclass(frozen=True)
class _Call:
    name: str
    args: tuple["_Arg", ...]


_Arg = Union[_Call, str]  # a nested call, or the raw text of a literal/path argument

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:\\.|[^'\\])*')|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|"
    r"(?P<name>States\.[A-Za-z0-9]+)|(?P<path>\$[^,()\s]*(?:\([^)]*\))?[^,()\s]*)|"
    r"(?P<lit>true|false|null)|(?P<punct>[(),]))"
)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, message: str) -> BuildError:
        return BuildError(f"intrinsic {self.text!r}: {message} (at character {self.pos})", rule="intrinsic-syntax")

    def token(self) -> tuple[str, str]:
        match = _TOKEN.match(self.text, self.pos)
        if not match or match.end() == self.pos:
            raise self.error("unexpected text")
        self.pos = match.end()
        kind = match.lastgroup or ""
        return kind, match.group(kind)

    def peek(self) -> tuple[str, str]:
        saved = self.pos
        try:
            return self.token()
        finally:
            self.pos = saved

    def call(self) -> _Call:
        kind, name = self.token()
        if kind != "name":
            raise self.error("expected an intrinsic function name such as States.Format")
        if self.token() != ("punct", "("):
            raise self.error(f"expected '(' after {name}")
        args: list[_Arg] = []
        if self.peek() == ("punct", ")"):
            self.token()
        else:
            while True:
                kind, value = self.peek()
                if kind == "name":
                    args.append(self.call())
                else:
                    kind, value = self.token()
                    if kind not in ("str", "num", "path", "lit"):
                        raise self.error(f"unexpected {value!r} in the arguments of {name}")
                    if kind == "path":
                        error = check_path(value)
                        if error:
                            raise self.error(error)
                    args.append(value)
                kind, value = self.token()
                if value == ")":
                    break
                if value != ",":
                    raise self.error(f"expected ',' or ')' in the arguments of {name}")
        return _Call(name, tuple(args))


def _check_arity(call: _Call) -> None:
    if call.name not in INTRINSIC_ARITY:
        raise BuildError(f"unknown intrinsic function {call.name}", rule="intrinsic-unknown")
    low, high = INTRINSIC_ARITY[call.name]
    count = len(call.args)
    if count < low or (high is not None and count > high):
        expected = f"{low}" if low == high else (f"at least {low}" if high is None else f"{low} to {high}")
        raise BuildError(f"{call.name} takes {expected} argument(s), got {count}", rule="intrinsic-arity")
    if call.name == "States.Format":
        template = call.args[0]
        if not (isinstance(template, str) and template.startswith("'")):
            raise BuildError("States.Format needs a string literal template as its first argument",
                             rule="intrinsic-arity")
        holes = len(re.findall(r"(?<!\\)\{\}", template))
        if holes != count - 1:
            raise BuildError(f"States.Format template has {holes} '{{}}' but {count - 1} value(s) follow",
                             rule="intrinsic-arity")
    for arg in call.args:
        if isinstance(arg, _Call):
            _check_arity(arg)


def check_intrinsic(text: str) -> str | None:
    """Why ``text`` is not a well-formed intrinsic call with the right arity, or None."""
    try:
        parser = _Parser(text.strip())
        call = parser.call()
        if parser.pos != len(parser.text):
            raise parser.error("text after the closing ')'")
        _check_arity(call)
    except BuildError as exc:
        return exc.issues[0].message
    return None


def is_intrinsic(value: object) -> bool:
    return isinstance(value, str) and value.lstrip().startswith("States.")


# ---------------------------------------------------------------- helpers that build calls

IntrinsicArg = Union[Ref, Intrinsic, str, int, float, bool, None]


def _render(arg: IntrinsicArg) -> str:
    if isinstance(arg, (Ref, Intrinsic)):
        return str(arg)
    if hasattr(arg, "path") and isinstance(getattr(arg, "path"), str):  # a conditions.Var
        return getattr(arg, "path")
    if arg is None:
        return "null"
    if isinstance(arg, bool):
        return "true" if arg else "false"
    if isinstance(arg, (int, float)):
        return repr(arg)
    if isinstance(arg, str):
        escaped = re.sub(r"([\\'{}])", r"\\\1", arg)
        return f"'{escaped}'"
    raise BuildError(f"cannot use {arg!r} as an intrinsic argument", rule="intrinsic-syntax")


def _call(name: str, *args: IntrinsicArg, raw_first: str | None = None) -> Intrinsic:
    parts = ([raw_first] if raw_first is not None else []) + [_render(a) for a in args]
    text = f"{name}({', '.join(parts)})"
    error = check_intrinsic(text)
    if error:
        raise BuildError(error, rule="intrinsic-arity")
    return Intrinsic(text)


def format(template: str, *values: IntrinsicArg) -> Intrinsic:  # noqa: A001 - mirrors States.Format
    """States.Format: ``{}`` in the template are holes, filled in order."""
    escaped = re.sub(r"([\\'])", r"\\\1", template)
    return _call("States.Format", *values, raw_first=f"'{escaped}'")


def string_to_json(value: IntrinsicArg) -> Intrinsic:
    return _call("States.StringToJson", value)


def json_to_string(value: IntrinsicArg) -> Intrinsic:
    return _call("States.JsonToString", value)


def array(*values: IntrinsicArg) -> Intrinsic:
    return _call("States.Array", *values)


def array_get_item(values: IntrinsicArg, index: IntrinsicArg) -> Intrinsic:
    return _call("States.ArrayGetItem", values, index)


def array_length(values: IntrinsicArg) -> Intrinsic:
    return _call("States.ArrayLength", values)


def array_contains(values: IntrinsicArg, value: IntrinsicArg) -> Intrinsic:
    return _call("States.ArrayContains", values, value)


def math_add(a: IntrinsicArg, b: IntrinsicArg) -> Intrinsic:
    return _call("States.MathAdd", a, b)


def uuid() -> Intrinsic:
    return _call("States.UUID")


def base64_encode(value: IntrinsicArg) -> Intrinsic:
    return _call("States.Base64Encode", value)


def base64_decode(value: IntrinsicArg) -> Intrinsic:
    return _call("States.Base64Decode", value)


def hash(value: IntrinsicArg, algorithm: str = "SHA-256") -> Intrinsic:  # noqa: A001 - mirrors States.Hash
    if algorithm not in {"MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512"}:
        raise BuildError(f"States.Hash has no algorithm {algorithm!r}", rule="intrinsic-arity")
    return _call("States.Hash", value, algorithm)
