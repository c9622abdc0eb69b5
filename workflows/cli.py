"""The `workflows` command: build, check, inspect and run a project's state machines.

This is the one module that ties the core, a project (found through its configuration) and the local
engine together.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from workflows import golden
from workflows.core import BuildError
from workflows.core.graph import FORMATS, render
from workflows.project import Project, ProjectError, example_project, load_project

PROJECT_HELP = ("Project folder: the nearest pyproject.toml with [tool.saas-workflows] at or above it "
                "(default: the current folder, or $WORKFLOWS_PROJECT).")
ASL_DIR_HELP = "Compile into this folder instead of the project's `asl` (its resolvers go to ../appsync)."


def _project(ctx: click.Context | None = None) -> Project:
    """The project of this invocation, read once."""
    ctx = ctx or click.get_current_context()
    obj = ctx.find_root().ensure_object(dict)
    if "project" not in obj:
        try:
            project = load_project(obj.get("project_dir"))
        except ProjectError as exc:
            raise click.ClickException(str(exc)) from None
        if obj.get("asl_dir"):
            project = project.with_asl_dir(Path(obj["asl_dir"]))
        obj["project"] = project
    return obj["project"]


def _flows(names: tuple[str, ...] | list[str] = ()) -> dict[str, Any]:
    try:
        return _project().select(names)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except ProjectError as exc:
        raise click.ClickException(str(exc)) from None


def _machine(name: str) -> Any:
    flow = _flows([name])[name]
    try:
        return flow.build()
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None


class _Cli(click.Group):
    """Every failure is one ``Error:`` line and a non-zero exit; ``--verbose`` shows the traceback too."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:  # noqa: BLE001 - the one place an unexpected error becomes a CLI error
            if (ctx.obj or {}).get("verbose"):
                raise
            message = str(exc) or type(exc).__name__
            raise click.ClickException(f"{type(exc).__name__}: {message} (--verbose shows the traceback)") from None


@click.group(cls=_Cli, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--project", "project_dir", default=lambda: os.environ.get("WORKFLOWS_PROJECT"),
              type=click.Path(exists=True, file_okay=False), help=PROJECT_HELP)
@click.option("--asl-dir", default=lambda: os.environ.get("WORKFLOWS_ASL_DIR"),
              type=click.Path(file_okay=False), help=ASL_DIR_HELP)
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks (and the engine's own logs) on errors.")
@click.pass_context
def main(ctx: click.Context, project_dir: str | None, asl_dir: str | None, verbose: bool) -> None:
    """Multi-tenant SaaS workflows for AWS Step Functions, written in Python and compiled to ASL.

    \b
    Typical loop:
      workflows init my-api          a new project: one entity, its resolvers, tests, CDK app
      workflows demo                 the whole multi-tenant story on the embedded engine
      workflows list                 the project's workflows
      workflows build                compile every workflow into asl/<name>.asl.json
      workflows check                fail if asl/ differs from the workflows (the golden gate)
                                     or the GraphQL schema from the resolver machines
      workflows schema               the GraphQL schema (SDL) of the resolver machines
      workflows run NAME --input -   execute one machine on the embedded local engine
      workflows local                serve the Step Functions and AWS APIs on 127.0.0.1

    A project is a folder whose pyproject.toml has a [tool.saas-workflows] table naming the packages
    that hold its workflows: Python functions registered with @workflow("kebab-name") from
    workflows.registry. The name is the file name in asl/. Only `workflows build` writes asl/.
    """
    ctx.ensure_object(dict)
    ctx.obj.update(project_dir=project_dir, asl_dir=asl_dir, verbose=verbose)


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--package", help="The project's Python package (default: from DIRECTORY's name).")
@click.option("--entity", default="Note", show_default=True, help="The first entity's class name.")
def init(directory: Path, package: str | None, entity: str) -> None:
    """Start a new project in DIRECTORY (new or empty) that passes its own tests.

    \b
    It writes: pyproject.toml with [tool.saas-workflows]; PACKAGE/machines/ with one entity and its
    get, list and put resolvers; asl/ and appsync/ (built); schema.graphql; tests/ using the public
    fixtures; infra/ (a CDK app over the library's constructs); a README with its two commands.
    """
    from workflows.scaffold import ScaffoldError, init_project

    try:
        written = init_project(directory, package=package, entity=entity)
    except ScaffoldError as exc:
        raise click.ClickException(str(exc)) from None
    project = load_project(directory)
    built = golden.build(project)
    project.schema.write_text(golden.schema_text(project), encoding="utf-8")
    click.echo(f"created {directory} ({len(written)} files, {len(built)} built into asl/ and appsync/, "
               f"{project.schema.name} generated)")
    click.echo(f"next: cd {directory} and follow its README (install, then `python -m pytest -q`)")


@main.command("list")
def list_cmd() -> None:
    """One line per workflow: name, EXPRESS/STANDARD, state count, query language."""
    flows = _flows()
    if not flows:
        click.echo("no workflows registered")
        return
    rows = []
    for name, flow in flows.items():
        try:
            machine = flow.build()
            rows.append((name, machine.type, str(machine.state_count()), machine.query_language or "JSONPath"))
        except BuildError as exc:
            rows.append((name, "INVALID", "-", str(exc.issues[0])))
    width = max(len(r[0]) for r in rows)
    for name, kind, count, ql in rows:
        click.echo(f"{name:<{width}}  {kind:<8}  {count:>3} states  {ql}")


@main.command()
@click.argument("names", nargs=-1)
@click.pass_context
def build(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Compile workflows (all when no NAME is given) into asl/<name>.asl.json and appsync/<name>.js.

    Every machine is validated first; nothing is written if any of them is invalid. A build of all
    workflows also removes the files of workflows that no longer exist.
    """
    try:
        written = golden.build(_project(ctx), names)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    except BuildError as exc:
        raise click.ClickException(f"nothing written:\n{exc}") from None
    for path in written:
        click.echo(f"wrote {path}")
    if not names:
        for path in golden.prune(_project(ctx)):
            click.echo(f"removed {path} (no workflow compiles to it any more)")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Exit 1 listing every stale, missing or extra file in asl/ and every validation failure.

    With the project's schema file present, also every way it disagrees with the resolver machines:
    a missing field, arguments the resolver forwards or the machine reads that are not the field's,
    argument types the machine cannot use, an answer that does not fit the return type.
    """
    project = _project(ctx)
    problems = golden.check(project)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        advice = ("change the schema or the workflows (`workflows schema` prints what the machines need)"
                  if all(p.kind == "contract" for p in problems) else "run `workflows build` and review the diff")
        click.echo(f"{len(problems)} problem(s); {advice}", err=True)
        sys.exit(1)
    flows = project.workflows()
    resolvers = sum(1 for flow in flows.values() if flow.resolver is not None)
    agreed = (f"; {project.schema.name} agrees with its {resolvers} resolvers"
              if resolvers and project.schema.is_file() else "")
    click.echo(f"asl/ matches the workflows ({len(flows)} workflows){agreed}")


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True),
              help="Write the SDL to this file instead of standard output.")
@click.option("--write", "write_project", is_flag=True,
              help="Write it to the project's `schema` file ([tool.saas-workflows] schema, default schema.graphql).")
@click.option("--force", is_flag=True, help="With --write: replace a schema file that was written by hand.")
@click.pass_context
def schema(ctx: click.Context, output: str | None, write_project: bool, force: bool) -> None:
    """Print the GraphQL schema (SDL) of the project's resolver machines.

    One field per machine with resolver=Resolver(...): its arguments typed as the machine reads them,
    its return type as the machine answers (a get that may answer null gives a nullable type). Object
    types come from the entity dataclasses; inputs are <Entity>Input / <Entity>Changes; pages
    <Entity>Page. `workflows check` holds the schema file to the machines, written by hand or not.

    --write refuses to replace a file that does not start with the generated header (a hand-written
    schema) unless --force is given.
    """
    from workflows.patterns.appsync.sdl import GENERATED_MARK, SchemaGenerationError

    if output and write_project:
        raise click.UsageError("give --output FILE or --write, not both")
    project = _project(ctx)
    try:
        text = golden.schema_text(project)
    except (BuildError, SchemaGenerationError) as exc:
        raise click.ClickException(str(exc)) from None
    target = Path(output) if output else project.schema if write_project else None
    if target is None:
        click.echo(text, nl=False)
        return
    if write_project and target.is_file() and not force:
        current = target.read_text(encoding="utf-8")
        if current != text and not current.startswith(GENERATED_MARK):
            raise click.ClickException(f"{target} was written by hand (it lacks the generated header); "
                                       "`workflows check` holds it to the machines as it is. Use --output FILE to "
                                       "compare, or --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target}")


@main.command()
@click.argument("name")
def show(name: str) -> None:
    """Print a workflow's ASL on stdout (placeholders left as ${Name})."""
    click.echo(_machine(name).to_json(), nl=False)


@main.command()
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="mermaid", show_default=True)
def graph(name: str, fmt: str) -> None:
    """Print a workflow's state graph (Map/Parallel as subgraphs, Catch edges dashed)."""
    click.echo(render(_machine(name).to_asl(), fmt), nl=False)


@main.command()
@click.argument("name")
@click.option("--input", "input_file", type=click.File("r"), default=None,
              help="JSON input file, or - for standard input (default: {}).")
@click.option("--mock-config", type=click.Path(exists=True, dir_okay=False),
              help="Step Functions Local MockConfigFile (JSON).")
@click.option("--test-case", help="Test case of the mock config to run (as <arn>#<TestCase> in SFN Local).")
@click.option("--trace", is_flag=True, help="Print the visited states with their input and output on stderr.")
def run(name: str, input_file: Any, mock_config: str | None, test_case: str | None, trace: bool) -> None:
    """Run one workflow on a fresh embedded engine; print its output JSON (exit 0) or error (exit 1)."""
    from workflows.local.runner import format_trace, quiet_moto, run_definition

    quiet_moto()
    machine = _machine(name)
    try:
        payload = json.load(input_file) if input_file is not None else {}
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"input is not JSON: {exc}") from None
    result = run_definition(machine.substituted(), payload, type=machine.type, mock_config=mock_config,
                            test_case=test_case, name=machine.name)
    if trace:
        click.echo(format_trace(result), err=True)
    if result.status == "SUCCEEDED":
        click.echo(json.dumps(result.output, indent=2, ensure_ascii=False))
        return
    click.echo(f"{result.status}: {result.error}: {result.cause}", err=True)
    sys.exit(1)


@main.command()
@click.option("--port", default=8083, show_default=True, type=int)
@click.option("--mock-config", type=click.Path(exists=True, dir_okay=False),
              help="Step Functions Local MockConfigFile (JSON).")
def local(port: int, mock_config: str | None) -> None:
    """Serve Step Functions + DynamoDB, Streams, S3, CloudFormation, IAM, STS, EventBridge on 127.0.0.1.

    Every machine of the project is created as arn:aws:states:us-east-1:123456789012:stateMachine:<name>
    with placeholders filled from the workflows' local defaults. Point boto3 at it with
    endpoint_url=http://127.0.0.1:PORT and Config(inject_host_prefix=False) (StartSyncExecution
    otherwise goes to a 'sync-' host that does not resolve). Ctrl-C stops it.
    """
    from workflows.local.server import serve

    machines = []
    for name, flow in _flows().items():
        machine = flow.build()
        machines.append((name, machine.substituted(), machine.type))
    serve(port=port, machines=machines, mock_config=mock_config,
          ready=lambda url: click.echo(f"local engine on {url} with {len(machines)} machines; Ctrl-C stops it"))


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable report instead of text.")
@click.option("--step", type=click.IntRange(1, 6), default=6, show_default=True,
              help="Run the story up to this step.")
def demo(as_json: bool, step: int) -> None:
    """Run the product end to end on a fresh embedded engine, checking every step.

    \b
    1. tenant-stack-create for two tenants: stacks, random role names under /tenant-role/
    2. AppSync resolver machines as each tenant: put (one unique field), get, update, paged query
    3. isolation: tenant A's role with tenant B's key -> AccessDenied; duplicate unique -> named error
    4. the table's stream records through the Pipes enrichment machine, raw next to flattened
    5. a new template version: tenant-stack-update updates every tenant, with its summary
    6. tenant-stack-delete for tenant B: its role is gone, tenant A still works

    Exits 1 if any step does not behave as stated (CI runs it as a smoke test).
    """
    import importlib

    example = example_project()
    demo_module = importlib.import_module(str(example.demo))
    render, report = demo_module.render, demo_module.report
    steps = demo_module.run_demo(until=step)
    if as_json:
        click.echo(json.dumps(report(steps), indent=2))
    else:
        click.echo(render(steps), nl=False)
    if not report(steps)["ok"]:
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
