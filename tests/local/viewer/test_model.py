"""The viewer's reading of an execution's history: each state's outcome, Map iterations and Parallel
branches placed by ``previousEventId`` (their events interleave), the transitions taken, and the replay
command. Event types and their details are those of GetExecutionHistory
(https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html)."""

from __future__ import annotations

import json

from workflows.local.engine import LocalEngine
from workflows.local.viewer.layout import layout
from workflows.local.viewer.model import execution_view, replay_command

MAP_AND_PARALLEL = {"StartAt": "M", "States": {
    "M": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 0,
          "ItemProcessor": {"StartAt": "Check", "States": {
              "Check": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 2, "Next": "Boom"}],
                        "Default": "Ok"},
              "Boom": {"Type": "Fail", "Error": "Bad.Item", "Cause": "item two"},
              "Ok": {"Type": "Pass", "End": True}}},
          "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled", "ResultPath": "$.err"}], "Next": "P"},
    "Handled": {"Type": "Pass", "Next": "Q"},
    "Q": {"Type": "Parallel", "Next": "P", "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "A2", "States": {"A2": {"Type": "Pass", "End": True}}}]},
    # P's first branch races its failing second one (a failed branch stops the others, on AWS too),
    # so whether C ran is not asserted; Q's branches show succeeded states placed in their branch
    "P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "C", "States": {"C": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Fail", "Error": "X", "Cause": "branch two failed"}}}]}}}


def test_map_iterations_and_parallel_branches_are_placed_and_coloured(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("m", MAP_AND_PARALLEL)
    result = local_engine.run("m", {"items": [1, 2, 3]})
    view = execution_view(MAP_AND_PARALLEL, result.history)
    assert (view["status"], view["error"], view["cause"]) == ("FAILED", "X", "branch two failed")
    states = view["states"]
    assert states["M"] == {"caught": 1}
    assert states["M/iteration/Boom"] == {"failed": 1}
    assert states["Handled"] == {"succeeded": 1}
    assert states["P"] == {"failed": 1} and states["P/branch 2/B"] == {"failed": 1}
    assert states["Q"] == {"succeeded": 1}
    assert (states["Q/branch 1/A"], states["Q/branch 2/A2"]) == ({"succeeded": 1}, {"succeeded": 1})
    # every visit inside the Map is in the iteration of its own item (input n is item index n-1)
    for visit in view["visits"]:
        if visit["iteration"]:
            [[name, index]] = visit["iteration"]
            assert name == "M" and json.loads(visit["input"]) == index + 1
    boom = next(v for v in view["visits"] if v["state"] == "Boom")
    assert (boom["error"], boom["cause"], boom["iteration"]) == ("Bad.Item", "item two", [["M", 1]])
    assert view["iterations"]["M"]["status"]["M:1"] == "failed"
    caught_map = next(v for v in view["visits"] if v["state"] == "M")
    assert (caught_map["error"], caught_map["cause"]) == ("Bad.Item", "item two")  # what its Catch caught
    assert ["M", "Handled"] in view["taken"] and ["Handled", "Q"] in view["taken"] and ["Q", "P"] in view["taken"]
    assert ["M", "P"] not in view["taken"]
    # the Map's own closing events belong to the Map, not to the iteration that ended last
    closing = [row for row in view["timeline"] if row[2] in ("MapStateFailed", "MapStateExited")]
    assert [(row[3], row[4]) for row in closing] == [("M", ""), ("M", "")]


def test_a_task_that_succeeds_on_its_second_attempt_is_retried() -> None:
    flaky = {"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "f"},
        "Retry": [{"ErrorEquals": ["Busy"], "MaxAttempts": 2, "IntervalSeconds": 1}], "End": True}}}
    mocks = {"StateMachines": {"flaky": {"TestCases": {"Once": {"Call": "FailThenOk"}}}},
             "MockedResponses": {"FailThenOk": {"0": {"Throw": {"Error": "Busy", "Cause": "try again"}},
                                                "1": {"Return": {"ok": True}}}}}
    with LocalEngine(mock_config=mocks) as engine:
        engine.create_state_machine("flaky", flaky)
        result = engine.run("flaky", {}, test_case="Once")
    assert result.status == "SUCCEEDED"
    view = execution_view(flaky, result.history)
    assert view["states"] == {"Call": {"retried": 1}}
    [visit] = view["visits"]
    assert visit["task"]["attempts"] == 2 and visit["task"]["resource"] == "invoke"


def test_a_state_still_running_is_running_and_not_failed() -> None:
    events = [
        {"id": 1, "previousEventId": 0, "type": "ExecutionStarted", "timestamp": "2026-01-01T00:00:00Z",
         "executionStartedEventDetails": {"input": "{}"}},
        {"id": 2, "previousEventId": 0, "type": "WaitStateEntered", "timestamp": "2026-01-01T00:00:01Z",
         "stateEnteredEventDetails": {"name": "Hold", "input": "{}"}},
    ]
    definition = {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 5, "End": True}}}
    view = execution_view(definition, events)
    assert view["status"] == "RUNNING" and view["states"] == {"Hold": {"running": 1}}
    assert view["timeline"][1][:4] == [2, 1000.0, "WaitStateEntered", "Hold"]


def test_the_replay_command_calls_a_resolver_machine_as_its_tenant() -> None:
    request = {"identity": {"resolverContext": {"tenantId": "acme", "tenantRoleArn": "arn:aws:iam::1:role/x"}},
               "arguments": {"id": "u'1"}}
    assert replay_command("appsync-get-item", json.dumps(request), True) == (
        "echo '{\"id\":\"u'\"'\"'1\"}' | workflows run appsync-get-item --as-tenant acme --input -")
    assert replay_command("tenant-stack-create", '{"detail":{"tenantId":"t"}}', True) == (
        "echo '{\"detail\":{\"tenantId\":\"t\"}}' | workflows run tenant-stack-create --seed --input -")
    assert replay_command("pipes-flatten-stream", "[]", False) == "echo '[]' | workflows run pipes-flatten-stream --input -"


def test_the_layout_ranks_a_loop_downwards_and_marks_its_back_edge() -> None:
    loop = {"StartAt": "Check", "States": {
        "Check": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "End"}],
                  "Default": "Wait"},
        "Wait": {"Type": "Wait", "Seconds": 5, "Next": "Check"},
        "End": {"Type": "Succeed"}}}
    graph = layout(loop)
    y = {node["name"]: node["y"] for node in graph["nodes"]}
    assert y["Check"] < y["Done?"] < y["Wait"] and y["Done?"] < y["End"]
    back = [(e["from"], e["to"]) for e in graph["edges"] if e["back"]]
    assert back == [("Wait", "Check")]


def test_a_distributed_map_counts_its_child_executions_from_its_map_run(local_engine: LocalEngine) -> None:
    """A Distributed Map's iterations are child executions, outside the parent's history; DescribeMapRun
    counts them (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-examine-map-run.html)."""
    from workflows.local.viewer.source import ClientSource

    distributed = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                          "StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}}}}}
    local_engine.create_state_machine("fan-out", distributed)
    result = local_engine.run("fan-out", {"items": [1, 2, 3]})
    assert result.status == "SUCCEEDED"
    view = ClientSource(lambda: local_engine.client("stepfunctions")).execution(result.execution_arn)
    assert view is not None
    run = view["iterations"]["Each"]
    assert run["mapRun"].startswith("arn:aws:states:") and (run["length"], run["counts"]) == (3, {"succeeded": 3})
