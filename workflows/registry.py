"""The one place workflows are registered by name; the name is the asl/ file name.

A workflow is a function returning a StateMachine. Registering the function (not the machine) keeps
import cheap and lets a build error be attributed to the workflow that raised it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from workflows.core import BuildError, StateMachine

Factory = Callable[[], StateMachine]

_REGISTRY: dict[str, "Workflow"] = {}


_GRAPHQL_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")


class ResolverError(ValueError):
    """A ``Resolver`` declaration that cannot be right: the message names the resolver's field."""


@dataclass(frozen=True)
class Resolver:
    """The GraphQL field an EXPRESS machine resolves through AppSync (infra wires it, build writes its JS).

    ``arguments`` are the field arguments the generated resolver forwards to the machine (None: all of
    the field's). ``workflows check`` holds them to the schema and to what the machine reads.
    """

    type_name: str                               # "Query" or "Mutation"
    field_name: str                              # e.g. "getNote"
    arguments: tuple[str, ...] | None = None     # the field arguments the machine receives; None = all

    def __post_init__(self) -> None:
        if self.type_name not in ("Query", "Mutation", "Subscription"):
            raise ResolverError(f"resolver type must be Query, Mutation or Subscription, not {self.type_name!r}")
        if not isinstance(self.field_name, str) or not _GRAPHQL_NAME.fullmatch(self.field_name):
            raise ResolverError(f"{self.field_name!r} is not a GraphQL field name")
        if self.arguments is None:
            return
        where = f"Resolver {self.type_name}.{self.field_name}"
        # a bare string is iterable too: Resolver("Query", "getSet", "id") would forward "i" and "d"
        if isinstance(self.arguments, str):
            raise ResolverError(f"{where}: arguments must be a sequence of names, not the string {self.arguments!r} "
                                f"(did you mean ({self.arguments!r},)?)")
        try:
            names = tuple(self.arguments)
        except TypeError:
            raise ResolverError(f"{where}: arguments must be a sequence of names, not {self.arguments!r}") from None
        for name in names:
            if not isinstance(name, str) or not _GRAPHQL_NAME.fullmatch(name):
                raise ResolverError(f"{where}: argument {name!r} is not a GraphQL name")
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ResolverError(f"{where}: argument(s) {duplicates} listed twice")
        object.__setattr__(self, "arguments", names)

    @property
    def coordinate(self) -> str:
        """``Type.field``, as GraphQL names a field."""
        return f"{self.type_name}.{self.field_name}"


@dataclass(frozen=True)
class Workflow:
    name: str
    factory: Factory
    module: str
    resolver: Resolver | None = None

    def build(self) -> StateMachine:
        """The machine, with any build error attributed to this workflow's name."""
        try:
            machine = self.factory()
        except BuildError as exc:
            raise exc.in_machine(self.name) from None
        if not isinstance(machine, StateMachine):
            raise BuildError(f"workflow {self.name!r} returned {type(machine).__name__}, not a StateMachine",
                             rule="registry")
        if machine.name != self.name:
            raise BuildError(f"workflow {self.name!r} returned a machine named {machine.name!r}", rule="registry")
        return machine


def workflow(name: str, *, resolver: Resolver | None = None) -> Callable[[Factory], Factory]:
    """Register a workflow function under a kebab-case name (and, for AppSync, the field it resolves)."""
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name):
        raise ValueError(f"workflow names are kebab-case, got {name!r}")

    def register(factory: Factory) -> Factory:
        known = _REGISTRY.get(name)
        if known is not None and (known.module, known.factory.__qualname__) != (
                factory.__module__, factory.__qualname__):
            raise ValueError(f"workflow {name!r} is registered twice ({known.module} and {factory.__module__})")
        _REGISTRY[name] = Workflow(name, factory, factory.__module__, resolver)
        return factory

    return register


def registered() -> dict[str, Workflow]:
    """Every registered workflow, sorted by name."""
    return dict(sorted(_REGISTRY.items()))


def resolvers() -> dict[str, Resolver]:
    """Workflow name -> the GraphQL field it resolves, for every AppSync resolver machine."""
    return {name: flow.resolver for name, flow in registered().items() if flow.resolver is not None}

