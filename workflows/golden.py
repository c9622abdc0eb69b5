"""The golden gate: a project's asl/ (and appsync/) hold exactly what its workflows compile to, byte for byte,
and its GraphQL schema agrees with its resolver machines.

Only ``workflows build`` writes asl/ and appsync/; ``workflows check`` compares and lists every
difference, so a review of asl/ shows exactly what will run in AWS, and a review of appsync/ exactly
what AppSync runs. When the project has its schema file, ``check`` also holds every resolver machine
to its field (``patterns.appsync.conformance``: the field exists, the forwarded arguments are the
field's and the ones the machine reads, the machine's answer fits the return type); ``workflows
schema`` writes that file from the machines (``patterns.appsync.sdl``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from workflows.core import BuildError, StateMachine
from workflows.core.validate import validate_machine
from workflows.patterns.appsync.contract import Binding, contract_of
from workflows.patterns.appsync.features import FEATURES_KEY, gate_features
from workflows.patterns.appsync.js import resolver_code
from workflows.project import Project
from workflows.registry import Workflow

SUFFIX = ".asl.json"
JS_SUFFIX = ".js"


def resolver_texts(flows: dict[str, Workflow]) -> dict[str, str]:
    """File name -> APPSYNC_JS code for every workflow that resolves a GraphQL field.

    A feature-gated machine reads ``features`` from resolverContext too, so its resolver forwards it (the
    authorizer always sets it, ``","`` for none); other resolvers forward only the tenant and its role.
    """
    texts = {}
    for name, flow in flows.items():
        if flow.resolver is None:
            continue
        keys = ("tenantId", "tenantRoleArn") + ((FEATURES_KEY,) if gate_features(flow.build()) else ())
        texts[f"{name}{JS_SUFFIX}"] = resolver_code(name, arguments=flow.resolver.arguments, context_keys=keys)
    return texts


@dataclass(frozen=True)
class Problem:
    kind: str  # stale | missing | extra | invalid | contract
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}: {self.detail}"


def compile_machine(flow: Workflow) -> tuple[StateMachine, str]:
    """The machine and its canonical text, after validation; raises BuildError naming the machine and state."""
    machine = flow.build()
    issues = validate_machine(machine)
    if issues:
        raise BuildError(issues)
    return machine, machine.to_json()


def compile_workflow(flow: Workflow) -> str:
    """The canonical text, after validation; raises BuildError naming the machine and state."""
    return compile_machine(flow)[1]


def bindings(flows: dict[str, Workflow], machines: dict[str, StateMachine]) -> list[Binding]:
    """Each resolver workflow's field, forwarded arguments and (when its machine built) recorded contract."""
    out = []
    for name, flow in flows.items():
        if flow.resolver is None:
            continue
        machine = machines.get(name)
        out.append(Binding(name, flow.resolver.type_name, flow.resolver.field_name, flow.resolver.arguments,
                           contract_of(machine) if machine is not None else None))
    return out


def contract_problems(project: Project, machines: dict[str, StateMachine] | None = None) -> list[Problem]:
    """Every disagreement between the project's schema file and its resolver machines (none without the file).

    ``machines``: already built machines by name (others are built here; one that does not build is
    left to the golden checks, which report it).
    """
    flows = project.workflows()
    if not project.schema.is_file() or not any(f.resolver is not None for f in flows.values()):
        return []
    label = project.schema.name
    try:
        from workflows.patterns.appsync.conformance import SchemaError, check_binding, parse_schema, unbound_fields
    except ImportError as exc:  # graphql-core is a dependency; a broken install should still say what is missing
        return [Problem("contract", label, f"cannot read the schema: {exc}; `pip install graphql-core`")]
    built = dict(machines or {})
    for name, flow in flows.items():
        if flow.resolver is not None and name not in built:
            try:
                built[name] = flow.build()
            except BuildError:
                pass
    try:
        schema = parse_schema(project.schema.read_text(encoding="utf-8"))
    except SchemaError as exc:
        return [Problem("invalid", label, f"{project.schema} is not a valid GraphQL schema: {exc}")]
    found = bindings(flows, built)
    problems = [Problem("contract", b.machine, message) for b in found for message in check_binding(schema, b, label)]
    problems += [Problem("contract", label, message)
                 for message in unbound_fields(schema, [(b.type_name, b.field_name) for b in found])]
    return problems


def schema_text(project: Project) -> str:
    """The SDL of the project's resolver machines (``workflows schema``); BuildError or SchemaGenerationError."""
    from workflows.patterns.appsync.sdl import schema_sdl

    flows = {name: flow for name, flow in project.workflows().items() if flow.resolver is not None}
    return schema_sdl(bindings(flows, {name: flow.build() for name, flow in flows.items()}))


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


def prune(project: Project) -> list[Path]:
    """Delete the asl/ and appsync/ files no workflow compiles to any more (a renamed or removed workflow).

    Why only on a whole build: a build of named workflows says nothing about the others.
    """
    flows = project.workflows()
    keep_js = set(resolver_texts(flows))
    stale = [p for p in sorted(project.asl_dir.glob(f"*{SUFFIX}")) if p.name[: -len(SUFFIX)] not in flows]
    stale += [p for p in sorted(project.appsync_dir.glob(f"*{JS_SUFFIX}")) if p.name not in keep_js]
    for path in stale:
        path.unlink()
    return stale


def check(project: Project) -> list[Problem]:
    """Every stale, missing or extra file, every validation failure and every schema disagreement; empty when exact."""
    problems: list[Problem] = []
    asl_dir = project.asl_dir
    flows = project.workflows()
    machines: dict[str, StateMachine] = {}
    for name, flow in flows.items():
        target = asl_dir / f"{name}{SUFFIX}"
        try:
            machines[name], text = compile_machine(flow)
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
    return problems + contract_problems(project, {n: m for n, m in machines.items() if flows[n].resolver})
