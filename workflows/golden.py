"""The golden gate: asl/ (and appsync/) hold exactly what the catalog compiles to, byte for byte.

Only ``workflows build`` writes them; ``workflows check`` compares and lists every difference, so a
review of asl/ shows exactly what will run in AWS, and a review of appsync/ exactly what AppSync runs.
The resolver folder sits next to asl/ (``<asl>/../appsync``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from workflows.catalog import Workflow, all_workflows
from workflows.core import BuildError
from workflows.core.validate import validate_machine
from workflows.patterns.appsync_js import resolver_code

SUFFIX = ".asl.json"
JS_SUFFIX = ".js"


def appsync_dir(asl_dir: Path) -> Path:
    return asl_dir.parent / "appsync"


def resolver_texts(flows: dict[str, Workflow]) -> dict[str, str]:
    """File name -> APPSYNC_JS code for every workflow that resolves a GraphQL field."""
    return {f"{name}{JS_SUFFIX}": resolver_code(name, arguments=flow.resolver.arguments)
            for name, flow in flows.items() if flow.resolver is not None}


@dataclass(frozen=True)
class Problem:
    kind: str  # stale | missing | extra | invalid
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}: {self.detail}"


def compile_workflow(flow: Workflow) -> str:
    """The canonical text, after validation; raises BuildError naming the machine and state."""
    machine = flow.build()
    issues = validate_machine(machine)
    if issues:
        raise BuildError(issues)
    return machine.to_json()


def select(names: Iterable[str] = ()) -> dict[str, Workflow]:
    flows = all_workflows()
    wanted = list(names)
    unknown = [n for n in wanted if n not in flows]
    if unknown:
        raise KeyError(f"unknown workflow(s): {', '.join(unknown)}; known: {', '.join(flows) or 'none'}")
    return {n: flows[n] for n in wanted} if wanted else flows


def build(asl_dir: Path, names: Iterable[str] = ()) -> list[Path]:
    """Write asl/<name>.asl.json for the selected workflows (all when none are named)."""
    flows = select(names)
    texts = {name: compile_workflow(flow) for name, flow in flows.items()}  # all or nothing
    files = {asl_dir / f"{name}{SUFFIX}": text for name, text in texts.items()}
    files.update({appsync_dir(asl_dir) / name: text for name, text in resolver_texts(flows).items()})
    written = []
    for target, text in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        written.append(target)
    return written


def check(asl_dir: Path) -> list[Problem]:
    """Every stale, missing or extra file and every validation failure; empty when asl/ is exact."""
    problems: list[Problem] = []
    flows = all_workflows()
    for name, flow in flows.items():
        target = asl_dir / f"{name}{SUFFIX}"
        try:
            text = compile_workflow(flow)
        except BuildError as exc:
            problems.extend(Problem("invalid", name, str(issue)) for issue in exc.issues)
            continue
        if not target.exists():
            problems.append(Problem("missing", name, f"{target} does not exist; run `workflows build {name}`"))
        elif target.read_bytes() != text.encode("utf-8"):
            problems.append(Problem("stale", name, f"{target} differs from what the catalog compiles to; "
                                                   f"run `workflows build {name}` and review the diff"))
    if asl_dir.is_dir():
        for path in sorted(asl_dir.iterdir()):
            name = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else None
            if name is None or name not in flows:
                problems.append(Problem("extra", path.name, f"{path} belongs to no registered workflow"))
    js_dir = appsync_dir(asl_dir)
    expected = resolver_texts(flows)
    for file_name, text in expected.items():
        target = js_dir / file_name
        if not target.exists():
            problems.append(Problem("missing", file_name, f"{target} does not exist; run `workflows build`"))
        elif target.read_bytes() != text.encode("utf-8"):
            problems.append(Problem("stale", file_name, f"{target} differs from the generated resolver; "
                                                        "run `workflows build` and review the diff"))
    if js_dir.is_dir():
        for path in sorted(js_dir.iterdir()):
            if path.name not in expected:
                problems.append(Problem("extra", f"appsync/{path.name}",
                                        f"{path} is the resolver of no registered workflow"))
    return problems
