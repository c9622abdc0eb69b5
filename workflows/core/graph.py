"""The state graph of a definition as Mermaid or Graphviz dot, for READMEs and reviews.

Map and Parallel become subgraphs, Catch edges are dashed, so error paths stand out from the
happy path.

Every label is quoted and escaped for its language, because state and error names are free text
in ASL: mermaid 11's parser refuses an unquoted ``|`` in an edge label (a Catch of two errors), and
a ``"`` or ``#1;`` in a name would end or rewrite a label. Node ids are derived from state paths and
made unique per graph. The tests parse every graph with mermaid and Graphviz themselves.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

FORMATS = ("mermaid", "dot")

# Mermaid reads "#name;" and "#123;" inside quoted text as entity codes: escape "#" first, then the
# characters that would end the string or become HTML in a label.
_MERMAID_ESCAPES = (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"))


def mermaid_text(text: str) -> str:
    """``text`` as the inside of a quoted Mermaid label (shown as written)."""
    for char, code in _MERMAID_ESCAPES:
        text = text.replace(char, code)
    return text


def dot_text(text: str) -> str:
    """``text`` as the inside of a quoted DOT label (backslashes and quotes escaped)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


class _Ids:
    """One node id per state path, unique in the graph even when two names differ only in punctuation."""

    def __init__(self) -> None:
        self._by_path: dict[str, str] = {}
        self._used: set[str] = {"start"}

    def __call__(self, path: str) -> str:
        if path not in self._by_path:
            base = "s_" + re.sub(r"[^A-Za-z0-9_]", "_", path)
            nid, n = base, 2
            while nid in self._used:
                nid, n = f"{base}_{n}", n + 1
            self._used.add(nid)
            self._by_path[path] = nid
        return self._by_path[path]


def _edges(state: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """(label, target, dashed) for every transition of a state."""
    out: list[tuple[str, str, bool]] = []
    for i, rule in enumerate(state.get("Choices") or []):
        out.append((f"rule {i + 1}", rule.get("Next"), False))
    if "Default" in state:
        out.append(("default", state["Default"], False))
    for catcher in state.get("Catch") or []:
        out.append((" | ".join(str(e) for e in catcher.get("ErrorEquals") or []), catcher.get("Next"), True))
    if "Next" in state:
        out.append(("", state["Next"], False))
    return out


def _mermaid_edge(source: str, target: str, label: str, dashed: bool) -> str:
    arrow = "-.->" if dashed else "-->"
    return f'{source} {arrow}{f"|{chr(34)}{mermaid_text(label)}{chr(34)}|" if label else ""} {target}'


def _walk(level: Mapping[str, Any], prefix: str, lines: list[str], fmt: str, indent: str, ids: _Ids) -> None:
    states = level.get("States") or {}
    for name, state in states.items():
        nid = ids(prefix + name)
        kind = str(state.get("Type", ""))
        nested = []
        if kind == "Parallel":
            nested = [(f"{name} branch {i + 1}", b, f"{prefix}{name}/Branches[{i}]/")
                      for i, b in enumerate(state.get("Branches") or [])]
        elif kind == "Map":
            proc = state.get("ItemProcessor") or state.get("Iterator") or {}
            nested = [(f"{name} (Map)", proc, f"{prefix}{name}/ItemProcessor/")]
        if fmt == "mermaid":
            label = mermaid_text(name)
            shape = f'{nid}{{"{label}"}}' if kind == "Choice" else f'{nid}["{label}<br/><small>{kind}</small>"]'
            lines.append(f"{indent}{shape}")
            for title, sub, sub_prefix in nested:
                lines.append(f'{indent}subgraph {ids(sub_prefix)}["{mermaid_text(title)}"]')
                _walk(sub, sub_prefix, lines, fmt, indent + "  ", ids)
                lines.append(f"{indent}end")
                lines.append(f"{indent}{nid} --> {ids(sub_prefix + str(sub.get('StartAt')))}")
        else:
            shape = "diamond" if kind == "Choice" else "box"
            lines.append(f'{indent}{nid} [label="{dot_text(name)}\\n{kind}", shape={shape}];')
            for title, sub, sub_prefix in nested:
                lines.append(f'{indent}subgraph cluster_{ids(sub_prefix)} {{ label="{dot_text(title)}";')
                _walk(sub, sub_prefix, lines, fmt, indent + "  ", ids)
                lines.append(f"{indent}}}")
                lines.append(f"{indent}{nid} -> {ids(sub_prefix + str(sub.get('StartAt')))};")
        for label, target, dashed in _edges(state):
            tid = ids(prefix + str(target))
            if fmt == "mermaid":
                lines.append(f"{indent}{_mermaid_edge(nid, tid, label, dashed)}")
            else:
                attrs = [f'label="{dot_text(label)}"'] if label else []
                if dashed:
                    attrs.append("style=dashed")
                lines.append(f"{indent}{nid} -> {tid}{' [' + ', '.join(attrs) + ']' if attrs else ''};")
        if state.get("End") is True or kind in ("Succeed", "Fail"):
            end = ids(prefix + "__end")
            lines.append(f"{indent}{nid} --> {end}((end))" if fmt == "mermaid" else f"{indent}{nid} -> {end};")


def render(definition: Mapping[str, Any], fmt: str = "mermaid") -> str:
    """The graph of an ASL definition (a dict) in ``fmt`` ("mermaid" or "dot")."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown graph format {fmt!r}; choose one of {', '.join(FORMATS)}")
    ids = _Ids()
    lines: list[str] = ["flowchart TD"] if fmt == "mermaid" else ["digraph machine {", "  rankdir=TB;"]
    start = ids(str(definition.get("StartAt")))
    lines.append(f"  start((start)) --> {start}" if fmt == "mermaid" else f"  start [shape=circle]; start -> {start};")
    _walk(definition, "", lines, fmt, "  ", ids)
    if fmt == "dot":
        lines.append("}")
    return "\n".join(lines) + "\n"
