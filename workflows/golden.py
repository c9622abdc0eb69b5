"""The golden gate: a project's asl/ (and appsync/) hold exactly what its workflows compile to, byte for byte.

Only ``workflows build`` writes them; ``workflows check`` compares and lists every difference, so a
review of asl/ shows exactly what will run in AWS, and a review of appsync/ exactly what AppSync runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from workflows.core import BuildError
from workflows.core.validate import validate_machine
from workflows.patterns.appsync.js import resolver_code
from workflows.project import Project
from workflows.registry import Workflow

SUFFIX = ".asl.json"
JS_SUFFIX = ".js"


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


def build(project: Project, names: Iterable[str] = ()) -> list[Path]:
    """Write asl/<name>.asl.json (and appsync/<name>.js) for the selected workflows (all when none are named)."""
    flows = project.select(names)
    texts = {name: compile_workflow(flow) for name, flow in flows.items()}  # all or nothing
    files = {project.asl_dir / f"{name}{SUFFIX}": text for name, text in texts.items()}
    files.update({project.appsync_dir / name: text for name, text in resolver_texts(flows).items()})
    written = []
    for target, text in files.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))
        written.append(target)
    return written


def check(project: Project) -> list[Problem]:
    """Every stale, missing or extra file and every validation failure; empty when asl/ is exact."""
    problems: list[Problem] = []
    asl_dir = project.asl_dir
    flows = project.workflows()
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
            problems.append(Problem("stale", name, f"{target} differs from what the workflow compiles to; "
                                                   f"run `workflows build {name}` and review the diff"))
    if asl_dir.is_dir():
        for path in sorted(asl_dir.iterdir()):
            name = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else None
            if name is None or name not in flows:
                problems.append(Problem("extra", path.name, f"{path} belongs to no registered workflow"))
    js_dir = project.appsync_dir
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
