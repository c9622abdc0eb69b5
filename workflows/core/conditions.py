"""Choice rules written as Python expressions.

``Var("$.status") == "CREATE_COMPLETE"`` reads like the condition it is and compiles to the ASL
comparison operator for the operand's type, so a rule cannot pair ``StringEquals`` with a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping

from .errors import BuildError
from .jsonpath import check_path


class Condition:
    """A JSONPath-mode Choice rule; combine with ``&``, ``|`` and ``~``."""

    def to_asl(self) -> dict[str, Any]:
        raise NotImplementedError

    def __and__(self, other: "Condition") -> "Condition":
        return _Compound("And", _flatten("And", self) + _flatten("And", other))

    def __or__(self, other: "Condition") -> "Condition":
        return _Compound("Or", _flatten("Or", self) + _flatten("Or", other))

    def __invert__(self) -> "Condition":
        return _Not(self)

    def __bool__(self) -> bool:
        raise BuildError("use '&', '|' and '~' to combine conditions, not 'and', 'or' and 'not'",
                         rule="choice-rule")


def _flatten(op: str, cond: Condition) -> tuple[Condition, ...]:
    if isinstance(cond, _Compound) and cond.op == op:
        return cond.parts
    if not isinstance(cond, Condition):
        raise BuildError(f"cannot combine a condition with {cond!r}", rule="choice-rule")
    return (cond,)


@dataclass(frozen=True, eq=False)
class _Comparison(Condition):
    variable: str
    operator: str
    value: Any

    def to_asl(self) -> dict[str, Any]:
        return {"Variable": self.variable, self.operator: self.value}


@dataclass(frozen=True, eq=False)
class _Compound(Condition):
    op: str
    parts: tuple[Condition, ...]

    def to_asl(self) -> dict[str, Any]:
        return {self.op: [p.to_asl() for p in self.parts]}


@dataclass(frozen=True, eq=False)
class _Not(Condition):
    part: Condition

    def to_asl(self) -> dict[str, Any]:
        return {"Not": self.part.to_asl()}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float)):
        return "Numeric"
    if isinstance(value, datetime):
        return "Timestamp"
    if isinstance(value, str):
        return "String"
    raise BuildError(f"cannot compare with {value!r}: use a str, number, bool or datetime", rule="choice-rule")


class Var:
    """A path in the state's input (or a ``$variable``) that Choice rules compare."""

    def __init__(self, path: str) -> None:
        error = check_path(path)
        if error:
            raise BuildError(error, rule="jsonpath-syntax")
        self.path = path

    def __repr__(self) -> str:
        return f"Var({self.path!r})"

    def __hash__(self) -> int:
        return hash(self.path)

    def _compare(self, op: str, value: Any) -> Condition:
        if isinstance(value, Var):
            raise BuildError(
                f"comparing {self.path} with another path needs the typed form, "
                f"e.g. .string_equals_path({value.path!r})", rule="choice-rule")
        kind = _kind(value)
        if kind == "Boolean" and op != "Equals":
            raise BuildError("booleans support only ==", rule="choice-rule")
        if kind == "Timestamp":
            value = value.isoformat().replace("+00:00", "Z")
        return _Comparison(self.path, f"{kind}{op}", value)

    def __eq__(self, value: Any) -> Condition:  # type: ignore[override]
        return self._compare("Equals", value)

    def __ne__(self, value: Any) -> Condition:  # type: ignore[override]
        return ~self._compare("Equals", value)

    def __lt__(self, value: Any) -> Condition:
        return self._compare("LessThan", value)

    def __le__(self, value: Any) -> Condition:
        return self._compare("LessThanEquals", value)

    def __gt__(self, value: Any) -> Condition:
        return self._compare("GreaterThan", value)

    def __ge__(self, value: Any) -> Condition:
        return self._compare("GreaterThanEquals", value)

    def matches(self, pattern: str) -> Condition:
        """StringMatches: ``*`` is a wildcard, ``\\*`` a literal star."""
        return _Comparison(self.path, "StringMatches", pattern)

    def is_present(self, present: bool = True) -> Condition:
        return _Comparison(self.path, "IsPresent", present)

    def is_null(self, null: bool = True) -> Condition:
        return _Comparison(self.path, "IsNull", null)

    def is_string(self) -> Condition:
        return _Comparison(self.path, "IsString", True)

    def is_numeric(self) -> Condition:
        return _Comparison(self.path, "IsNumeric", True)

    def is_boolean(self) -> Condition:
        return _Comparison(self.path, "IsBoolean", True)

    def is_timestamp(self) -> Condition:
        return _Comparison(self.path, "IsTimestamp", True)

    def compare_path(self, operator: str, other: str) -> Condition:
        """Typed comparison with another path, e.g. ``compare_path("NumericLessThanPath", "$.max")``."""
        if not operator.endswith("Path") or operator[:-4] not in COMPARISON_OPERATORS:
            raise BuildError(f"{operator} is not a path comparison operator", rule="choice-rule")
        error = check_path(other)
        if error:
            raise BuildError(error, rule="jsonpath-syntax")
        return _Comparison(self.path, operator, other)

    def string_equals_path(self, other: str) -> Condition:
        return self.compare_path("StringEqualsPath", other)


COMPARISON_OPERATORS = frozenset(
    f"{kind}{op}"
    for kind in ("String", "Numeric", "Timestamp")
    for op in ("Equals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")
) | {"BooleanEquals", "StringMatches", "IsPresent", "IsNull", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp"}

ALL_OPERATORS = COMPARISON_OPERATORS | {
    f"{op}Path" for op in COMPARISON_OPERATORS if op not in
    {"StringMatches", "IsPresent", "IsNull", "IsString", "IsNumeric", "IsBoolean", "IsTimestamp"}
}
