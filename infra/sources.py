"""What infra deploys: every compiled machine in asl/, with the catalog's declarations about it.

Why read asl/ and not build in-process: the files are what the golden tests pin, and deploying the same
bytes is the point (issue 7). The catalog is read only for what a file cannot say: the machine type,
the declared ``${Name}`` placeholders, and which GraphQL field a machine resolves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from workflows.catalog import Resolver, all_workflows, resolvers

REPO = Path(__file__).resolve().parent.parent
ASL_DIR = REPO / "asl"
APPSYNC_DIR = REPO / "appsync"
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


class InfraSourceError(ValueError):
    """asl/ and the catalog disagree (unknown machine, undeclared or unused placeholder, bad JSON)."""


@dataclass(frozen=True)
class MachineSource:
    """One machine as deployed: its definition text exactly as in asl/, and the catalog's facts about it."""

    name: str
    definition: str
    type: str                                   # "EXPRESS" | "STANDARD"
    placeholders: Mapping[str, str]             # name -> local default (CDK substitutes real values)
    resolver: Resolver | None = None
    asl: dict = field(default_factory=dict, compare=False, repr=False)


def load_machines(asl_dir: Path = ASL_DIR) -> dict[str, MachineSource]:
    """Every ``<name>.asl.json`` in ``asl_dir`` that the catalog declares; anything else is an error."""
    catalog = all_workflows()
    fields = resolvers()
    machines: dict[str, MachineSource] = {}
    for path in sorted(Path(asl_dir).glob("*.asl.json")):
        name = path.name.removesuffix(".asl.json")
        if name not in catalog:
            raise InfraSourceError(f"{path} has no workflow named {name!r} in the catalog")
        text = path.read_text(encoding="utf-8")
        try:
            asl = json.loads(text)
        except ValueError as exc:
            raise InfraSourceError(f"{path} is not JSON: {exc}") from None
        machine = catalog[name].build()
        declared = dict(machine.placeholders)
        used = set(_PLACEHOLDER.findall(text))
        if used != set(declared):
            raise InfraSourceError(f"{path} uses placeholders {sorted(used)} but the catalog declares "
                                   f"{sorted(declared)}: rebuild asl/ (workflows build)")
        machines[name] = MachineSource(name, text, str(machine.type), declared, fields.get(name), asl)
    return machines


def resolver_js(source: MachineSource, appsync_dir: Path = APPSYNC_DIR) -> str:
    """The machine's APPSYNC_JS code: appsync/<name>.js when built, else generated the same way."""
    from workflows.patterns.appsync_js import resolver_code

    assert source.resolver is not None, f"{source.name} resolves no GraphQL field"
    built = Path(appsync_dir) / f"{source.name}.js"
    if built.is_file():
        return built.read_text(encoding="utf-8")
    return resolver_code(source.name, arguments=source.resolver.arguments)
