"""A new user's first hour with the CLI (issue 14): `run` and `local` with the project's resources and
tenants in place (`--seed`, `--tenants`, `--as-tenant`), the README's examples run as written, the
ready text of `workflows local`, and `run --help` saying what each machine takes as input."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from click.testing import CliRunner

from workflows.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ROLE = re.compile(r"arn:aws:iam::123456789012:role/tenant-role/[0-9a-f-]{36}")
USER = {"id": "u1", "email": "ann@acme.example", "name": "Ann", "admin": True, "logins": 1}


def examples(kind: str) -> list[tuple[str, str]]:
    """(language, code) of every README block marked ``<!-- cli-example: kind -->``."""
    return re.findall(rf"<!-- cli-example: {kind} -->\n```(\w+)\n(.*?)```", README, re.DOTALL)


def invoke(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


# -- run on an empty engine names what is missing ---------------------------------------------------------
def test_a_failure_on_the_empty_engine_points_at_seed() -> None:
    result = invoke("run", "appsync-get-item", "--input", "-", stdin=json.dumps({"arguments": {"id": "u1"}}))
    assert result.exit_code == 1
    assert "--seed creates the tables, buckets and tenants appsync-get-item uses" in result.stderr
    assert "--as-tenant acme calls it as a tenant" in result.stderr


# -- run --seed / --as-tenant ---------------------------------------------------------------------------------
def test_run_as_a_tenant_sends_what_the_resolver_sends() -> None:
    result = invoke("run", "appsync-put-item", "--as-tenant", "acme", "--input", "-",
                    stdin=json.dumps({"input": USER}))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == USER
    table = result.stderr
    assert "app-table (${AppTable}, key pk/sk)" in table and "tenants (${TenantsTable}, key pk)" in table
    assert "tenant-templates (${TemplateBucket}) with tenant-stack.json (the tenant template)" in table
    assert re.search(r"tenants\s+acme\s+" + ROLE.pattern + r"\s+features: export", table), table
    assert re.search(r"^\s+globex\s+" + ROLE.pattern, table, re.MULTILINE), table
    assert "machines  1: appsync-put-item" in table


def test_a_gated_machine_gets_the_tenant_s_features() -> None:
    result = invoke("run", "appsync-export-users", "--as-tenant", "initech", "--tenants", "initech", "--input", "-",
                    stdin="{}")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"items": [], "nextToken": None}
    assert "globex" not in result.stderr and re.search(r"tenants\s+initech\s+" + ROLE.pattern, result.stderr)


def test_a_lifecycle_machine_runs_on_the_seeded_engine() -> None:
    result = invoke("run", "tenant-stack-create", "--seed", "--input", "-",
                    stdin=json.dumps({"detail": {"tenantId": "initech"}}))
    assert result.exit_code == 0, result.output
    result = invoke("run", "tenant-stack-update", "--seed", "--input", "-", stdin=json.dumps(
        {"detail": {"bucket": {"name": "tenant-templates"}, "object": {"key": "tenant-stack.json"}}}))
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["updated"], summary["unchanged"], summary["failed"]) == (0, 2, [])  # acme and globex


@pytest.mark.parametrize("args,stdin,message", [
    (("run", "pipes-flatten-stream", "--as-tenant", "acme"), "[]",
     "--as-tenant calls a resolver machine; pipes-flatten-stream resolves no GraphQL field"),
    (("run", "appsync-get-item", "--as-tenant", "acme", "--input", "-"),
     json.dumps({"identity": {}, "arguments": {"id": "u1"}}),
     "Query.getUser(id): no argument arguments, identity (with --as-tenant the input is the field's arguments"),
    (("run", "appsync-get-item", "--as-tenant", "acme", "--input", "-"), "[1]",
     "its input is the field's arguments as a JSON object (e.g. {\"id\": \"...\"}), not list"),
    (("run", "appsync-get-item", "--as-tenant", "no#pe"), "{}", "tenant 'no#pe': use 1-48 letters, digits or hyphens"),
    (("run", "appsync-get-item", "--tenants", ",", "--input", "-"), "{}", "name at least one tenant"),
])
def test_seed_options_refuse_what_cannot_work(args: tuple[str, ...], stdin: str, message: str) -> None:
    result = invoke(*args, stdin=stdin)
    assert result.exit_code == 2, result.output
    assert message in result.output


# -- the README's examples, as written ------------------------------------------------------------------------
def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"  # `workflows` of this venv
    return env


# The import blocker of test_seeding_needs_no_extras, as a sitecustomize: every Python process of the README's
# run block (each `workflows run`) loads it first, says so on stderr, and refuses the test extras' packages.
BLOCKER = """import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {'pytest', '_pytest', 'hypothesis', 'cfnlint', 'aws_cdk', 'cdk_nag', 'jwt'}:
            raise ImportError('not in the base install: ' + name)
sys.meta_path.insert(0, Block())
print('base install only: test extras blocked', file=sys.stderr)
"""


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """The README's run block, run once as written, with the test extras made unimportable (one run serves
    the README test and the base-install test: both are about these `workflows run` processes)."""
    [(language, code)] = examples("run")
    assert language == "bash"
    blocker = tmp_path_factory.mktemp("base-install")
    (blocker / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    env = dict(_env(), PYTHONPATH=os.pathsep.join(filter(None, [str(blocker), os.environ.get("PYTHONPATH")])))
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", code], capture_output=True, text=True,
                          timeout=600, cwd=ROOT, env=env)


@pytest.mark.xdist_group("first-hour-readme-run")
def test_readme_run_examples_run_as_written(readme_run: subprocess.CompletedProcess[str]) -> None:
    result = readme_run
    assert result.returncode == 0, result.stdout + result.stderr
    outputs, text, decoder = [], result.stdout.strip(), json.JSONDecoder()
    while text:
        value, end = decoder.raw_decode(text)
        outputs.append(value)
        text = text[end:].strip()
    flattened, put, created = outputs
    assert flattened == [] and put == USER
    assert created["tenantId"] == "initech" and created["stack"]["value"]["StackStatus"] == "CREATE_COMPLETE"


def start_local(*args: str, port: int = 0) -> tuple[subprocess.Popen[str], list[str]]:
    """`workflows local ARGS --port PORT` from the repository; returns once its ready text is complete."""
    proc = subprocess.Popen([sys.executable, "-m", "workflows", "local", *args, "--port", str(port)],
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=_env(), cwd=ROOT)
    lines: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        lines.append(line.rstrip("\n"))
        if line.startswith("Ctrl-C"):
            return proc, lines
    proc.wait(timeout=30)
    raise AssertionError(f"workflows local exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")


def stop(proc: subprocess.Popen[str], signum: int = signal.SIGKILL) -> int:
    """Stop it and close its pipes; its exit code. SIGKILL by default: where the test is not about stopping,
    the endpoint's clean shutdown (and the interpreter's teardown of moto) is time spent on nothing."""
    proc.send_signal(signum)
    code = proc.wait(timeout=30)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return code


class Local:
    """A running `workflows local` process: its ready text, its URL, its ports."""

    def __init__(self, proc: subprocess.Popen[str], lines: list[str], port: int, ui_port: int) -> None:
        self.proc, self.lines, self.port, self.ui_port = proc, lines, port, ui_port
        [ready] = [line for line in lines if "ready at" in line]
        self.url = ready.split("ready at ", 1)[1].split()[0]


@pytest.fixture(scope="module")
def seeded_local() -> Iterator[Local]:
    """One `workflows local --seed --tenants acme --ui-port U --port P` for the module (each start creates and
    seeds every machine: seconds of CPU). The README's endpoint examples use acme only; the last test of the
    group reads its ready text and stops it with Ctrl-C (the group keeps them on one worker, in file order)."""
    port, ui_port = _free_port(), _free_port()
    proc, lines = start_local("--seed", "--tenants", "acme", "--ui-port", str(ui_port), port=port)
    try:
        yield Local(proc, lines, port, ui_port)
    finally:
        if proc.poll() is None:
            stop(proc)
        else:
            stop(proc, 0)  # stopped by its test: only its pipes to close


@pytest.fixture
def seeded_endpoint(seeded_local: Local) -> str:
    if seeded_local.proc.poll() is not None:
        pytest.fail("the module's `workflows local` was stopped before this test (the Ctrl-C test runs last)")
    return seeded_local.url


@pytest.mark.xdist_group("first-hour-seeded-endpoint")  # one `workflows local --seed` for the group
def test_readme_endpoint_examples_run_against_workflows_local_seed(seeded_endpoint: str) -> None:
    blocks = examples("local")
    assert [language for language, _ in blocks] == ["python", "bash"]
    port = seeded_endpoint.rsplit(":", 1)[1]
    code = blocks[0][1].replace("127.0.0.1:8083", f"127.0.0.1:{port}")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=_env())
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "[]"
    assert [line.split(" ", 1)[0] for line in lines[1:]] == ["SUCCEEDED", "SUCCEEDED"]
    assert [json.loads(line.split(" ", 1)[1]) for line in lines[1:]] == [USER, USER]


AS_THE_AWS_CLI_WOULD = """
import json, shlex, sys, boto3
args = shlex.split(sys.argv[1])
opt = lambda name: args[args.index(name) + 1]
client = boto3.client("stepfunctions", endpoint_url=opt("--endpoint-url"))  # no Config: the environment decides
answer = client.start_sync_execution(stateMachineArn=opt("--state-machine-arn"), input=opt("--input"))
print(json.dumps({"status": answer["status"], "output": answer["output"]}))
"""


@pytest.mark.xdist_group("first-hour-seeded-endpoint")
def test_readme_aws_cli_example_runs_against_workflows_local_seed(seeded_endpoint: str) -> None:
    """The README's `aws ... start-sync-execution` block, with its exported environment. The AWS CLI is botocore
    underneath and AWS_DISABLE_HOST_PREFIX_INJECTION is read by botocore's config provider; where `aws` is not
    installed (its wheel pins a botocore other than ours), the same call is made by a botocore client built from
    that environment alone -- which fails with the `sync-` host when the variable is missing."""
    port = seeded_endpoint.rsplit(":", 1)[1]
    bash = examples("local")[1][1].replace("127.0.0.1:8083", f"127.0.0.1:{port}")
    exports, command = bash.split("\n", 1)
    if shutil.which("aws") is None:
        script = f"{exports}\n{sys.executable} -c {shlex.quote(AS_THE_AWS_CLI_WOULD)} {shlex.quote(command)}"
    else:
        script = bash
    result = subprocess.run(["bash", "-e", "-c", script], capture_output=True, text=True, timeout=120, env=_env())
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["output"] == "[]"
    # one attempt: botocore's retries of the unresolvable `sync-` host would only delay the same failure
    without = subprocess.run(["bash", "-e", "-c", script.replace("AWS_DISABLE_HOST_PREFIX_INJECTION=true ", "")],
                             capture_output=True, text=True, timeout=120, env=dict(_env(), AWS_MAX_ATTEMPTS="1"))
    assert without.returncode != 0  # the variable is what makes it work, as the README says


# -- workflows local: seed table, ready text ----------------------------------------------------------------
RECORD = {"eventID": "e1", "eventName": "INSERT", "dynamodb": {
    "Keys": {"pk": {"S": "t#User"}}, "NewImage": {"pk": {"S": "t#User"}, "n": {"N": "42"}},
    "SequenceNumber": "1", "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get_json(url: str) -> tuple[int, Any]:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                timeout=10) as response:
        return response.status, json.loads(response.read())


@pytest.mark.xdist_group("first-hour-seeded-endpoint")  # after the README tests: it stops their endpoint
def test_local_seed_prints_what_exists_then_one_ready_line_serves_and_stops_on_ctrl_c(seeded_local: Local) -> None:
    """The module's `workflows local` process, for the rest of its life (each start creates and seeds every
    machine, so the checks of one process are not spread over several): --tenants seeds only those tenants and
    lists what exists; one ready line on the --port given, with the client settings and the viewer on --ui-port;
    every catalog machine served; Ctrl-C stops it with exit 0."""
    proc, lines, port, ui_port = seeded_local.proc, seeded_local.lines, seeded_local.port, seeded_local.ui_port
    assert proc.poll() is None, "the module's `workflows local` is already stopped"
    try:
        text = "\n".join(lines)
        assert lines[0] == "seeded the endpoint:", text
        assert re.search(r"tenants\s+acme\s+" + ROLE.pattern, text) and "globex" not in text
        assert "machines  13: appsync-delete-item" in text
        [ready] = [line for line in lines if "ready at" in line]
        assert ready.startswith(f"saas-workflows local endpoint ready at http://127.0.0.1:{port} "), ready
        assert "local engine on" not in text  # the ready line says it once
        url = ready.split("ready at ", 1)[1].split()[0]
        assert f'endpoint_url="{url}", config=Config(inject_host_prefix=False)' in text
        assert f"AWS_DISABLE_HOST_PREFIX_INJECTION=true aws --endpoint-url {url} stepfunctions" in text
        assert f"  viewer:  http://127.0.0.1:{ui_port}/ui/  (every execution, live, in a browser)" in lines
        assert lines[-1] == "Ctrl-C stops it."
        # every catalog machine, served to a plain boto3 client
        sfn = boto3.client("stepfunctions", endpoint_url=url, region_name="us-east-1", aws_access_key_id="x",
                           aws_secret_access_key="x", config=Config(inject_host_prefix=False))
        names = {m["name"] for m in sfn.list_state_machines()["stateMachines"]}
        assert {"appsync-get-item", "pipes-flatten-stream", "tenant-stack-create"} <= names
        out = sfn.start_sync_execution(
            stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:pipes-flatten-stream",
            input=json.dumps([RECORD]))
        assert out["status"] == "SUCCEEDED" and json.loads(out["output"])[0]["eventId"] == "e1"
        # the viewer, alone on --ui-port
        status, body = _get_json(f"http://127.0.0.1:{ui_port}/ui/api/machines")
        assert status == 200
        machines = {m["name"]: m for m in body["machines"]}
        assert machines["tenant-stack-update"]["type"] == "STANDARD"
        assert machines["appsync-get-item"]["queryLanguage"] == "JSONata"
    finally:
        code = stop(proc, signal.SIGINT)
    assert code == 0


def test_local_help_documents_port_zero() -> None:
    result = invoke("local", "--help")
    assert "0 picks any free port" in result.output
    assert "AWS_DISABLE_HOST_PREFIX_INJECTION=true" in result.output


# -- run --help: each machine's input -------------------------------------------------------------------------
def test_run_help_says_what_each_machine_takes() -> None:
    result = CliRunner().invoke(main, ["run", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "Inputs of this project's workflows:" in text
    assert 'appsync-get-item Query.getUser(id: ID!): User; with --as-tenant T the input is its arguments, e.g. ' \
           '{"id": "..."}' in text
    assert 'tenant-stack-create the EventBridge event "Tenant Created", e.g. {"detail": {"tenantId": "initech"}}' \
           in text
    assert "pipes-flatten-stream a batch of DynamoDB stream records as EventBridge Pipes sends it" in text


@pytest.mark.xdist_group("first-hour-readme-run")
def test_seeding_needs_no_extras(readme_run: subprocess.CompletedProcess[str]) -> None:
    """--seed reuses workflows.testing, which must not pull the test extra into the quick start's install: the
    README's `run --as-tenant acme` and `run --seed` seed their engines with pytest & co. unimportable."""
    result = readme_run
    assert result.stderr.count("base install only: test extras blocked") == 3, result.stderr  # each `workflows`
    assert result.returncode == 0, result.stderr
    assert "not in the base install" not in result.stderr
    assert result.stderr.count("seeded the engine:") == 2, result.stderr  # --as-tenant acme, --seed
