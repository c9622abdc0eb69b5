"""What the constructs deploy: every compiled machine in a project's asl/, with its catalog's declarations.

Why read asl/ and appsync/ and not build in-process: the files are what the golden tests pin, and
deploying the same bytes is the point (issue 7); ``workflows build`` is the one route that writes them.
The project's catalog is read only for what a file cannot say: the machine type, the declared
``${Name}`` placeholders, and which GraphQL field a machine resolves.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workflows.core.machine import PLACEHOLDER
from workflows.golden import JS_SUFFIX
from workflows.project import Project
from workflows.registry import Resolver


class SourceError(ValueError):
    """asl/ (or appsync/, or the schema) and the project's catalog disagree: no machine at all, an unknown
    machine, an undeclared or unused placeholder, bad JSON, a resolver machine whose appsync/<name>.js was
    never built, or a field the schema does not declare."""


@dataclass(frozen=True)
class MachineSource:
    """One machine as deployed: its definition text exactly as in asl/, and the catalog's facts about it."""

    name: str
    definition: str
    type: str                                   # "EXPRESS" | "STANDARD"
    placeholders: Mapping[str, str]             # name -> local default (CDK substitutes real values)
    resolver: Resolver | None = None
    resolver_code: str | None = None            # appsync/<name>.js exactly, for a machine that resolves a field
    asl: dict = field(default_factory=dict, compare=False, repr=False)


def load_machines(project: Project) -> dict[str, MachineSource]:
    """Every ``<name>.asl.json`` in the project's asl/ that its catalog declares; anything else is an error.

    A resolver machine's code is read from the project's appsync/ folder (``workflows build`` writes both).
    """
    catalog = project.workflows()
    fields = project.resolvers()
    machines: dict[str, MachineSource] = {}
    for path in sorted(Path(project.asl_dir).glob("*.asl.json")):
        name = path.name.removesuffix(".asl.json")
        if name not in catalog:
            raise SourceError(f"{path} has no workflow named {name!r} in the catalog of {project.root}")
        text = path.read_text(encoding="utf-8")
        try:
            asl = json.loads(text)
        except ValueError as exc:
            raise SourceError(f"{path} is not JSON: {exc}") from None
        machine = catalog[name].build()
        declared = dict(machine.placeholders)
        used = set(PLACEHOLDER.findall(text))
        if used != set(declared):
            raise SourceError(f"{path} uses placeholders {sorted(used)} but the catalog declares "
                                   f"{sorted(declared)}: rebuild asl/ (workflows build)")
        resolver = fields.get(name)
        code = resolver_js(name, project.appsync_dir) if resolver is not None else None
        machines[name] = MachineSource(name, text, str(machine.type), declared, resolver, code, asl)
    return machines


def resolver_js(name: str, js_dir: Path) -> str:
    """The committed APPSYNC_JS code of machine ``name`` (``js_dir/<name>.js``), never generated here:
    ``workflows build`` is the one writer, so what eslint and the golden check judged is what deploys."""
    built = Path(js_dir) / f"{name}{JS_SUFFIX}"
    if not built.is_file():
        raise SourceError(f"{built} does not exist: {name} resolves a GraphQL field and its resolver code "
                               "comes only from `workflows build`; run it and commit appsync/")
    return built.read_text(encoding="utf-8")
