"""The state graph of a definition as Mermaid or Graphviz dot, for READMEs and reviews.

Map and Parallel become subgraphs, Catch edges are dashed, so error paths stand out from the
happy path.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

FORMATS = ("mermaid", "dot")


def _node_id(path: str) -> str:
    return "s_" + re.sub(r"[^A-Za-z0-9_]", "_", path)


def _edges(state: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """(label, target, dashed) for every transition of a state."""
    out: list[tuple[str, str, bool]] = []
    for i, rule in enumerate(state.get("Choices") or []):
        out.append((f"rule {i + 1}", rule.get("Next"), False))
    if "Default" in state:
        out.append(("default", state["Default"], False))
    for catcher in state.get("Catch") or []:
        out.append((" | ".join(catcher.get("ErrorEquals") or []), catcher.get("Next"), True))
    if "Next" in state:
        out.append(("", state["Next"], False))
    return out


def _walk(level: Mapping[str, Any], prefix: str, lines: list[str], fmt: str, indent: str) -> None:
    states = level.get("States") or {}
    ids = {name: _node_id(prefix + name) for name in states}
    for name, state in states.items():
        nid = ids[name]
        kind = state.get("Type", "")
        nested = []
        if kind == "Parallel":
            nested = [(f"{name} branch {i + 1}", b, f"{prefix}{name}/Branches[{i}]/")
                      for i, b in enumerate(state.get("Branches") or [])]
        elif kind == "Map":
            proc = state.get("ItemProcessor") or state.get("Iterator") or {}
            nested = [(f"{name} (Map)", proc, f"{prefix}{name}/ItemProcessor/")]
        if fmt == "mermaid":
            shape = f'{nid}{{"{name}"}}' if kind == "Choice" else f'{nid}["{name}<br/><small>{kind}</small>"]'
            lines.append(f"{indent}{shape}")
            for title, sub, sub_prefix in nested:
                sid = _node_id(sub_prefix)
                lines.append(f'{indent}subgraph {sid}["{title}"]')
                _walk(sub, sub_prefix, lines, fmt, indent + "  ")
                lines.append(f"{indent}end")
                lines.append(f"{indent}{nid} --> {_node_id(sub_prefix + str(sub.get('StartAt')))}")
        else:
            shape = "diamond" if kind == "Choice" else "box"
            lines.append(f'{indent}{nid} [label="{name}\\n{kind}", shape={shape}];')
            for title, sub, sub_prefix in nested:
                lines.append(f'{indent}subgraph cluster_{_node_id(sub_prefix)} {{ label="{title}";')
                _walk(sub, sub_prefix, lines, fmt, indent + "  ")
                lines.append(f"{indent}}}")
                lines.append(f"{indent}{nid} -> {_node_id(sub_prefix + str(sub.get('StartAt')))};")
        for label, target, dashed in _edges(state):
            tid = ids.get(target, _node_id(prefix + str(target)))
            if fmt == "mermaid":
                arrow = "-.->" if dashed else "-->"
                lines.append(f"{indent}{nid} {arrow}{f'|{label}|' if label else ''} {tid}")
            else:
                attrs = [f'label="{label}"'] if label else []
                if dashed:
                    attrs.append("style=dashed")
                lines.append(f"{indent}{nid} -> {tid}{' [' + ', '.join(attrs) + ']' if attrs else ''};")
        if state.get("End") is True or kind in ("Succeed", "Fail"):
            lines.append(f"{indent}{nid} --> {_node_id(prefix + '__end')}((end))" if fmt == "mermaid"
                         else f"{indent}{nid} -> {_node_id(prefix + '__end')};")


def render(definition: Mapping[str, Any], fmt: str = "mermaid") -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; choose one of {', '.join(FORMATS)}")
    lines: list[str] = ["flowchart TD"] if fmt == "mermaid" else ["digraph machine {", "  rankdir=TB;"]
    start = _node_id(str(definition.get("StartAt")))
    lines.append(f"  start((start)) --> {start}" if fmt == "mermaid" else f"  start [shape=circle]; start -> {start};")
    _walk(definition, "", lines, fmt, "  ")
    if fmt == "dot":
        lines.append("}")
    return "\n".join(lines) + "\n"
