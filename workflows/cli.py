"""The `workflows` command: build, check, inspect and run a project's state machines.

This is the one module that ties the core, a project (found through its configuration) and the local
engine together.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from workflows import golden
from workflows.core import BuildError
from workflows.core.graph import FORMATS, render
from workflows.local.process import tune_for_engine
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


def _flows(names: tuple[str, ...] | list[str] = (), param_hint: str = "NAME") -> dict[str, Any]:
    try:
        return _project().select(names)
    except KeyError as exc:  # a name the project does not have: a usage error (exit 2)
        raise click.BadParameter(str(exc.args[0]), param_hint=param_hint) from None
    except ProjectError as exc:
        raise click.ClickException(str(exc)) from None


def _machine(name: str) -> Any:
    flow = _flows([name])[name]
    try:
        return flow.build()
    except BuildError as exc:
        raise click.ClickException(str(exc)) from None


def exit_without_teardown(code: int | str | None) -> NoReturn:
    """End the process as ``sys.exit(code)`` would, minus the interpreter's teardown of its modules.

    Why: once moto and botocore are imported, freeing their module graph object by object costs a
    second or more of CPU per command (more on a loaded machine) and frees nothing the OS does not.
    The atexit handlers still run (logging's flush, temporary folders), then both streams are flushed.
    """
    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    try:
        atexit._run_exitfuncs()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed pipe must not change the exit code
                pass
        os._exit(code or 0)


class _Cli(click.Group):
    """Every failure is one ``Error:`` line and a non-zero exit; ``--verbose`` shows the traceback too."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        """As click's, but the command itself (no ``args`` given: they come from ``sys.argv``) exits
        through :func:`exit_without_teardown`; a call with its own ``args`` (CliRunner, a script) is
        click's own, returning or raising ``SystemExit`` as usual."""
        if args is not None or not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            super().main(None, prog_name, complete_var, standalone_mode, **extra)
        except SystemExit as exc:
            exit_without_teardown(exc.code)
        exit_without_teardown(0)

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
        raise click.BadParameter(str(exc.args[0]), param_hint="NAMES") from None
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


_TENANT_NAME = re.compile(r"^[A-Za-z0-9-]{1,48}$")
SEED_HELP = ("Start the engine with the project's resources: its tables and buckets (names from the "
             "placeholders' local defaults), execution roles, and tenants acme and globex (one stack each "
             "from the tenant template; --tenants to choose). What exists is printed first.")


def _tenant_names(text: str | None, as_tenant: str | None) -> list[str]:
    """--tenants (comma-separated) plus --as-tenant, checked the way tenant stacks are named."""
    from workflows.testing.seed import DEFAULT_TENANTS

    names = [n.strip() for n in text.split(",") if n.strip()] if text is not None else list(DEFAULT_TENANTS)
    if text is not None and not names:
        raise click.BadParameter("name at least one tenant, e.g. --tenants acme,globex", param_hint="--tenants")
    if as_tenant is not None and as_tenant not in names:
        names.append(as_tenant)
    for name in names:
        if not _TENANT_NAME.match(name):
            hint = "--as-tenant" if name == as_tenant else "--tenants"
            raise click.BadParameter(f"tenant {name!r}: use 1-48 letters, digits or hyphens (it names the "
                                     "tenant's stack)", param_hint=hint)
    return names


def _mock_config(path: str | None, test_case: str | None, machine: str | None) -> dict[str, Any] | None:
    """The MockConfigFile, read and checked before any engine starts; a test case it lacks is named."""
    from workflows.local.adaptations.mock_config import load
    from workflows.local.errors import MockConfigError

    if path is None:
        if test_case is not None:
            raise click.UsageError("--test-case needs --mock-config: the Step Functions Local MockConfigFile "
                                   "whose StateMachines.<name>.TestCases defines it")
        return None
    try:
        config = load(path)
    except MockConfigError as exc:
        raise click.BadParameter(str(exc), param_hint="--mock-config") from None
    if machine is None:
        return config
    cases = sorted(config.get("StateMachines", {}).get(machine, {}).get("TestCases", {}))
    known = f"{path} has for {machine}: {', '.join(cases) or 'none'}"
    if test_case is None:
        raise click.UsageError(f"--mock-config needs --test-case, the test case to run ({known})")
    if test_case not in cases:
        raise click.BadParameter(f"no test case {test_case!r} for {machine} ({known})", param_hint="--test-case")
    return config


def _resolver_signature(project: Project, name: str, resolver: Any) -> str:
    """``Query.getUser(id: ID!): User`` from the project's schema file, else the forwarded argument names."""
    if project.schema.is_file():
        try:
            from graphql import build_schema

            from workflows.testing.graphql_client import schema_text

            schema = build_schema(schema_text(project.schema.read_text(encoding="utf-8")))
            parent = schema.get_type(resolver.type_name)
            field = parent.fields.get(resolver.field_name) if parent is not None else None
            if field is not None:
                args = ", ".join(f"{a}: {t.type}" for a, t in field.args.items()
                                 if resolver.arguments is None or a in resolver.arguments)
                return f"{resolver.coordinate}({args}): {field.type}"
        except Exception:  # noqa: BLE001 - help must print even when the schema is broken (check names that)
            pass
    return f"{resolver.coordinate}({', '.join(resolver.arguments or ())})"


def input_docs(project: Project) -> list[tuple[str, str]]:
    """(workflow, what its execution input is) for every workflow of the project."""
    from workflows.core.machine import INPUT_DOC

    out = []
    for name, flow in project.workflows().items():
        try:
            machine = flow.build()
        except BuildError as exc:
            out.append((name, f"does not build: {exc.issues[0]}"))
            continue
        if flow.resolver is not None:
            example = json.dumps({a: "..." for a in flow.resolver.arguments or ()})
            out.append((name, f"{_resolver_signature(project, name, flow.resolver)}; with --as-tenant T the input "
                              f"is its arguments, e.g. {example}"))
        else:
            out.append((name, str(machine.annotations.get(INPUT_DOC) or machine.comment or "(not documented)")))
    return out


class _RunCommand(click.Command):
    """``run --help`` ends with what each workflow of the project takes as input."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_epilog(ctx, formatter)
        try:
            docs = input_docs(_project(ctx))
        except Exception:  # noqa: BLE001 - outside a project, the help is the generic one
            return
        with formatter.section("Inputs of this project's workflows"):
            formatter.write_dl(docs)


@main.command(cls=_RunCommand)
@click.argument("name")
@click.option("--input", "input_file", type=click.File("r"), default=None,
              help="JSON input file, or - for standard input (default: {}). With --as-tenant: the GraphQL "
                   "field's arguments.")
@click.option("--seed", is_flag=True, help=SEED_HELP)
@click.option("--tenants", metavar="A,B", help="With --seed: these tenants instead of acme,globex (implies --seed).")
@click.option("--as-tenant", metavar="TENANT",
              help="Call a resolver machine as TENANT's request: the input is the field's arguments and the "
                   "CLI adds identity.resolverContext (tenantId, tenantRoleArn, features) as the generated "
                   "resolver and the authorizer would (implies --seed; TENANT is seeded).")
@click.option("--mock-config", type=click.Path(exists=True, dir_okay=False),
              help="Step Functions Local MockConfigFile (JSON); needs --test-case.")
@click.option("--test-case", help="Test case of the mock config to run (as <arn>#<TestCase> in SFN Local).")
@click.option("--trace", is_flag=True, help="Print the visited states with their input and output on stderr.")
@click.pass_context
def run(ctx: click.Context, name: str, input_file: Any, seed: bool, tenants: str | None, as_tenant: str | None,
        mock_config: str | None, test_case: str | None, trace: bool) -> None:
    """Run one workflow on a fresh embedded engine; print its output JSON (exit 0) or error (exit 1).

    The engine starts empty unless --seed (or --tenants, --as-tenant) puts the project's resources and
    tenants in place first. The end of this help lists what each workflow takes as input.
    """
    flow = _flows([name])[name]
    if as_tenant is not None and flow.resolver is None:
        raise click.UsageError(f"--as-tenant calls a resolver machine; {name} resolves no GraphQL field "
                               "(use --seed and give its whole input)")
    seeding = seed or tenants is not None or as_tenant is not None
    tenant_names = _tenant_names(tenants, as_tenant) if seeding else []
    config = _mock_config(mock_config, test_case, name)
    machine = _machine(name)
    tune_for_engine()
    try:
        payload = json.load(input_file) if input_file is not None else {}
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"input is not JSON: {exc}", param_hint="--input") from None
    # the engine's imports (moto, boto3, werkzeug) only once the invocation is known to be good
    from workflows.local.engine import LocalEngine
    from workflows.local.runner import format_trace, quiet_moto, run_definition

    quiet_moto()
    if not seeding:
        result = run_definition(machine.substituted(), payload, type=machine.type, mock_config=config,
                                test_case=test_case, name=machine.name)
    else:
        from workflows.testing.seed import SeedError, seed as seed_target
        from workflows.testing.targets import engine_target

        project = _project(ctx)
        machines = {n: f.build() for n, f in project.workflows().items()}
        with LocalEngine(mock_config=config) as engine:
            seeded = seed_target(engine_target(engine, {}), machines, project.resolvers(), tenant_names,
                                 create=[name])
            click.echo("seeded the engine:", err=True)
            click.echo("\n".join(seeded.lines()), err=True)
            if as_tenant is not None:
                try:
                    payload = seeded.resolver_input(name, flow.resolver, as_tenant, payload)
                except SeedError as exc:
                    raise click.BadParameter(str(exc), param_hint="--input") from None
            result = engine.run(name, payload, test_case=test_case)
    if trace:
        click.echo(format_trace(result), err=True)
    if result.status == "SUCCEEDED":
        click.echo(json.dumps(result.output, indent=2, ensure_ascii=False))
        return
    click.echo(f"{result.status}: {result.error}: {result.cause}", err=True)
    if not seeding and (machine.placeholders or flow.resolver is not None):
        click.echo(f"(the engine was empty: --seed creates the tables, buckets and tenants {name} uses"
                   f"{'; --as-tenant acme calls it as a tenant' if flow.resolver is not None else ''})", err=True)
    sys.exit(1)


def _port_in_use(port: int) -> str:
    return (f"port {port} on 127.0.0.1 is in use; choose another with --port, or --port 0 for any free port "
            "(the ready line names it)")


def _ui_port_in_use(port: int | None) -> str:
    return (f"port {port} on 127.0.0.1 is in use; choose another --ui-port, or leave it out to serve the viewer "
            "under /ui/ on the endpoint's port")


def _refuse_a_taken_port(port: int | None, reuse: bool, message: str) -> None:
    """Fail before the machines are built and the engine started (seconds) when a port is already taken.

    A probe bound the way the server binds it (the endpoint with SO_REUSEADDR, the viewer without), then
    closed; the server's own bind still names a port taken in between."""
    import socket

    if not port:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if reuse:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise click.ClickException(message) from None


@main.command()
@click.option("--port", default=8083, show_default=True, type=click.IntRange(0, 65535),
              help="TCP port on 127.0.0.1; 0 picks any free port (the ready line names it).")
@click.option("--seed", is_flag=True, help=SEED_HELP)
@click.option("--tenants", metavar="A,B", help="With --seed: these tenants instead of acme,globex (implies --seed).")
@click.option("--mock-config", type=click.Path(exists=True, dir_okay=False),
              help="Step Functions Local MockConfigFile (JSON); a test case is chosen per execution with "
                   "<stateMachineArn>#<TestCase>.")
@click.option("--ui-port", type=click.IntRange(1, 65535), default=None,
              help="Serve the execution viewer on this port of 127.0.0.1 (default: the endpoint's own, under /ui/).")
@click.pass_context
def local(ctx: click.Context, port: int, seed: bool, tenants: str | None, mock_config: str | None,
          ui_port: int | None) -> None:
    """Serve Step Functions + DynamoDB, Streams, S3, CloudFormation, IAM, STS, EventBridge on 127.0.0.1.

    Every machine of the project is created as arn:aws:states:us-east-1:123456789012:stateMachine:<name>
    with placeholders filled from the workflows' local defaults. Point boto3 at it with
    endpoint_url=http://127.0.0.1:PORT and Config(inject_host_prefix=False), the AWS CLI with
    --endpoint-url and AWS_DISABLE_HOST_PREFIX_INJECTION=true (StartSyncExecution otherwise goes to a
    'sync-' host that does not resolve). A browser at http://127.0.0.1:PORT/ui/ shows the machines and every
    execution: the path it took, each state's input, output, error, service call and role. Ctrl-C stops it.
    """
    from workflows.local.errors import EngineError

    seeding = seed or tenants is not None
    tenant_names = _tenant_names(tenants, None) if seeding else []
    tune_for_engine()
    config = _mock_config(mock_config, None, None)
    _refuse_a_taken_port(port, True, _port_in_use(port))
    _refuse_a_taken_port(ui_port, False, _ui_port_in_use(ui_port))
    flows = _flows()
    machines = {}
    for name, flow in flows.items():
        try:
            machines[name] = flow.build()
        except BuildError as exc:
            raise click.ClickException(str(exc)) from None

    def ready(line: str) -> None:
        url = line.split("ready at ", 1)[1].split()[0]
        if seeding:
            from workflows.testing.seed import seed as seed_target
            from workflows.testing.targets import endpoint_target

            seeded = seed_target(endpoint_target(url, {}), machines, _project(ctx).resolvers(), tenant_names)
            click.echo("seeded the endpoint:")
            click.echo("\n".join(seeded.lines()))
        click.echo(line)
        click.echo(f"  boto3:   boto3.client(..., endpoint_url=\"{url}\", config=Config(inject_host_prefix=False))")
        click.echo(f"  AWS CLI: AWS_DISABLE_HOST_PREFIX_INJECTION=true aws --endpoint-url {url} stepfunctions ...")
        viewer = f"http://127.0.0.1:{ui_port}/ui/" if ui_port is not None else f"{url}/ui/"
        click.echo(f"  viewer:  {viewer}  (every execution, live, in a browser)")
        click.echo("Ctrl-C stops it.")

    from workflows.local.server import EndpointError, serve  # moto: only once the options are known to be good

    try:
        serve(port=port, machines=[(n, m.substituted(), m.type) for n, m in machines.items()], mock_config=config,
              ready=ready, ui_port=ui_port)
    except EndpointError as exc:
        if "for the viewer" in str(exc) and "in use" in str(exc):
            raise click.ClickException(_ui_port_in_use(ui_port)) from None
        if "in use" in str(exc) or "Address already in use" in str(exc):
            raise click.ClickException(_port_in_use(port)) from None
        raise click.ClickException(str(exc)) from None
    except EngineError as exc:
        raise click.ClickException(f"{type(exc).__name__}: {exc}") from None


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

    tune_for_engine()

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
