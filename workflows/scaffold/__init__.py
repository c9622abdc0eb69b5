"""`workflows init DIR`: a new project that builds, tests and deploys its own API from the first minute.

Why a scaffold and not a tutorial: the shortest path to a team's own data model is a project that
already passes its own tests — one entity with get / list / put resolvers, its golden files, its
GraphQL schema, tests through the public fixtures and a CDK app over the library's constructs — which
the team then edits. Templates are package data (``template/**.tmpl``) with ``{{name}}`` holes (not
``$name``: JSONata, JS and CDK placeholders are full of dollars).
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from importlib.resources import as_file, files
from pathlib import Path

__all__ = ["ScaffoldError", "Scaffold", "init_project"]

_TEMPLATE_SUFFIX = ".tmpl"


class ScaffoldError(Exception):
    """The target folder or a name cannot make a project; the message says which and why."""


@dataclass(frozen=True)
class Scaffold:
    """The names a new project is made of."""

    project: str   # distribution name (kebab-case), e.g. "notes-api"
    package: str   # its Python package, e.g. "notes_api"
    entity: str    # the first entity's class name, e.g. "Note"
    install: str = "-e ."   # what its README's first command installs (see ``install_spec``)

    @property
    def values(self) -> dict[str, str]:
        lower = self.entity[0].lower() + self.entity[1:]
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", self.entity).lower()
        return {"project": self.project, "package": self.package, "Entity": self.entity, "entity": lower,
                "Entities": self.entity + "s", "snake": snake, "SNAKES": snake.upper() + "S",
                "kebab": snake.replace("_", "-"), "dot": ".", "ENTITY_PREFIX": self.entity.upper(),
                "Stack": "".join(part.capitalize() for part in self.project.split("-")),
                "install": self.install}


def install_spec() -> str:
    """What a new project's README installs: this saas-workflows' source folder when it runs from one.

    Why: until saas-workflows is on a package index, a project made from a clone must install the library
    from that clone; pip then finds the project's own ``saas-workflows[testing,cdk]`` requirement met.
    """
    source = Path(__file__).resolve().parents[2]
    pyproject = source / "pyproject.toml"
    if pyproject.is_file() and 'name = "saas-workflows"' in pyproject.read_text(encoding="utf-8"):
        return f'-e "{source}[testing,cdk]" -e .'
    return "-e ."


def names_for(target: Path, package: str | None = None, entity: str = "Note") -> Scaffold:
    """Names derived from the folder unless given; each checked so the generated code imports and builds."""
    project = re.sub(r"[^a-z0-9]+", "-", target.name.lower()).strip("-")
    if not project or not project[0].isalpha():
        raise ScaffoldError(f"cannot make a project name from folder {target.name!r}: start it with a letter")
    package = package or project.replace("-", "_")
    if not package.isidentifier() or keyword.iskeyword(package) or package in {"workflows", "tests", "infra"}:
        raise ScaffoldError(f"{package!r} cannot be the project's Python package: use --package NAME "
                            "(an identifier other than workflows, tests or infra)")
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", entity):
        raise ScaffoldError(f"entity {entity!r} must be a CapitalizedName (letters and digits)")
    return Scaffold(project, package, entity, install_spec())


def _templates() -> list[tuple[str, str]]:
    """(relative path with placeholders, template text) for every file of the scaffold."""
    root = files(__name__).joinpath("template")
    with as_file(root) as folder:
        return [(str(p.relative_to(folder)).removesuffix(_TEMPLATE_SUFFIX), p.read_text(encoding="utf-8"))
                for p in sorted(Path(folder).rglob(f"*{_TEMPLATE_SUFFIX}"))]


_HOLE = re.compile(r"\{\{(\w+)\}\}")


def _fill(text: str, values: dict[str, str]) -> str:
    return _HOLE.sub(lambda m: values[m.group(1)], text)  # a KeyError here is a template bug, caught by tests


def render(names: Scaffold) -> dict[str, str]:
    """Relative path -> file text of the new project (nothing written)."""
    values = names.values
    return {_fill(rel, values): _fill(text, values) for rel, text in _templates()}


def init_project(target: Path, *, package: str | None = None, entity: str = "Note") -> list[Path]:
    """Write a new project into ``target`` (missing or empty); the caller builds its golden files next.

    Refuses a folder that holds anything, so an init never overwrites a team's files.
    """
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ScaffoldError(f"{target} exists and is not an empty folder: `workflows init` writes only into a "
                            "new or empty folder")
    names = names_for(target.resolve(), package, entity)
    written = []
    for rel, text in render(names).items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
