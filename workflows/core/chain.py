"""Chains: the graph of states reachable from a start state, and the Next edges between them.

``a >> b`` links every open end of ``a`` (a state with no Next that is not terminal) to ``b``. A
state used twice is the same state, so ``wait >> describe`` inside a Choice closes a loop back to
``describe``. Two *different* states with one name, or one state sent to two different Next
states, is refused here, at build time, naming the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .errors import BuildError
from .states import State


@dataclass(frozen=True, eq=False)
class Chain:
    start: State
    states: tuple[State, ...]          # every state of this level, in the order they were linked
    edges: tuple[tuple[str, str], ...]  # (from, to) Next transitions
    ends: tuple[str, ...] = ()          # the open ends that ``>>`` links (not Catch handlers' ends)

    # -- construction
    @classmethod
    def of(cls, state: State) -> "Chain":
        if not isinstance(state, State):
            raise BuildError(f"expected a state or a chain, got {state!r}", rule="chain")
        chain = cls(state, (state,), ())
        ends: list[str] = [] if state.TERMINAL else [state.name]
        for sub in state.subchains():
            chain = chain._merge(sub)
        if state.TYPE == "Choice":  # a Choice continues where its branches stay open
            for sub in state.subchains():
                ends.extend(e for e in sub.ends if e not in ends)
        return Chain(chain.start, chain.states, chain.edges, tuple(ends))._closed()

    @classmethod
    def coerce(cls, target: Union[State, "Chain"]) -> "Chain":
        return target if isinstance(target, Chain) else cls.of(target)

    def _merge(self, other: "Chain") -> "Chain":
        by_name = {s.name: s for s in self.states}
        states = list(self.states)
        for state in other.states:
            known = by_name.get(state.name)
            if known is None:
                by_name[state.name] = state
                states.append(state)
            elif known is not state and known != state:
                raise BuildError(f"two different states are named {state.name!r}; state names must be unique",
                                 rule="duplicate-name", path=state.name)
        edges = dict(self.edges)
        for src, dst in other.edges:
            if edges.get(src, dst) != dst:
                raise BuildError(f"{src!r} already goes to {edges[src]!r}; it cannot also go to {dst!r}",
                                 rule="next-conflict", path=src)
            edges[src] = dst
        return Chain(self.start, tuple(states), tuple(edges.items()), self.ends)

    def _closed(self) -> "Chain":
        """Drop ends that gained a Next through a loop."""
        sources = {src for src, _ in self.edges}
        return Chain(self.start, self.states, self.edges, tuple(e for e in self.ends if e not in sources))

    def __rshift__(self, other: Union[State, "Chain"]) -> "Chain":
        nxt = Chain.coerce(other)
        ends = self.ends
        if not ends:
            raise BuildError(f"nothing to link to {nxt.start.name!r}: every path from {self.start.name!r} "
                             "already ends (Succeed, Fail or a Choice without open branches)", rule="chain",
                             path=nxt.start.name)
        linked = Chain(self.start, self.states, self.edges + tuple((e, nxt.start.name) for e in ends), ())
        merged = linked._merge(nxt)._check_edges()
        return Chain(merged.start, merged.states, merged.edges, nxt.ends)._closed()

    def next(self, other: Union[State, "Chain"]) -> "Chain":
        return self >> other

    def _check_edges(self) -> "Chain":
        seen: dict[str, str] = {}
        for src, dst in self.edges:
            if seen.get(src, dst) != dst:
                raise BuildError(f"{src!r} already goes to {seen[src]!r}; it cannot also go to {dst!r}",
                                 rule="next-conflict", path=src)
            seen[src] = dst
        return self

    # -- emission
    def start_name(self, target: Union[State, "Chain"]) -> str:
        return Chain.coerce(target).start.name

    def to_asl(self) -> dict[str, Any]:
        """``{"StartAt", "States"}`` for this level; open ends become ``End: true``."""
        edges = dict(self.edges)
        states: dict[str, Any] = {}
        for state in self._reading_order(edges):
            body = state.fields(self)
            if state.name in edges:
                body["Next"] = edges[state.name]
            elif not state.TERMINAL:
                body["End"] = True
            states[state.name] = body
        return {"StartAt": self.start.name, "States": states}

    def _reading_order(self, edges: dict[str, str]) -> list[State]:
        """Depth first from StartAt, the Next path before branches and Catch handlers: the happy
        path reads top to bottom, error handling comes after it."""
        by_name = {s.name: s for s in self.states}
        order: list[State] = []
        seen: set[str] = set()
        stack = [self.start.name]
        while stack:
            name = stack.pop()
            if name in seen or name not in by_name:
                continue
            seen.add(name)
            state = by_name[name]
            order.append(state)
            later = [sub.start.name for sub in state.subchains()]
            if name in edges:
                later.insert(0, edges[name])
            stack.extend(reversed(later))
        order.extend(s for s in self.states if s.name not in seen)
        return order

