"""The pytest plugin of saas-workflows (entry point ``pytest11``): a project's tests get these fixtures
with no conftest line.

    sfn_project   (session)  the Project found from the current folder (or --sfn-project / $WORKFLOWS_PROJECT)
    sfn_tables    (session)  placeholder -> TableSpec the machines need (override to add indexes)
    sfn_tenant_template (session)  the tenant stack template (default: the library's tenant-stack.json)
    sfn_target    (module)   where the machines run, with tables, execution roles and machines set up
    tenants       (module)   tenants.create("acme") -> Tenant(id, role_arn) from the tenant template
    sfn_call      (module)   sfn_call("note-get", {"id": "n1"}, tenant=a) -> Execution
    graphql       (module)   graphql("{ getNote(id: \\"n1\\") { title } }", tenant=a) -> {"data", "errors"}

``--sfn-coverage`` (``--sfn-coverage-json FILE``, ``--sfn-coverage-fail-under N``) reports, per machine,
the states, Choice rules, Catch/Retry paths and Map/Parallel branches the session's executions took
(see ``workflows.testing.coverage``). ``--sfn-report`` (``--sfn-report-dir DIR``) writes each failing test's
executions as one standalone page of the execution viewer (see ``workflows.testing.report_plugin``).

The target is the in-process engine unless ``--sfn-endpoint URL`` ($WORKFLOWS_SFN_ENDPOINT) names a
Step Functions endpoint such as ``workflows local``, or ``--sfn-stack NAME`` ($WORKFLOWS_SFN_STACK) a
deployed stack. Everything heavy (moto, the engine, boto3, graphql-core) is imported inside the
fixtures, so loading the plugin costs a pytest run nothing.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterator

import pytest

if TYPE_CHECKING:
    from workflows.core import StateMachine
    from workflows.project import Project
    from workflows.testing.calls import MachineCaller
    from workflows.testing.graphql_client import GraphQLClient
    from workflows.testing.resolver_js import ResolverSession
    from workflows.testing.tables import TableSpec
    from workflows.testing.targets import Target
    from workflows.testing.tenants import Tenants

ENDPOINT_ENV = "WORKFLOWS_SFN_ENDPOINT"
STACK_ENV = "WORKFLOWS_SFN_STACK"
PROJECT_ENV = "WORKFLOWS_PROJECT"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("saas-workflows", "saas-workflows test fixtures (sfn_target, tenants, graphql)")
    group.addoption("--sfn-endpoint", default=None, metavar="URL",
                    help=f"run the fixtures' machines on this Step Functions endpoint, e.g. `workflows local` at "
                         f"http://127.0.0.1:8083 (default: the in-process engine; env {ENDPOINT_ENV})")
    group.addoption("--sfn-stack", default=None, metavar="NAME",
                    help=f"run them on this deployed CloudFormation stack, found from its outputs, with the "
                         f"environment's AWS credentials (env {STACK_ENV})")
    group.addoption("--sfn-project", default=None, metavar="DIR",
                    help=f"the project (a folder with [tool.saas-workflows]; default: the current folder; "
                         f"env {PROJECT_ENV})")
    group.addoption("--sfn-coverage", action="store_true", default=False,
                    help="report which states, Choice rules, Catch and Retry paths and Map/Parallel branches of "
                         "each state machine the in-process engine executed during the session")
    group.addoption("--sfn-coverage-json", default=None, metavar="FILE",
                    help="also write that coverage as JSON to FILE (implies --sfn-coverage)")
    group.addoption("--sfn-coverage-fail-under", default=None, type=float, metavar="N",
                    help="fail the session when state-machine coverage is under N percent (implies --sfn-coverage)")
    group.addoption("--sfn-report", action="store_true", default=False,
                    help="write each failing test's state-machine executions as one HTML page (the execution "
                         "viewer, standalone) into sfn-report/")
    group.addoption("--sfn-report-dir", default=None, metavar="DIR",
                    help="write those pages into DIR instead (implies --sfn-report)")
    group.addoption("--sfn-report-all", action="store_true", default=False,
                    help="write a page for every test that ran an execution, passed or not (implies --sfn-report)")


def pytest_configure(config: pytest.Config) -> None:
    """Register the coverage plugin only when asked: without it, nothing heavy is imported."""
    wanted = (config.getoption("--sfn-coverage", False) or config.getoption("--sfn-coverage-json", None)
              or config.getoption("--sfn-coverage-fail-under", None) is not None)
    if wanted and not config.pluginmanager.has_plugin("sfn-coverage"):
        from workflows.testing.coverage_plugin import SfnCoverage

        config.pluginmanager.register(SfnCoverage(config), "sfn-coverage")
    reports = (config.getoption("--sfn-report", False) or config.getoption("--sfn-report-dir", None)
               or config.getoption("--sfn-report-all", False))
    if reports and not config.pluginmanager.has_plugin("sfn-report"):
        from workflows.testing.report_plugin import SfnReport

        config.pluginmanager.register(SfnReport(config), "sfn-report")


def _option(config: pytest.Config, name: str, env: str) -> str | None:
    return config.getoption(name) or os.environ.get(env) or None


@pytest.fixture(scope="session")
def sfn_project(pytestconfig: pytest.Config) -> "Project":
    """The project under test: --sfn-project, $WORKFLOWS_PROJECT, or the nearest one at or above the cwd."""
    from workflows.project import ProjectError, load_project

    start = _option(pytestconfig, "--sfn-project", PROJECT_ENV) or pytestconfig.invocation_params.dir
    try:
        return load_project(start)
    except ProjectError as exc:
        pytest.fail(f"saas-workflows fixtures: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def _sfn_machines(sfn_project: "Project") -> dict[str, "StateMachine"]:
    """Every workflow of the project, built once per session."""
    return {name: flow.build() for name, flow in sfn_project.workflows().items()}


@pytest.fixture(scope="session")
def sfn_tables(_sfn_machines: dict[str, "StateMachine"]) -> dict[str, "TableSpec"]:
    """Placeholder -> TableSpec for every table the machines name (keys read from their ASL).

    Override it in a conftest.py to declare secondary indexes or other keys."""
    from workflows.testing.tables import table_specs

    return table_specs({name: machine.to_asl() for name, machine in _sfn_machines.items()})


@pytest.fixture(scope="session")
def sfn_tenant_template() -> str:
    """The CloudFormation template each test tenant is created from (override to use your own)."""
    from workflows.patterns.tenant_stacks import tenant_template

    return tenant_template()


@pytest.fixture(scope="module")
def sfn_target(pytestconfig: pytest.Config, sfn_project: "Project", _sfn_machines: dict[str, "StateMachine"],
               sfn_tables: dict[str, "TableSpec"]) -> Iterator["Target"]:
    """Where this module's machines run, ready: tables, execution roles and the project's machines."""
    from workflows.testing import targets

    endpoint = _option(pytestconfig, "--sfn-endpoint", ENDPOINT_ENV)
    stack = _option(pytestconfig, "--sfn-stack", STACK_ENV)
    if endpoint and stack:
        pytest.fail("saas-workflows fixtures: --sfn-endpoint and --sfn-stack name two targets; choose one",
                    pytrace=False)
    resolvers = sfn_project.resolvers()
    if stack:
        # the tenant template needs the app table's deployed name, the roles its role trusts and its boundary;
        # the other tables are only read by the machines
        yield targets.stack_target(stack, set(sfn_tables) | {"TenantCallers", "TenantBoundary"},
                                   required={"AppTable"} & set(sfn_tables))
        return
    placeholders = targets.local_placeholders(_sfn_machines)
    if endpoint:
        target = targets.endpoint_target(endpoint, placeholders)
        targets.prepare(target, _sfn_machines, resolvers, sfn_tables)
        yield target
        return
    from workflows.local.engine import LocalEngine
    from workflows.local.runner import quiet_moto

    quiet_moto()  # expected task failures (AccessDenied ...) are the tests' to report
    with LocalEngine() as engine:
        target = targets.engine_target(engine, placeholders)
        targets.prepare(target, _sfn_machines, resolvers, sfn_tables)
        yield target


def _app_table(target: "Target", tables: dict[str, "TableSpec"]) -> str | None:
    """The table the tenant roles may use: ${AppTable}, or the project's only table."""
    if "AppTable" in target.placeholders:
        return target.placeholders["AppTable"]
    names = [target.placeholders[p] for p in tables if p in target.placeholders]
    return names[0] if len(names) == 1 else None


@pytest.fixture(scope="module")
def tenants(sfn_target: "Target", sfn_tenant_template: str, sfn_tables: dict[str, "TableSpec"]) -> Iterator["Tenants"]:
    """This module's tenants: ``a = tenants.create("acme")`` makes a stack from the tenant template."""
    from workflows.testing.tenants import Tenants

    made = Tenants(sfn_target, sfn_tenant_template, _app_table(sfn_target, sfn_tables))
    yield made
    if sfn_target.shared:
        made.delete_all()


@pytest.fixture(scope="module")
def sfn_call(sfn_target: "Target", sfn_project: "Project") -> "MachineCaller":
    """``sfn_call(workflow, arguments, tenant=t)``: the machine called as the generated resolver calls it."""
    from workflows.testing.calls import MachineCaller

    return MachineCaller(sfn_target, sfn_project.resolvers())


@pytest.fixture(scope="session")
def _sfn_resolver_session() -> Iterator["ResolverSession"]:
    from workflows.testing.resolver_js import ResolverSession, node

    node()  # NodeNotFound, with what to install, before any test uses it
    with ResolverSession() as session:
        yield session


@pytest.fixture(scope="module")
def graphql(sfn_target: "Target", sfn_project: "Project", _sfn_resolver_session: "ResolverSession") -> "GraphQLClient":
    """``graphql(query, tenant=t, variables={...})``: the operation through the project's schema, its
    generated APPSYNC_JS resolvers and the target's machines -> ``{"data": ..., "errors": [...]}``."""
    from workflows.golden import resolver_texts
    from workflows.testing.graphql_client import GraphQLClient

    flows = sfn_project.workflows()
    code = {name.removesuffix(".js"): text for name, text in resolver_texts(flows).items()}
    if not sfn_project.schema.is_file():
        pytest.fail(f"saas-workflows graphql fixture: the project's schema {sfn_project.schema} does not exist "
                    "(the `schema` key of [tool.saas-workflows])", pytrace=False)
    return GraphQLClient(sfn_project.schema.read_text(encoding="utf-8"), sfn_project.resolvers(), code,
                         sfn_project.appsync_dir, sfn_target, _sfn_resolver_session)
