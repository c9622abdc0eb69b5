"""Values that states carry besides their own fields: Credentials, Retry, Catch, and the UNSET marker.

They are small frozen values so that two states built the same way compare equal, which is what
lets a loop point back at an earlier state by reusing the same Python object.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Sequence, Union

from .error_names import error_equals_problems
from .errors import BuildError
from .jsonpath import check_path

if TYPE_CHECKING:
    from .chain import Chain
    from .states import State


class _Unset:
    """Marks a field that was not given, so that ``None`` can mean ASL ``null`` (e.g. ResultPath)."""

    _instance: "_Unset | None" = None

    def __new__(cls) -> "_Unset":
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()

Target = Union["State", "Chain"]


@dataclass(frozen=True)
class Credentials:
    """The role a Task runs under. Give ``role_arn`` (a literal or ``{% %}``) or ``role_arn_path``."""

    role_arn: str | None = None
    role_arn_path: str | None = None

    def __post_init__(self) -> None:
        if (self.role_arn is None) == (self.role_arn_path is None):
            raise BuildError("Credentials needs exactly one of role_arn or role_arn_path", rule="credentials")
        if self.role_arn_path is not None:
            error = check_path(self.role_arn_path)
            if error:
                raise BuildError(f"Credentials role_arn_path: {error}", rule="jsonpath-syntax")

    @classmethod
    def from_path(cls, path: str) -> "Credentials":
        """The role ARN is read at run time, e.g. from the authorizer's resolverContext."""
        return cls(role_arn_path=path)

    def to_asl(self) -> dict[str, Any]:
        if self.role_arn_path is not None:
            return {"RoleArn.$": self.role_arn_path}
        return {"RoleArn": self.role_arn}


def _check_errors(errors: Sequence[str]) -> None:
    """Refuse an ErrorEquals list AWS would refuse (or that handles nothing) where it is written."""
    for rule, message in error_equals_problems(list(errors), "ErrorEquals")[:1]:
        raise BuildError(message, rule=rule)


@dataclass(frozen=True)
class Retry:
    errors: Sequence[str] = ("States.ALL",)
    interval_seconds: int | None = None
    max_attempts: int | None = None
    backoff_rate: float | None = None
    max_delay_seconds: int | None = None
    jitter_strategy: str | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", tuple(self.errors))
        _check_errors(self.errors)
        if self.jitter_strategy not in (None, "FULL", "NONE"):
            raise BuildError(f"JitterStrategy must be FULL or NONE, not {self.jitter_strategy!r}", rule="retry")

    def to_asl(self) -> dict[str, Any]:
        out: dict[str, Any] = {"ErrorEquals": list(self.errors)}
        for key, value in (("IntervalSeconds", self.interval_seconds), ("MaxAttempts", self.max_attempts),
                           ("BackoffRate", self.backoff_rate), ("MaxDelaySeconds", self.max_delay_seconds),
                           ("JitterStrategy", self.jitter_strategy), ("Comment", self.comment)):
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Catch:
    """Where errors go: ``next`` is the handler state or chain; ``result_path`` keeps the input."""

    errors: Sequence[str]
    next: Target
    result_path: str | None = UNSET
    output: Any = UNSET
    assign: Mapping[str, Any] | None = None
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", tuple(self.errors))
        _check_errors(self.errors)

    def to_asl(self, next_name: str) -> dict[str, Any]:
        out: dict[str, Any] = {"ErrorEquals": list(self.errors), "Next": next_name}
        if self.result_path is not UNSET:
            out["ResultPath"] = self.result_path
        if self.output is not UNSET:
            out["Output"] = self.output
        if self.assign is not None:
            out["Assign"] = dict(self.assign)
        if self.comment is not None:
            out["Comment"] = self.comment
        return out


def freeze(value: Any) -> Any:
    """Deep-copy plain JSON-ish values so a state never shares a mutable dict with its caller."""
    if isinstance(value, Mapping):
        return {k: freeze(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and not isinstance(value, str):
        return [freeze(v) for v in value]
    return value

