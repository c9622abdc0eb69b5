"""StateMachine: a named, typed graph of states that compiles to canonical ASL.

Deployment-specific values (table names, bucket names) are written as CDK definition-substitution
placeholders ``${Name}``; each machine declares them with a local default so the same ASL file is
deployed by CDK (which substitutes real values) and run by the local engine (which substitutes the
defaults).

``annotations`` is what other layers want to know about a machine that ASL does not say -- e.g. the
GraphQL contract an AppSync resolver machine keeps (the arguments it reads, the shape it returns).
Core only carries it: never emitted, never validated, never interpreted here, so core stays
domain-free while a pattern builder can hand its knowledge to whoever checks the machine later.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping, Union

from .chain import Chain
from .errors import BuildError
from .states import JSONATA, JSONPATH, State

EXPRESS = "EXPRESS"
STANDARD = "STANDARD"

PLACEHOLDER = re.compile(r"\$\{([A-Za-z][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, eq=False)
class StateMachine:
    name: str
    start: Union[State, Chain]
    type: str = STANDARD
    comment: str | None = None
    query_language: str | None = None
    timeout_seconds: int | None = None
    placeholders: Mapping[str, str] = field(default_factory=dict)
    tenant_scoped: bool = False  # every data task must run under the tenant's role (isolation lint)
    annotations: Mapping[str, Any] = field(default_factory=dict)  # carried for other layers, never emitted

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", self.name or ""):
            raise BuildError(f"machine names are kebab-case (they are asl/ file names), got {self.name!r}",
                             rule="machine-name")
        if self.type not in (EXPRESS, STANDARD):
            raise BuildError(f"{self.name}: type must be EXPRESS or STANDARD, not {self.type!r}",
                             rule="machine-type")
        if self.query_language not in (None, JSONPATH, JSONATA):
            raise BuildError(f"{self.name}: QueryLanguage must be JSONPath or JSONata", rule="query-language")
        object.__setattr__(self, "placeholders", dict(self.placeholders))
        object.__setattr__(self, "annotations", MappingProxyType(dict(self.annotations)))

    @property
    def chain(self) -> Chain:
        return Chain.coerce(self.start)

    def to_asl(self) -> dict[str, Any]:
        """The definition as an ordered dict (placeholders left as ``${Name}``)."""
        body = self.chain.to_asl()
        out: dict[str, Any] = {}
        if self.comment is not None:
            out["Comment"] = self.comment
        if self.query_language is not None:
            out["QueryLanguage"] = self.query_language
        out["StartAt"] = body["StartAt"]
        if self.timeout_seconds is not None:
            out["TimeoutSeconds"] = self.timeout_seconds
        out["States"] = body["States"]
        return out

    def to_json(self) -> str:
        """Canonical text: 2-space indent, UTF-8 as is, trailing newline."""
        from .emit import canonical_json
        return canonical_json(self.to_asl())

    def used_placeholders(self) -> set[str]:
        return set(PLACEHOLDER.findall(json.dumps(self.to_asl())))

    def substituted(self, values: Mapping[str, str] | None = None) -> str:
        """The JSON with ``${Name}`` replaced (by ``values``, else the local defaults)."""
        return substitute(self.to_json(), {**self.placeholders, **(values or {})})

    def validate(self) -> None:
        """Raise BuildError listing every issue; see validate.py for the rules."""
        from .validate import validate_machine
        issues = validate_machine(self)
        if issues:
            raise BuildError(issues)

    def state_count(self) -> int:
        from .validate import iter_states
        return sum(1 for _ in iter_states(self.to_asl()))


def substitute(text: str, values: Mapping[str, str]) -> str:
    """CDK's definition substitution: every ``${Name}`` must have a value."""
    missing = sorted(set(PLACEHOLDER.findall(text)) - set(values))
    if missing:
        raise BuildError(f"no value for placeholder(s) {', '.join(missing)}", rule="placeholder")
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], text)
