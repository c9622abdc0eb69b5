"""Feature gates: a resolver machine that runs only for tenants whose plan includes a feature.

Why features, not tiers: a tier ("pro") is only a name for a collection of features, and collections
change (a feature moves to a cheaper tier, one tenant gets a trial). So machines ask for a feature
(``export``), and the tenant's record in the tenants table lists the features it has (an attribute
``features``: a string set or a list of strings, written by whoever manages tenants). The Lambda
authorizer puts them in ``resolverContext`` next to the tenant's role; granting a feature is a data
change, never a deployment.

Encoding: AppSync's ``resolverContext`` holds flat key-value pairs (string values, no nesting), so the
features travel as ONE string, sorted and comma-delimited with a comma at each end (``encode_features``):
``",export,reports,"``, and ``","`` for none. The leading and trailing comma let a JSONPath Choice test
membership with a single ``StringMatches`` (``"*,export,*"``); JSONata splits on commas. Feature names
are therefore restricted to letters, digits, ``_`` and ``-`` (``FEATURE_NAME``): a comma would forge a
second feature and ``*`` or ``\\`` are StringMatches wildcards/escapes. The authorizer
(``infra/authorizer/handler.py``, deployed without this package) keeps its own copy of the rule and
drops any stored name that breaks it; a test keeps the two encodings equal.

The gate (``requires``) is the machine's FIRST state, a Choice: the tenant has the feature -> the
machine as it was; otherwise -> a Fail ``Feature.NotEnabled`` whose cause names the feature, or the
alternative branch the builder names (``otherwise=``). So no data call is ever made for a tenant
without the feature. A missing or non-string ``features`` key means no features. Both query
languages: JSONPath gates use IsPresent/IsString/StringMatches rules in that order (a type or value
test on an absent path is a runtime error on AWS); JSONata gates one condition, ``$contains`` of the
comma-delimited name -- the same test, so both languages grant exactly the same strings.
``check_gates`` refuses a machine whose gate is anywhere but first (or behind other gates).
"""

from __future__ import annotations

import re
from dataclasses import KW_ONLY, dataclass, replace
from typing import Any, ClassVar, Iterable, Iterator, Union

from workflows.core import JSONATA, BuildError, Chain, Choice, Fail, State, StateMachine, Var

__all__ = ["FEATURES_KEY", "FEATURES_PATH", "FEATURE_NOT_ENABLED", "FEATURE_NAME", "FeatureGate", "requires",
           "check_gates", "gate_features", "encode_features", "decode_features", "check_feature_name"]

#: The resolverContext key the Lambda authorizer puts the tenant's encoded features under.
FEATURES_KEY = "features"
FEATURES_PATH = f"$.identity.resolverContext.{FEATURES_KEY}"
_FEATURES_JSONATA = f"$states.input.identity.resolverContext.{FEATURES_KEY}"
#: The error a gated machine fails with when the tenant lacks the feature.
FEATURE_NOT_ENABLED = "Feature.NotEnabled"
#: What a feature name may be: safe between commas, and literal inside a StringMatches pattern.
FEATURE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
_RULE_NAME = "feature-name"
_RULE_FIRST = "feature-gate-first"

Target = Union[State, Chain, StateMachine]


def check_feature_name(feature: Any) -> str:
    """``feature`` when it can be encoded; else a BuildError naming it and the rule."""
    if not isinstance(feature, str) or not FEATURE_NAME.match(feature):
        raise BuildError(f"feature name {feature!r} must be 1-64 letters, digits, '_' or '-', starting with a letter "
                         "or digit (',' would forge a second feature; '*' and '\\' are StringMatches wildcards)",
                         rule=_RULE_NAME)
    return feature


def encode_features(features: Iterable[str]) -> str:
    """The resolverContext value for a set of features: sorted, comma-delimited, a comma at each end."""
    if isinstance(features, str):
        raise BuildError(f"features must be a collection of names, got the string {features!r}", rule=_RULE_NAME)
    names = sorted({check_feature_name(f) for f in features})
    return ",".join(["", *names, ""])


def decode_features(text: Any) -> tuple[str, ...]:
    """The features an encoded value grants (anything but a string grants none), as the machines read it."""
    if not isinstance(text, str):
        return ()
    return tuple(sorted({part for part in text.split(",") if part}))


@dataclass(frozen=True, eq=False)
class FeatureGate(Choice):
    """The gate Choice (emitted as a plain Choice); a distinct class so ``check_gates`` can find every gate."""

    TYPE: ClassVar[str] = "Choice"
    _: KW_ONLY
    feature: str = ""
    then: Any = None  # the Chain a tenant with the feature goes on to

    def fields(self, emit_chain: Any) -> dict[str, Any]:
        out = super().fields(emit_chain)
        out.pop("Feature", None)
        out.pop("Then", None)
        return out


def _pascal(feature: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_-]+", feature) if part)


def _chain_of(target: Target) -> Chain:
    return target.chain if isinstance(target, StateMachine) else Chain.coerce(target)


def _gate(feature: str, then: Chain, disabled: Chain, jsonata: bool) -> FeatureGate:
    name = f"Require{_pascal(feature)}"
    comment = f"Only tenants whose resolverContext.{FEATURES_KEY} includes {feature!r} go on"
    if jsonata:
        # the JSONPath test's exact twin: a comma-delimited name, so ",exports," does not grant "export";
        # a conditional, not "and", so $contains never sees a non-string (an evaluation error)
        condition = ("{% ($f := " + _FEATURES_JSONATA + '; $type($f) = "string" ? $contains($f, ",'
                     + feature + ',") : false) %}')
        return FeatureGate(name, comment=comment, feature=feature, then=then,
                           choices=(), default=disabled).when(condition, then)  # type: ignore[return-value]
    features = Var(FEATURES_PATH)
    return (FeatureGate(name, comment=comment, feature=feature, then=then)  # type: ignore[return-value]
            .when(~features.is_present(), disabled)
            .when(~features.is_string(), disabled)
            .when(features.matches(f"*,{feature},*"), then)
            .otherwise(disabled))


def requires(feature: str, machine: StateMachine, *, otherwise: Target | None = None) -> StateMachine:
    """``machine`` behind a gate on ``feature``: the same machine, with the gate as its first state.

    A tenant without the feature gets ``Feature.NotEnabled`` (cause: ``feature <name> is not enabled for
    this tenant``) or, with ``otherwise``, that branch (a state, chain or machine whose states join this
    one; in a ``tenant_scoped`` machine its data tasks are held to the same isolation rules). Gates stack:
    ``requires("a", requires("b", m))`` needs both, ``a`` judged first. The machine's type, query
    language, placeholders and ``tenant_scoped`` are kept.
    """
    feature = check_feature_name(feature)
    if not isinstance(machine, StateMachine):
        raise BuildError(f"requires() gates a StateMachine, got {type(machine).__name__}", rule=_RULE_FIRST)
    jsonata = machine.query_language == JSONATA
    if otherwise is None:
        disabled = Chain.coerce(Fail(f"{_pascal(feature)}NotEnabled", error=FEATURE_NOT_ENABLED,
                                     cause=f"feature {feature} is not enabled for this tenant"))
    else:
        disabled = _chain_of(otherwise)
    gated = replace(machine, start=_gate(feature, machine.chain, disabled, jsonata))
    try:
        check_gates(gated)
    except BuildError as exc:
        raise exc.in_machine(machine.name) from None
    return gated


def _states(chain: Chain) -> Iterator[tuple[str, State]]:
    """Every state of a chain and of the sub-graphs nested in it (Parallel branches, Map processors)."""
    for state in chain.states:
        yield state.name, state
        for segment, sub in state.nested():
            for path, inner in _states(sub):
                yield f"{state.name}/{segment}/{path}", inner


def _leading_gates(machine: StateMachine) -> list[FeatureGate]:
    """The gates a run meets before anything else: the start, and gates that gates lead to."""
    found: list[FeatureGate] = []
    todo = [machine.chain.start]
    while todo:
        state = todo.pop(0)
        if isinstance(state, FeatureGate) and not any(state is g for g in found):
            found.append(state)
            todo += [Chain.coerce(sub).start for sub in state.subchains()]
    return found


def check_gates(machine: StateMachine) -> None:
    """Refuse (BuildError ``feature-gate-first``) a gate that is not first: one reached only from other gates.

    Why: a gate after a data task would let a tenant without the feature make that call first.
    """
    leading = _leading_gates(machine)
    for path, state in _states(machine.chain):
        if isinstance(state, FeatureGate) and not any(state is g for g in leading):
            raise BuildError(f"the gate on feature {state.feature!r} must be the machine's first state (or follow "
                             "only other gates): states before it would run for tenants without the feature",
                             rule=_RULE_FIRST, path=path).in_machine(machine.name)


def gate_features(machine: StateMachine) -> tuple[str, ...]:
    """The features a machine's leading gates ask for (what its resolver must forward: ``features``)."""
    return tuple(g.feature for g in _leading_gates(machine))
