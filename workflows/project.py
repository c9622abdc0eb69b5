"""A project that uses saas-workflows: its ``[tool.saas-workflows]`` table, and discovery of its workflows.

Why a project: the library ships no domain. A team's workflows live in its own packages, its golden
files in its own ``asl/`` and ``appsync/``, its GraphQL contract in its own schema file; the CLI, the
CDK constructs and the test helpers find all of it here, from any folder inside the project. The
example domain (Users) is configured exactly the same way.

    [tool.saas-workflows]
    workflows = ["myapp.workflows"]   # packages (each direct submodule is imported) or modules
    asl = "asl"                        # compiled ASL, written only by `workflows build`
    appsync = "appsync"                # generated APPSYNC_JS resolvers
    schema = "schema.graphql"          # the GraphQL contract (`workflows schema` writes one)
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import sys
import tomllib
from dataclasses import dataclass, replace
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

from workflows.registry import Resolver, Workflow, registered

__all__ = ["Project", "ProjectError", "load_project", "example_project", "CONFIG_TABLE"]

CONFIG_TABLE = "saas-workflows"
_KEYS = {"workflows", "asl", "appsync", "schema", "demo"}
#: the packaged configuration of the example project (the same table as a pyproject's)
_EXAMPLE = ("workflows.examples.users", "saas-workflows.toml")


class ProjectError(Exception):
    """No project here, or its configuration is wrong: the message says which file and which key."""


@dataclass(frozen=True)
class Project:
    """Where a project's workflows, golden files and GraphQL schema are."""

    root: Path
    packages: tuple[str, ...]
    asl_dir: Path
    appsync_dir: Path
    schema: Path
    demo: str | None = None   # module with run_demo/render/report (the example project has one)

    def with_asl_dir(self, asl_dir: Path) -> "Project":
        """The same project compiled into another folder (its resolvers in ``<asl_dir>/../appsync``)."""
        asl_dir = Path(asl_dir)
        return replace(self, asl_dir=asl_dir, appsync_dir=asl_dir.parent / "appsync")

    def importable(self) -> None:
        """Let the project's own packages import without being installed (the root goes on sys.path)."""
        root = str(self.root)
        if root not in sys.path:
            sys.path.insert(0, root)

    def workflows(self) -> dict[str, Workflow]:
        """Import the configured packages, then every registered workflow that belongs to them, by name."""
        self.importable()
        for name in self.packages:
            _import_all(name)
        return {name: flow for name, flow in registered().items() if self.owns(flow.module)}

    def owns(self, module: str) -> bool:
        return any(module == p or module.startswith(p + ".") for p in self.packages)

    def resolvers(self) -> dict[str, Resolver]:
        """Workflow name -> the GraphQL field it resolves, for the project's AppSync resolver machines."""
        return {name: flow.resolver for name, flow in self.workflows().items() if flow.resolver is not None}

    def select(self, names: Iterable[str] = ()) -> dict[str, Workflow]:
        """The named workflows (all when none are named); KeyError naming the unknown ones."""
        flows = self.workflows()
        wanted = list(names)
        unknown = [n for n in wanted if n not in flows]
        if unknown:
            hints = [f"{n} (did you mean {m[0]}?)" if (m := difflib.get_close_matches(n, flows, 1)) else n
                     for n in unknown]
            raise KeyError(f"unknown workflow(s): {', '.join(hints)}; known: {', '.join(flows) or 'none'}")
        return {n: flows[n] for n in wanted} if wanted else flows


def _import_all(name: str) -> None:
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise ProjectError(f"workflows package {name!r} cannot be imported: {exc}") from None
        raise
    for info in pkgutil.iter_modules(getattr(module, "__path__", [])):
        if not info.name.startswith("_"):
            importlib.import_module(f"{name}.{info.name}")


def from_table(table: Any, root: Path, source: str) -> Project:
    """A Project from a ``[tool.saas-workflows]`` table; ``source`` names the file in errors."""
    if not isinstance(table, dict):
        raise ProjectError(f"{source}: [tool.{CONFIG_TABLE}] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        hints = [f"{k!r}" + (f" (did you mean {m[0]!r}?)" if (m := difflib.get_close_matches(k, _KEYS, 1)) else "")
                 for k in unknown]
        raise ProjectError(f"{source}: unknown key(s) in [tool.{CONFIG_TABLE}]: {', '.join(hints)}; "
                           f"known: {', '.join(sorted(_KEYS))}")
    packages = table.get("workflows")
    if isinstance(packages, str):
        packages = [packages]
    if not packages or not isinstance(packages, list) or not all(isinstance(p, str) and p for p in packages):
        raise ProjectError(f"{source}: [tool.{CONFIG_TABLE}] needs `workflows = [\"your_package\"]`: "
                           "the packages or modules that hold your @workflow functions")

    def folder(key: str, default: str) -> Path:
        value = table.get(key, default)
        if not isinstance(value, str) or not value:
            raise ProjectError(f"{source}: `{key}` must be a path relative to the project folder")
        return (root / value).resolve()

    demo = table.get("demo")
    if demo is not None and not isinstance(demo, str):
        raise ProjectError(f"{source}: `demo` must be a module name")
    return Project(root=root.resolve(), packages=tuple(packages), asl_dir=folder("asl", "asl"),
                   appsync_dir=folder("appsync", "appsync"), schema=folder("schema", "schema.graphql"), demo=demo)


def read_config(path: Path) -> Project | None:
    """The project configured in ``path`` (a pyproject.toml), or None when it has no such table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"{path} is not valid TOML: {exc}") from None
    table = data.get("tool", {}).get(CONFIG_TABLE)
    return None if table is None else from_table(table, path.parent, str(path))


def load_project(start: Path | str | None = None) -> Project:
    """The project whose pyproject.toml (with ``[tool.saas-workflows]``) is at or above ``start`` (the cwd)."""
    here = Path(start if start is not None else Path.cwd()).resolve()
    if here.is_file():
        here = here.parent
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            project = read_config(candidate)
            if project is not None:
                return project
    raise ProjectError(f"no pyproject.toml with [tool.{CONFIG_TABLE}] in {here} or above: run `workflows init DIR` "
                       "to start a project, `--project DIR` to name one, or `workflows demo` for the example")


def example_project() -> Project:
    """The example domain shipped with the package (Users, unique email), configured like any project.

    Its golden files are those of this repository when run from a clone; a fresh install has only the
    workflows, which is all ``workflows demo`` needs.
    """
    package, name = _EXAMPLE
    resource = files(package).joinpath(name)
    table = tomllib.loads(resource.read_text(encoding="utf-8"))["tool"][CONFIG_TABLE]
    return from_table(table, Path(str(resource)).parent, f"{package}/{name}")
