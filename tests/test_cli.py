"""The `workflows` commands that run machines (`run` on the embedded engine, `local` as an endpoint) and
`schema`, with the GraphQL contract `check` holds a project's schema to."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from workflows.cli import main

RECORD = {"eventID": "e1", "eventName": "INSERT", "dynamodb": {
    "Keys": {"pk": {"S": "t#User"}}, "NewImage": {"pk": {"S": "t#User"}, "groups": {"L": [{"S": "admin"}]},
                                                  "n": {"N": "42"}},
    "SequenceNumber": "1", "StreamViewType": "NEW_AND_OLD_IMAGES"}}


def test_run_prints_the_output_json() -> None:
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input=json.dumps([RECORD]))
    assert result.exit_code == 0, result.output
    [event] = json.loads(result.output)
    assert event["newImage"] == {"pk": "t#User", "groups": ["admin"], "n": 42}


def test_run_failure_goes_to_stderr_with_exit_1() -> None:
    bad = dict(RECORD, eventName="REMOVE")
    bad["dynamodb"] = dict(RECORD["dynamodb"], NewImage={"n": {"X": "1"}})
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input=json.dumps([bad]))
    assert result.exit_code == 1
    assert "Stream.UnexpectedShape" in result.output and "e1" in result.output


def test_run_trace_lists_visited_states() -> None:
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-", "--trace"],
                                input=json.dumps([RECORD]))
    assert result.exit_code == 0
    assert "status: SUCCEEDED" in result.output and "transitions:" in result.output


def test_run_with_a_mock_config_test_case(tmp_path: Path) -> None:
    mocks = {"StateMachines": {"appsync-get-item": {"TestCases": {"Denied": {"GetUser": "AccessDenied"}}}},
             "MockedResponses": {"AccessDenied": {"0": {"Throw": {
                 "Error": "DynamoDB.AccessDeniedException", "Cause": "mocked"}}}}}
    config = tmp_path / "mocks.json"
    config.write_text(json.dumps(mocks))
    payload = {"identity": {"resolverContext": {"tenantId": "t", "tenantRoleArn": "arn:aws:iam::123456789012:role/x"}},
               "arguments": {"id": "1"}}
    result = CliRunner().invoke(main, ["run", "appsync-get-item", "--input", "-", "--mock-config", str(config),
                                       "--test-case", "Denied"], input=json.dumps(payload))
    assert result.exit_code == 1
    assert "DynamoDB.AccessDeniedException: mocked" in result.output


def test_run_refuses_input_that_is_not_json() -> None:
    result = CliRunner().invoke(main, ["run", "pipes-flatten-stream", "--input", "-"], input="{nope")
    assert result.exit_code != 0 and "input is not JSON" in result.output


# `workflows local` serving every catalog machine and stopping on Ctrl-C with exit 0 is checked on the one
# `workflows local` process of tests/test_cli_first_hour.py (test_local_seed_prints_what_exists_then_one_ready_line_
# serves_and_stops_on_ctrl_c): each start creates every machine, so one process carries the checks of three.


# -- workflows schema / the contract in workflows check (a project of one's own, tests/patterns/sets_project.py) --
def _in(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--project", str(root), *args])
    return result.exit_code, result.output


def test_check_refuses_a_list_whose_cursor_argument_the_machine_does_not_read(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The issue-11 trap: listSets(nextPageKey) wired to a query that reads nextToken built and passed check."""
    from tests.patterns.sets_project import TRAP_MACHINES, TRAP_SCHEMA, write_project

    root = write_project(tmp_path, monkeypatch, machines=TRAP_MACHINES, schema=TRAP_SCHEMA)
    assert _in(root, "build")[0] == 0
    code, out = _in(root, "check")
    assert code == 1
    assert ("contract: list-sets: Query.listSets: argument 'nextPageKey' is forwarded, but the machine does not read "
            "it (it reads: nextToken, prefix, limit)") in out
    assert "contract: list-sets: Query.listSets: the machine reads argument 'nextToken', which the resolver does not " \
           "forward" in out
    assert "change the schema or the workflows" in out


def test_schema_writes_what_check_accepts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graphql import build_schema

    from tests.patterns.sets_project import write_project

    root = write_project(tmp_path, monkeypatch)
    assert _in(root, "build")[0] == 0
    code, out = _in(root, "check")
    assert code == 0 and "schema.graphql agrees with its 3 resolvers" in out, out  # the team's hand-written schema
    code, printed = _in(root, "schema")
    assert code == 0
    schema = build_schema(printed)  # graphql-core itself
    assert str(schema.query_type.fields["listSets"].type) == "SetPage!"
    assert str(schema.get_type("SetPage").fields["pageInfo"].type) == "PageInfo!"
    assert str(schema.query_type.fields["getSet"].type) == "Set!"
    hand_written = (root / "schema.graphql").read_text()
    code, out = _in(root, "schema", "--write")
    assert code == 1 and "was written by hand" in out and "--force" in out
    assert (root / "schema.graphql").read_text() == hand_written
    assert _in(root, "schema", "--output", str(tmp_path / "out" / "sets.graphql"))[0] == 0
    assert (tmp_path / "out" / "sets.graphql").read_text() == printed
    assert _in(root, "schema", "--write", "--force") == (0, f"wrote {root / 'schema.graphql'}\n")
    assert (root / "schema.graphql").read_text() == printed
    assert _in(root, "schema", "--write")[0] == 0  # a generated file may be regenerated
    assert _in(root, "check")[0] == 0
    code, out = _in(root, "schema", "--write", "--output", "x")
    assert code == 2 and "not both" in out


def test_schema_and_check_name_what_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.patterns.sets_project import MACHINES, SCHEMA, write_project

    nullable = MACHINES.replace('appsync.get_item(SETS, "get-set", not_found="error")',
                                'appsync.get_item(SETS, "get-set")')
    root = write_project(tmp_path, monkeypatch, machines=nullable, schema=SCHEMA.replace("Set!\n  listSets",
                                                                                         "Sett!\n  listSets"))
    assert _in(root, "build")[0] == 0
    code, out = _in(root, "check")
    assert code == 1 and "invalid: schema.graphql: " in out and "Unknown type 'Sett'" in out
    (root / "schema.graphql").write_text(SCHEMA)
    code, out = _in(root, "check")
    assert code == 1 and ("contract: get-set: Query.getSet is Set!, but the machine may answer null there: it is null "
                          "when no Set has the id (get_item(..., not_found=\"error\") fails with Resolver.NotFound "
                          "instead)") in out
    by_hand = MACHINES.replace('return appsync.put_item(SETS, "add-set")',
                               'from workflows.core import EXPRESS, Pass, StateMachine\n'
                               '    return StateMachine("add-set", start=Pass("Echo"), type=EXPRESS)')
    root = write_project(tmp_path / "by-hand", monkeypatch, machines=by_hand)
    code, out = _in(root, "schema")
    assert code == 1 and out.startswith("Error: add-set resolves Mutation.addSet but records no contract")


def test_check_and_schema_need_no_extras() -> None:
    """graphql-core is a base dependency: the contract check runs on the first quick-start install."""
    blocker = (
        "import importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        "        if name.split('.')[0] in {'pytest', '_pytest', 'hypothesis', 'cfnlint', 'aws_cdk', 'cdk_nag', 'jwt'}:\n"
        "            raise ImportError('not in the base install: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from workflows.cli import main\n"
        "main(['check'])\n")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", blocker], capture_output=True, text=True, timeout=120, cwd=root)
    assert result.returncode == 0, result.stderr
    from workflows.project import load_project

    count = len(load_project(root).resolvers())
    assert count >= 6 and f"schema.graphql agrees with its {count} resolvers" in result.stdout


EXITS = """
import atexit, sys
atexit.register(lambda: print("atexit ran", flush=True))
from workflows.cli import main
sys.argv = ["workflows", *sys.argv[1:]]
print("before", flush=True)
main()
print("never: the command ends the process")
"""


def test_the_command_exits_with_its_code_after_flushing_and_atexit() -> None:
    """The `workflows` command ends its process without the interpreter's module teardown (seconds with moto
    loaded): its output is all there, atexit handlers have run, its exit code is the command's."""
    root = Path(__file__).resolve().parents[1]
    # `show` of one machine: many lines of output, one machine built (`list` built them all, to the same end)
    shown = subprocess.run([sys.executable, "-c", EXITS, "show", "pipes-flatten-stream"], capture_output=True,
                           text=True, timeout=120, cwd=root)
    lines = shown.stdout.splitlines()
    assert shown.returncode == 0, shown.stderr
    assert lines[0] == "before" and lines[-1] == "atexit ran" and "never" not in shown.stdout
    expected = CliRunner().invoke(main, ["show", "pipes-flatten-stream"]).output.splitlines()
    assert len(expected) > 10 and lines[1:-1] == expected
    unknown = subprocess.run([sys.executable, "-c", EXITS, "show", "nope"], capture_output=True, text=True,
                             timeout=120, cwd=root)
    assert unknown.returncode == 2 and unknown.stdout.splitlines() == ["before", "atexit ran"]
    assert "unknown workflow(s): nope" in unknown.stderr
