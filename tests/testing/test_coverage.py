"""--sfn-coverage: a tiny machine, tests that run part of it, and the report naming exactly that part."""

from __future__ import annotations

import json
import textwrap

import pytest

from workflows.testing.coverage import CoverageData, coverage_items, executed_items

MACHINE = {
    "StartAt": "Route",
    "States": {
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.x", "NumericEquals": 1, "Next": "Each"},
            {"Variable": "$.x", "NumericEquals": 2, "Next": "Read"},
        ], "Default": "Done"},
        "Read": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                 "Parameters": {"TableName": "missing", "Key": {"pk": {"S": "a"}}},
                 "Retry": [{"ErrorEquals": ["DynamoDB.ResourceNotFoundException"], "MaxAttempts": 1},
                           {"ErrorEquals": ["States.Timeout"], "MaxAttempts": 2}],
                 "Catch": [{"ErrorEquals": ["States.Timeout"], "Next": "Done"},
                           {"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                 "End": True},
        "Each": {"Type": "Map", "ItemsPath": "$.items", "Next": "Done",
                 "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Pass", "End": True}}}},
        "Done": {"Type": "Pass", "End": True},
    },
}

TESTS = textwrap.dedent(f"""
    import json, time
    import pytest
    from workflows.local.engine import LocalEngine

    MACHINE = {MACHINE!r}

    @pytest.fixture(scope="module")
    def engine():
        with LocalEngine() as engine:
            engine.create_state_machine("tiny", MACHINE)
            yield engine

    def test_map_path(engine):
        assert engine.run("tiny", {{"x": 1, "items": [1, 2]}}).ok()

    def test_failing_read_through_a_client(engine):
        # started through the engine's boto3 client, not LocalEngine.run: coverage sees it too
        sfn = engine.client("stepfunctions")
        arn = sfn.start_execution(stateMachineArn=engine._resolve("tiny")[0], input=json.dumps({{"x": 2}}))["executionArn"]
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            time.sleep(0.01)
        assert sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
""")

EXPECTED_ITEMS = {
    "states": {"Route": 2, "Read": 1, "Each": 1, "Item": 1, "Done": 2},
    "choices": {"Route#0 -> Each": 1, "Route#1 -> Read": 1, "Route#Default -> Done": 0},
    "catches": {"Read#0 -> Done": 0, "Read#1 -> Done": 1},
    "retries": {"Read#0 DynamoDB.ResourceNotFoundException": 1, "Read#1 States.Timeout": 0},
    "branches": {"Each#iterations": 1},
}


def _items(report: dict) -> dict:
    machine = report["machines"]["tiny"]
    return {kind: machine[kind]["items"] for kind in EXPECTED_ITEMS}


def test_the_report_shows_exactly_the_paths_the_tests_took(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tiny=TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-q", "--sfn-coverage",
                                          "--sfn-coverage-json", "cov.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([
        "*state-machine coverage*",
        "Machine*Runs*States*Choice rules*Catch*Retry*Branches",
        "tiny*2*100% (5/5)*2/3*1/2*1/2*1/1",
        "TOTAL*76.9% of all items",
    ])
    report = json.loads((pytester.path / "cov.json").read_text())
    assert _items(report) == EXPECTED_ITEMS
    assert report["machines"]["tiny"]["executions"] == 2


def test_fail_under_fails_the_session_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tiny=TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-q",
                                          "--sfn-coverage-fail-under=90")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["FAIL Required state-machine coverage of 90% not reached. Total coverage: 76.92%"])
    passing = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-q",
                                           "--sfn-coverage-fail-under=75")
    assert passing.ret == pytest.ExitCode.OK


def test_xdist_workers_are_merged_by_the_controller(pytester: pytest.Pytester) -> None:
    # one test per file, so `-n 2 --dist loadfile` puts them on two workers
    head, _, rest = TESTS.partition("def test_map_path")
    map_test, _, client_test = ("def test_map_path" + rest).partition("def test_failing_read")
    pytester.makepyfile(test_a=head + map_test, test_b=head + "def test_failing_read" + client_test)
    # the controller in this process; the workers are processes of their own, which is the point: each
    # records its own coverage and the controller merges them. Hypothesis's plugin is left out: it has no
    # part in this, and at the end of a session it imports hypothesis whole (about 1.5 s in each worker).
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-q", "-n", "2",
                                          "--dist", "loadfile", "--sfn-coverage-json", "cov.json")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["tiny*2*100% (5/5)*2/3*1/2*1/2*1/1"])
    assert _items(json.loads((pytester.path / "cov.json").read_text())) == EXPECTED_ITEMS


def test_without_the_option_nothing_is_reported_nor_moto_imported(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="import sys\ndef test_x():\n    assert 'moto' not in sys.modules\n")
    # a separate interpreter: this one has imported moto already, so only a fresh one can show it is not
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-q")
    result.assert_outcomes(passed=1)
    assert "state-machine coverage" not in result.stdout.str()


def test_rules_sharing_a_next_are_covered_together_and_unreached_catch_is_not() -> None:
    definition = {"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsPresent": True, "Next": "T"},
                                            {"Variable": "$.b", "IsPresent": True, "Next": "T"}], "Default": "T"},
        "T": {"Type": "Pass", "End": True}}}
    history = [
        {"id": 1, "previousEventId": 0, "type": "ExecutionStarted"},
        {"id": 2, "previousEventId": 0, "type": "ChoiceStateEntered", "stateEnteredEventDetails": {"name": "C"}},
        {"id": 3, "previousEventId": 2, "type": "ChoiceStateExited", "stateExitedEventDetails": {"name": "C"}},
        {"id": 4, "previousEventId": 3, "type": "PassStateEntered", "stateEnteredEventDetails": {"name": "T"}},
    ]
    assert executed_items(definition, history)["choices"] == {"C#0 -> T", "C#1 -> T"}
    assert coverage_items(definition)["choices"] == ["C#0 -> T", "C#1 -> T", "C#Default -> T"]
    data = CoverageData()
    data.record("m", definition, history)
    assert data.to_json()["machines"]["m"]["choices"]["covered"] == 2
