"""A layered layout of an ASL definition, drawn by the viewer's page as SVG.

Why our own layout rather than mermaid in the page: the viewer must work from the installed package with
no network, colour states by outcome and make every state a keyboard target; a small layered layout
(ranks by longest path over the graph without its back edges, one barycentre pass to order each rank)
is enough for Step Functions machines, which are mostly chains with a few branches. Map and Parallel
states are containers: their inner machines are laid out first and drawn inside them.
"""

from __future__ import annotations

from typing import Any, Mapping

NODE_HEIGHT = 44
RANK_GAP = 46
NODE_GAP = 22
PAD = 14
HEADER = 26
CHAR_WIDTH = 7.2


def transitions(state: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(target, label, kind) for every transition of a state; kind is "next", "choice" or "catch"."""
    out: list[tuple[str, str, str]] = []
    for i, rule in enumerate(state.get("Choices") or []):
        if isinstance(rule, Mapping) and rule.get("Next"):
            out.append((str(rule["Next"]), f"rule {i + 1}", "choice"))
    if state.get("Default"):
        out.append((str(state["Default"]), "default", "choice"))
    for catcher in state.get("Catch") or []:
        if isinstance(catcher, Mapping) and catcher.get("Next"):
            errors = " | ".join(str(e) for e in catcher.get("ErrorEquals") or [])
            out.append((str(catcher["Next"]), errors, "catch"))
    if state.get("Next"):
        out.append((str(state["Next"]), "", "next"))
    return out


def inner_machines(state: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    """(title, definition) of the machines inside a Map (its ItemProcessor) or Parallel (its branches)."""
    kind = state.get("Type")
    if kind == "Parallel":
        return [(f"branch {i + 1}", b) for i, b in enumerate(state.get("Branches") or []) if isinstance(b, Mapping)]
    if kind == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [("iteration", processor)] if isinstance(processor, Mapping) else []
    return []


def _ranks(names: list[str], start: str, edges: dict[str, list[str]]) -> dict[str, int]:
    """Longest-path rank of every state after dropping the back edges found by a DFS from ``start``."""
    order: list[str] = []
    colour: dict[str, int] = {}
    forward: dict[str, list[str]] = {n: [] for n in names}
    roots = [start] + [n for n in names if n != start]
    for root in roots:
        if root not in forward or root in colour:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        colour[root] = 1
        while stack:
            node, i = stack.pop()
            targets = [t for t in edges.get(node, []) if t in forward]
            if i < len(targets):
                stack.append((node, i + 1))
                target = targets[i]
                if colour.get(target) == 1:
                    continue  # a back edge (a loop): drawn, but not ranked
                forward[node].append(target)
                if target not in colour:
                    colour[target] = 1
                    stack.append((target, 0))
            else:
                colour[node] = 2
                order.append(node)
    rank = {n: 0 for n in names}
    for node in reversed(order):  # reverse post-order is a topological order of the forward edges
        for target in forward[node]:
            rank[target] = max(rank[target], rank[node] + 1)
    return rank


def layout(definition: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nodes (with x, y, w, h, and inner layouts for Map/Parallel) and edges of one machine level.

    Node ids are state paths (``Update/iteration/WaitForStack``); coordinates are relative to the level.
    """
    states = definition.get("States") if isinstance(definition.get("States"), Mapping) else {}
    names = [str(n) for n in states]
    start = str(definition.get("StartAt", names[0] if names else ""))
    edges = {n: [t for t, _, _ in transitions(states[n])] for n in names}
    nodes: dict[str, dict[str, Any]] = {}
    for name in names:
        state = states[name]
        kind = str(state.get("Type", ""))
        node: dict[str, Any] = {"id": prefix + name, "name": name, "type": kind, "end": bool(state.get("End"))}
        inner = [(title, layout(sub, f"{prefix}{name}/{title}/")) for title, sub in inner_machines(state)]
        label_width = CHAR_WIDTH * max(len(name), len(kind) + 2) + 2 * PAD
        if inner:
            node["inner"] = []
            x = PAD
            height = 0.0
            for title, sub in inner:
                node["inner"].append({"title": title, "x": x, "y": HEADER + PAD, **sub})
                x += sub["w"] + NODE_GAP
                height = max(height, sub["h"])
            node["w"] = max(label_width, x - NODE_GAP + PAD)
            node["h"] = HEADER + PAD + height + PAD
        else:
            node["w"], node["h"] = max(label_width, 110.0), float(NODE_HEIGHT)
        nodes[name] = node
    rank = _ranks(names, start, edges)
    rows: list[list[str]] = [[] for _ in range(max(rank.values(), default=-1) + 1)]
    for name in names:
        rows[rank[name]].append(name)
    preds: dict[str, list[str]] = {n: [] for n in names}
    for source, targets in edges.items():
        for target in targets:
            if target in preds and rank[target] > rank[source]:
                preds[target].append(source)
    # place rows top-down; each row ordered by the mean position of its predecessors (barycentre)
    position: dict[str, float] = {}
    y = float(PAD + 16)  # room for the start marker
    placed_rows: list[tuple[list[str], float]] = []
    for row in rows:
        row.sort(key=lambda n: (sum(position.get(p, 0) for p in preds[n]) / len(preds[n]) if preds[n] else 0.0))
        height = max(nodes[n]["h"] for n in row)
        placed_rows.append((row, y))
        for i, name in enumerate(row):
            position[name] = i
        y += height + RANK_GAP
    width = max((sum(nodes[n]["w"] for n in row) + NODE_GAP * (len(row) - 1) for row, _ in placed_rows),
                default=0.0) + 2 * PAD
    for row, top in placed_rows:
        row_width = sum(nodes[n]["w"] for n in row) + NODE_GAP * (len(row) - 1)
        x = (width - row_width) / 2
        for name in row:
            nodes[name]["x"], nodes[name]["y"] = x, top
            x += nodes[name]["w"] + NODE_GAP
    edge_list = []
    for name in names:
        for target, label, kind in transitions(states[name]):
            if target in nodes:
                back = rank[target] <= rank[name]
                edge_list.append({"from": prefix + name, "to": prefix + target, "label": label, "kind": kind,
                                  "back": back})
    return {
        "start": prefix + start,
        "nodes": [nodes[n] for n in names],
        "edges": edge_list,
        "w": max(width, 140.0),
        "h": max(y - RANK_GAP + PAD, 60.0),
    }


def state_types(definition: Mapping[str, Any]) -> dict[str, str]:
    """Every state name of a machine, nested ones included, with its Type."""
    out: dict[str, str] = {}
    states = definition.get("States") if isinstance(definition.get("States"), Mapping) else {}
    for name, state in states.items():
        if isinstance(state, Mapping):
            out[str(name)] = str(state.get("Type", ""))
            for _, sub in inner_machines(state):
                out.update(state_types(sub))
    return out


def state_paths(definition: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """State name -> its node id in ``layout`` (names are unique in a machine, nested ones included)."""
    out: dict[str, str] = {}
    states = definition.get("States") if isinstance(definition.get("States"), Mapping) else {}
    for name, state in states.items():
        out.setdefault(str(name), prefix + str(name))
        if isinstance(state, Mapping):
            for title, sub in inner_machines(state):
                for inner_name, path in state_paths(sub, f"{prefix}{name}/{title}/").items():
                    out.setdefault(inner_name, path)
    return out
