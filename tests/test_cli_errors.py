"""Every failing invocation of the CLI is one `Error:` line and a non-zero exit -- 2 for a usage error, as
click does -- and a traceback only under `--verbose` (issue 14).

The corpus runs through click's CliRunner (fast, every case) and through a real process (what a user
sees on the terminal: stderr, exit code, nothing else printed by moto, werkzeug or Python)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workflows.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOOD_MOCKS = {"StateMachines": {"pipes-flatten-stream": {"TestCases": {"Empty": {"Check records": "Nothing"}}}},
              "MockedResponses": {"Nothing": {"0": {"Return": []}}}}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("bad-inputs")
    (folder / "not-json.json").write_text("{nope")
    (folder / "bad-shape.json").write_text(json.dumps({"StateMachines": {"x": {}}}))
    (folder / "mocks.json").write_text(json.dumps(GOOD_MOCKS))
    return {p.stem: str(p) for p in folder.iterdir()}


@pytest.fixture(scope="module")
def busy_port() -> int:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    yield listener.getsockname()[1]
    listener.close()


# (id, arguments with {file} and {port} placeholders, stdin, exit code, words the Error: line must hold)
CORPUS = [
    ("unknown workflow", ["run", "nope"], None, 2, "Invalid value for NAME: unknown workflow(s): nope"),
    ("graph of an unknown workflow", ["graph", "nope"], None, 2, "unknown workflow(s): nope"),
    ("build of an unknown workflow", ["build", "nope"], None, 2, "Invalid value for NAMES: unknown workflow(s)"),
    ("input that is not JSON", ["run", "pipes-flatten-stream", "--input", "-"], "{nope", 2,
     "Invalid value for --input: input is not JSON"),
    ("input file missing", ["run", "pipes-flatten-stream", "--input", "/no/such.json"], None, 2, "No such file"),
    ("test case without a mock config", ["run", "pipes-flatten-stream", "--test-case", "Nope"], "[]", 2,
     "--test-case needs --mock-config"),
    ("mock config that is not JSON", ["run", "pipes-flatten-stream", "--mock-config", "{not-json}", "--test-case", "X"],
     "[]", 2, "Invalid value for --mock-config: mock config file {not-json} is not valid JSON"),
    ("mock config of a bad shape", ["run", "pipes-flatten-stream", "--mock-config", "{bad-shape}", "--test-case", "X"],
     "[]", 2, "state machine 'x' needs a 'TestCases' object"),
    ("mock config without a test case", ["run", "pipes-flatten-stream", "--mock-config", "{mocks}"], "[]", 2,
     "--mock-config needs --test-case, the test case to run ({mocks} has for pipes-flatten-stream: Empty)"),
    ("a test case the mock config lacks", ["run", "pipes-flatten-stream", "--mock-config", "{mocks}", "--test-case",
                                           "Nope"], "[]", 2,
     "Invalid value for --test-case: no test case 'Nope' for pipes-flatten-stream ({mocks} has for "
     "pipes-flatten-stream: Empty)"),
    ("port out of range", ["local", "--port", "99999"], None, 2, "99999 is not in the range 0<=x<=65535"),
    ("port in use", ["local", "--port", "{port}"], None, 1,
     "port {port} on 127.0.0.1 is in use; choose another with --port, or --port 0 for any free port"),
    ("local with a mock config that is not JSON", ["local", "--port", "0", "--mock-config", "{not-json}"], None, 2,
     "is not valid JSON"),
    ("as-tenant on a machine without resolver", ["run", "pipes-flatten-stream", "--as-tenant", "acme"], "[]", 2,
     "--as-tenant calls a resolver machine"),
    ("project that does not exist", ["--project", "/no/such/project", "list"], None, 2, "does not exist"),
    ("missing argument", ["show"], None, 2, "Missing argument 'NAME'"),
    ("unknown graph format", ["graph", "pipes-flatten-stream", "--format", "svg"], None, 2, "'svg' is not one of"),
    ("demo step out of range", ["demo", "--step", "9"], None, 2, "9 is not in the range 1<=x<=6"),
]
SUBPROCESS = {"unknown workflow", "mock config that is not JSON", "a test case the mock config lacks",
              "port out of range", "port in use", "test case without a mock config"}


def _fill(text: str, files: dict[str, str], port: int) -> str:
    for name, path in files.items():
        text = text.replace("{" + name + "}", path)
    return text.replace("{port}", str(port))


def _check(output: str, code: int, expected_code: int, words: str) -> None:
    assert code == expected_code, output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    assert words in errors[0], errors[0]
    assert "Traceback" not in output, output


@pytest.mark.parametrize("case", CORPUS, ids=[c[0] for c in CORPUS])
def test_bad_invocation_in_click(case: tuple, files: dict[str, str], busy_port: int) -> None:
    _, args, stdin, code, words = case
    result = CliRunner().invoke(main, [_fill(a, files, busy_port) for a in args], input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    _check(result.output, result.exit_code, code, _fill(words, files, busy_port))


@pytest.mark.parametrize("case", [c for c in CORPUS if c[0] in SUBPROCESS], ids=sorted(SUBPROCESS, key=[
    c[0] for c in CORPUS].index))
def test_bad_invocation_in_a_terminal(case: tuple, files: dict[str, str], busy_port: int) -> None:
    _, args, stdin, code, words = case
    result = subprocess.run([sys.executable, "-m", "workflows", *[_fill(a, files, busy_port) for a in args]],
                            input=stdin or "", capture_output=True, text=True, timeout=120, cwd=ROOT,
                            env=dict(os.environ, PYTHONUNBUFFERED="1"))
    assert result.stdout == "", result.stdout
    _check(result.stderr, result.returncode, code, _fill(words, files, busy_port))


def test_an_unexpected_error_is_one_line_and_verbose_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import workflows.local.runner as runner

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("engine fell over")

    monkeypatch.setattr(runner, "run_definition", boom)
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input="[]")
    _check(result.output, result.exit_code, 1, "RuntimeError: engine fell over (--verbose shows the traceback)")
    verbose = CliRunner().invoke(main, ["--verbose", "run", "pipes-flatten-stream", "--input", "-"], input="[]")
    assert isinstance(verbose.exception, RuntimeError)


def test_an_empty_batch_runs(files: dict[str, str]) -> None:
    """`echo '[]' | workflows run pipes-flatten-stream --input -` (it failed with a garbled cause)."""
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input="[]")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == []


NO_ENGINE = """
import json, sys
from workflows.cli import main
heavy = {"moto", "boto3", "werkzeug", "cfnlint", "aws_cdk", "jsii", "playwright", "hypothesis", "pytest"}
for args in json.loads(sys.argv[1]):
    code = 0
    try:
        main(args, prog_name="workflows")
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    loaded = sorted(heavy & {name.split(".")[0] for name in sys.modules})
    print("@@" + json.dumps([args, code, loaded]), flush=True)
"""


def test_commands_that_run_no_engine_import_none_of_it(files: dict[str, str], busy_port: int,
                                                       tmp_path: Path) -> None:
    """`build`, `check`, `schema`, `show`, `graph`, `--help`, and a `run` or `local` refused for its
    options, import none of the engine (moto, boto3, werkzeug) nor a test or infra extra: each such process of
    the suite and of a user pays only for what it does. One interpreter runs them in turn, each checked after it
    ran; the refused `run` and `local` imported the engine before they looked at their options."""
    invocations = [["--help"], ["--asl-dir", str(tmp_path / "asl"), "build"], ["check"], ["schema"],
                   ["show", "pipes-flatten-stream"], ["graph", "pipes-flatten-stream"],
                   ["run", "nope"], ["run", "pipes-flatten-stream", "--input", files["not-json"]],
                   ["run", "pipes-flatten-stream", "--test-case", "Nope"],
                   ["run", "pipes-flatten-stream", "--mock-config", files["mocks"], "--test-case", "Nope"],
                   ["local", "--port", str(busy_port)], ["local", "--port", "0", "--mock-config", files["not-json"]]]
    result = subprocess.run([sys.executable, "-c", NO_ENGINE, json.dumps(invocations)], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    ran = [json.loads(line[2:]) for line in result.stdout.splitlines() if line.startswith("@@")]
    assert [args for args, _, _ in ran] == invocations, result.stdout
    assert [code == 0 for _, code, _ in ran] == [True] * 6 + [False] * 6, (ran, result.stderr)  # done, refused
    assert [(args, heavy) for args, _, heavy in ran if heavy] == []
