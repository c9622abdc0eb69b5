"""`workflows graph` output is judged by the renderers themselves: mermaid 11's own parser and Graphviz
(compiled to wasm), both under node (npm devDependencies; `npm ci` installs them).

Issue 14: a Catch with two errors put `|` inside an unquoted Mermaid edge label, which mermaid's parser
refuses, so half the machines' graphs did not render. Every machine of the example project, the core
examples and a machine whose state and error names use every character that means something to
Mermaid or DOT are rendered in both formats and parsed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.core import examples
from workflows.core.graph import FORMATS, render
from workflows.project import example_project

ROOT = Path(__file__).resolve().parents[2]
JUDGE = Path(__file__).resolve().parent / "js" / "graph_judges.mjs"

#: names with every character that quotes, escapes, labels or comments something in Mermaid or DOT
AWKWARD = {
    "Comment": "state and error names that mean something to Mermaid and DOT",
    "StartAt": 'Say "hi" | <b>#1;</b>',
    "States": {
        'Say "hi" | <b>#1;</b>': {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sts:getCallerIdentity",
            "Catch": [{"ErrorEquals": ["A|B", 'Err"Quoted"', "C\\D", "E;F{G}[H]"], "Next": "end -> [x] {y} (z)"},
                      {"ErrorEquals": ["States.ALL"], "Next": "%% not a comment"}],
            "Next": "Choice: a|b?"},
        "Choice: a|b?": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "Map {m}"}],
                         "Default": "end -> [x] {y} (z)"},
        "Map {m}": {"Type": "Map", "ItemProcessor": {"StartAt": "inner \\ back", "States": {
            "inner \\ back": {"Type": "Pass", "End": True}}}, "End": True},
        "end -> [x] {y} (z)": {"Type": "Succeed"},
        "%% not a comment": {"Type": "Fail", "Error": "X"},
    },
}


def definitions() -> dict[str, dict[str, Any]]:
    out = {name: flow.build().to_asl() for name, flow in example_project().workflows().items()}
    for factory in examples.ALL:
        machine = factory()
        out[machine.name] = machine.to_asl()
    out["awkward-names"] = AWKWARD
    return out


def judge(items: list[dict[str, str]]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: the graph judges run under node 20 (see the README's quick start)")
    if not (ROOT / "node_modules" / "mermaid").is_dir():
        pytest.fail("mermaid is not installed: run `npm ci` (the README's test command does)")
    result = subprocess.run([node, str(JUDGE)], input=json.dumps(items), capture_output=True, text=True,
                            timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def verdicts() -> dict[tuple[str, str], dict[str, Any]]:
    items = [{"name": name, "format": fmt, "text": render(definition, fmt)}
             for name, definition in definitions().items() for fmt in FORMATS]
    return {(v["name"], v["format"]): v for v in judge(items)}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", sorted(definitions()))
def test_every_graph_parses_with_its_own_renderer(verdicts: dict[tuple[str, str], dict[str, Any]], name: str,
                                                  fmt: str) -> None:
    verdict = verdicts[(name, fmt)]
    assert verdict["ok"], f"{fmt} graph of {name} does not parse: {verdict['error']}"


def test_the_judges_refuse_what_they_should() -> None:
    """An unquoted `|` in a Mermaid edge label and an unescaped quote in a DOT label: both refused."""
    verdicts = judge([{"name": "mermaid", "format": "mermaid", "text": "flowchart TD\n  a -.->|A | B| b\n"},
                      {"name": "dot", "format": "dot", "text": 'digraph { a -> b [label="x"y"]; }\n'}])
    assert [v["ok"] for v in verdicts] == [False, False], verdicts


def test_labels_keep_the_names_readable() -> None:
    mermaid = render(AWKWARD, "mermaid")
    assert '-.->|"A|B | Err#quot;Quoted#quot; | C\\D | E;F{G}[H]"|' in mermaid
    assert '["Say #quot;hi#quot; | #lt;b#gt;#35;1;#lt;/b#gt;<br/><small>Task</small>"]' in mermaid
    dot = render(AWKWARD, "dot")
    assert 'label="A|B | Err\\"Quoted\\" | C\\\\D | E;F{G}[H]"' in dot
