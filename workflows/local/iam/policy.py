"""Evaluate IAM policy documents against one request, the way AWS's identity-policy logic does.

Why our own evaluator: moto's ``moto.iam.access_control`` ignores condition operators it does
not know (``StringLike``, ``ForAllValues:*`` ... are treated as met, i.e. it fails open), turns a
failed condition on an *Allow* into an explicit deny, has no ``NotResource`` and no policy
variables, and does not escape ARN characters in patterns. principalmapper's simulator is
AGPL-3.0 and unmaintained since 2022; policyuniverse, parliament and policy_sentry expand, lint or
write policies but do not evaluate a request. What we need (identity policies, Allow/Deny,
wildcards, a dozen condition operators, set operators, ``${...}`` variables) is small and is
tested here against AWS's documented semantics.

Scope, deliberately: identity-based and trust policies only; a permissions boundary is one more
identity-style document that the caller evaluates separately and requires to allow too
(``adaptations.credentials``). No SCPs, session policies, resource-based policies, Date/IpAddress
operators (an unsupported operator is a ``PolicyDocumentError``, never silently met).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Sequence

ContextValues = Mapping[str, Sequence[str]]


class PolicyDocumentError(ValueError):
    """A policy document is malformed or uses a feature this evaluator does not implement."""


class Decision(enum.Enum):
    """Outcome of evaluating a set of identity policies; only ALLOWED lets a call through."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicit deny"
    IMPLICIT_DENY = "implicit deny"


@dataclass(frozen=True)
class Request:
    """One IAM authorization request: what AWS checks before a service call runs.

    ``context`` maps condition keys (case-insensitive, as in IAM) to their values; a key that is
    absent from the request is absent from the mapping, which matters for ``ForAllValues``.
    """

    action: str
    resource: str
    context: ContextValues = field(default_factory=dict)


@dataclass(frozen=True)
class EvaluationResult:
    decision: Decision
    statement_sid: str | None = None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


@dataclass(frozen=True)
class TrustPrincipals:
    """Who is asking to assume a role: AWS principal ARNs/account ids and service principals."""

    aws: frozenset[str] = frozenset()
    service: frozenset[str] = frozenset()


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_SPECIAL_VARIABLES = {"*": "*", "?": "?", "$": "$"}


class _Unresolved(Exception):
    """A ``${key}`` policy variable has no value in the request: the element cannot match."""


def _normalise_context(context: ContextValues) -> dict[str, list[str]]:
    normalised: dict[str, list[str]] = {}
    for key, values in context.items():
        if isinstance(values, str):
            values = [values]
        normalised[key.lower()] = [str(v) for v in values]
    return normalised


def _substitute(text: str, context: dict[str, list[str]]) -> str:
    """Replace ``${key}`` by the request's single value of ``key`` (AWS policy variables)."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner in _SPECIAL_VARIABLES:
            return _SPECIAL_VARIABLES[inner]
        key, _, default = inner.partition(",")
        values = context.get(key.strip().lower())
        if values and len(values) == 1:
            return values[0]
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
        raise _Unresolved(inner)

    return _VARIABLE.sub(replace, text)


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM wildcard match: ``*`` any run of characters (including ``:`` and ``/``), ``?`` one.

    Against the WHOLE value (``fullmatch``): a ``$`` anchor would also match before a final
    newline, so ``"acme"`` would have matched ``"acme\\n"``; AWS compares the whole string.
    """
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def _as_list(value: Any, what: str) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, (str, bool, int, float)):
        return [value]
    raise PolicyDocumentError(f"{what} must be a string or a list, got {type(value).__name__}")


# --- condition operators -------------------------------------------------------------------


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError as exc:
        raise PolicyDocumentError(f"numeric condition value {value!r} is not a number") from exc


def _string_equals(ctx: str, pol: str) -> bool:
    return ctx == pol


def _string_equals_ic(ctx: str, pol: str) -> bool:
    return ctx.lower() == pol.lower()


def _string_like(ctx: str, pol: str) -> bool:
    return glob_match(pol, ctx)


def _bool(ctx: str, pol: str) -> bool:
    return ctx.lower() == str(pol).lower()


_POSITIVE: dict[str, Any] = {
    "StringEquals": _string_equals,
    "StringEqualsIgnoreCase": _string_equals_ic,
    "StringLike": _string_like,
    "ArnEquals": _string_like,  # AWS documents ArnEquals and ArnLike as the same match
    "ArnLike": _string_like,
    "NumericEquals": lambda c, p: _number(c) == _number(p),
    "NumericLessThan": lambda c, p: _number(c) < _number(p),
    "NumericLessThanEquals": lambda c, p: _number(c) <= _number(p),
    "NumericGreaterThan": lambda c, p: _number(c) > _number(p),
    "NumericGreaterThanEquals": lambda c, p: _number(c) >= _number(p),
    "Bool": _bool,
}
# Negated operators: "the context value matches none of the policy values".
_NEGATED: dict[str, str] = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NumericNotEquals": "NumericEquals",
}
_SUBSTITUTING = {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike"}


@dataclass(frozen=True)
class _Operator:
    base: str
    negated: bool
    set_operator: str | None  # "ForAllValues" | "ForAnyValue" | None
    if_exists: bool


def _parse_operator(name: str) -> _Operator:
    set_operator = None
    rest = name
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        if name.startswith(prefix):
            set_operator, rest = prefix[:-1], name[len(prefix):]
    if_exists = rest.endswith("IfExists") and rest != "IfExists"
    if if_exists:
        rest = rest[: -len("IfExists")]
    if rest == "Null":
        if set_operator or if_exists:
            raise PolicyDocumentError(f"condition operator {name!r} is not valid")
        return _Operator("Null", False, None, False)
    if rest in _NEGATED:
        return _Operator(_NEGATED[rest], True, set_operator, if_exists)
    if rest in _POSITIVE:
        return _Operator(rest, False, set_operator, if_exists)
    raise PolicyDocumentError(f"unsupported condition operator {name!r}")


def _value_matches(op: _Operator, ctx_value: str, policy_values: list[str], context: dict[str, list[str]]) -> bool:
    """True when ``ctx_value`` satisfies the (possibly negated) operator for one of the values."""
    compare = _POSITIVE[op.base]
    hit = False
    for pol in policy_values:
        pol_text = str(pol).lower() if isinstance(pol, bool) else str(pol)
        if op.base in _SUBSTITUTING:
            try:
                pol_text = _substitute(pol_text, context)
            except _Unresolved:
                continue
        if compare(ctx_value, pol_text):
            hit = True
            break
    return not hit if op.negated else hit


def _condition_key_met(op: _Operator, key: str, policy_value: Any, context: dict[str, list[str]]) -> bool:
    policy_values = _as_list(policy_value, f"condition value of {key!r}")
    values = context.get(key.lower())
    if op.base == "Null":
        want_absent = str(policy_values[0]).lower() == "true"
        return (values is None) == want_absent
    if op.set_operator == "ForAllValues":
        # AWS: true when the key is absent or empty -- the documented ForAllValues pitfall.
        return all(_value_matches(op, v, policy_values, context) for v in values or [])
    if op.set_operator == "ForAnyValue":
        return any(_value_matches(op, v, policy_values, context) for v in values or [])
    if values is None:
        return op.if_exists
    if op.negated:
        return all(_value_matches(op, v, policy_values, context) for v in values)
    return any(_value_matches(op, v, policy_values, context) for v in values)


def conditions_met(condition: Mapping[str, Any] | None, context: ContextValues) -> bool:
    """All operators and all keys must hold (AND); values under one key are alternatives (OR)."""
    if not condition:
        return True
    if not isinstance(condition, Mapping):
        raise PolicyDocumentError("Condition must be an object")
    ctx = _normalise_context(context)
    for op_name, block in condition.items():
        op = _parse_operator(op_name)
        if not isinstance(block, Mapping):
            raise PolicyDocumentError(f"condition block {op_name!r} must be an object")
        for key, policy_value in block.items():
            if not _condition_key_met(op, key, policy_value, ctx):
                return False
    return True


# --- statements ----------------------------------------------------------------------------


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    if not isinstance(document, Mapping) or "Statement" not in document:
        raise PolicyDocumentError("policy document has no Statement")
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise PolicyDocumentError("each Statement must be an object")
        if statement.get("Effect") not in ("Allow", "Deny"):
            raise PolicyDocumentError(f"Statement Effect must be Allow or Deny, got {statement.get('Effect')!r}")
        if ("Action" in statement) == ("NotAction" in statement):
            raise PolicyDocumentError("a Statement needs exactly one of Action / NotAction")
    return statements


def _action_matches(statement: Mapping[str, Any], action: str) -> bool:
    if "Action" in statement:
        return any(glob_match(p, action, ignore_case=True) for p in _as_list(statement["Action"], "Action"))
    return not any(glob_match(p, action, ignore_case=True) for p in _as_list(statement["NotAction"], "NotAction"))


def _resource_pattern_matches(pattern: str, resource: str, context: dict[str, list[str]]) -> bool:
    try:
        return glob_match(_substitute(pattern, context), resource)
    except _Unresolved:
        return False


def _resource_matches(statement: Mapping[str, Any], resource: str, context: dict[str, list[str]]) -> bool:
    if "Resource" in statement:
        patterns = _as_list(statement["Resource"], "Resource")
        return any(_resource_pattern_matches(p, resource, context) for p in patterns)
    if "NotResource" in statement:
        patterns = _as_list(statement["NotResource"], "NotResource")
        return not any(_resource_pattern_matches(p, resource, context) for p in patterns)
    return True  # trust policies carry no Resource


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    """Action, Resource and Condition of one statement all match the request."""
    ctx = _normalise_context(request.context)
    return (
        _action_matches(statement, request.action)
        and _resource_matches(statement, request.resource, ctx)
        and conditions_met(statement.get("Condition"), request.context)
    )


def evaluate(policies: Iterable[Mapping[str, Any]], request: Request) -> EvaluationResult:
    """AWS identity-policy logic: an explicit Deny anywhere wins, else any Allow, else deny."""
    allow_sid: str | None = None
    allowed = False
    for document in policies:
        for statement in _statements(document):
            if not statement_applies(statement, request):
                continue
            if statement["Effect"] == "Deny":
                return EvaluationResult(Decision.EXPLICIT_DENY, statement.get("Sid"))
            if not allowed:
                allowed, allow_sid = True, statement.get("Sid")
    return EvaluationResult(Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY, allow_sid)


# --- trust policies ------------------------------------------------------------------------


def _account_root(value: str) -> str:
    return f"arn:aws:iam::{value}:root" if re.fullmatch(r"\d{12}", value) else value


def _principal_matches(principal: Any, who: TrustPrincipals) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        raise PolicyDocumentError("trust policy Principal must be '*' or an object")
    aws_candidates = {_account_root(a) for a in who.aws}
    for kind, values in principal.items():
        for value in _as_list(values, f"Principal.{kind}"):
            if kind == "AWS" and (value == "*" or _account_root(value) in aws_candidates):
                return True
            if kind == "Service" and value in who.service:
                return True
    return False


def trust_allows(
    trust_policy: Mapping[str, Any],
    who: TrustPrincipals,
    action: str = "sts:AssumeRole",
    context: ContextValues | None = None,
) -> EvaluationResult:
    """Does a role's trust policy let one of ``who`` perform ``action`` (Deny wins)?"""
    request = Request(action=action, resource="*", context=context or {})
    allowed, allow_sid = False, None
    for statement in _statements(trust_policy):
        if "Principal" in statement:
            hit = _principal_matches(statement["Principal"], who)
        elif "NotPrincipal" in statement:
            hit = not _principal_matches(statement["NotPrincipal"], who)
        else:
            raise PolicyDocumentError("a trust policy Statement needs Principal or NotPrincipal")
        if not hit or not _action_matches(statement, action):
            continue
        if not conditions_met(statement.get("Condition"), request.context):
            continue
        if statement["Effect"] == "Deny":
            return EvaluationResult(Decision.EXPLICIT_DENY, statement.get("Sid"))
        if not allowed:
            allowed, allow_sid = True, statement.get("Sid")
    return EvaluationResult(Decision.ALLOWED if allowed else Decision.IMPLICIT_DENY, allow_sid)
