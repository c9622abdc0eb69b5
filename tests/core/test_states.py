"""Each state type and field, compared with small expected ASL, in both query languages."""

from __future__ import annotations

import pytest

from workflows.core import (JSONATA, BuildError, Catch, Choice, Credentials, Fail, Map, Parallel, Pass, Retry,
                            StateMachine, Succeed, Task, Var, Wait, jsonata)


def states_of(start, **kw) -> dict:
    return StateMachine("t", start=start, **kw).to_asl()["States"]


def test_pass_jsonpath_fields_in_asl_order() -> None:
    state = Pass("P", comment="c", input_path="$.a", parameters={"x.$": "$.y"}, result_path="$.r",
                 output_path="$.o", assign={"v.$": "$.y"})
    assert states_of(state) == {"P": {"Type": "Pass", "Comment": "c", "InputPath": "$.a",
                                      "Parameters": {"x.$": "$.y"}, "ResultPath": "$.r", "OutputPath": "$.o",
                                      "Assign": {"v.$": "$.y"}, "End": True}}
    assert list(states_of(state)["P"]) == ["Type", "Comment", "InputPath", "Parameters", "ResultPath",
                                           "OutputPath", "Assign", "End"]


def test_pass_result_and_null_result_path() -> None:
    assert states_of(Pass("P", result={"a": 1}, result_path=None))["P"] == {
        "Type": "Pass", "Result": {"a": 1}, "ResultPath": None, "End": True}


def test_task_every_field() -> None:
    task = Task("T", resource="arn:aws:states:::lambda:invoke", parameters={"FunctionName": "f"},
                result_selector={"p.$": "$.Payload"}, result_path="$.out", timeout_seconds=30,
                heartbeat_seconds_path="$.hb", credentials=Credentials(role_arn="arn:aws:iam::123456789012:role/r"),
                retry=[Retry(["States.Timeout"], interval_seconds=2, max_attempts=3, backoff_rate=1.5,
                             max_delay_seconds=10, jitter_strategy="FULL")],
                catch=[Catch(["States.ALL"], Fail("F", error="E"), result_path="$.err")])
    out = states_of(task)
    assert out["T"] == {
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Credentials": {"RoleArn": "arn:aws:iam::123456789012:role/r"},
        "TimeoutSeconds": 30, "HeartbeatSecondsPath": "$.hb",
        "Parameters": {"FunctionName": "f"}, "ResultSelector": {"p.$": "$.Payload"}, "ResultPath": "$.out",
        "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 1.5,
                   "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": "$.err"}],
        "End": True}
    assert out["F"] == {"Type": "Fail", "Error": "E"}


def test_task_jsonata_arguments_output_and_credentials_expression() -> None:
    task = Task("T", resource="arn:aws:states:::dynamodb:getItem",
                arguments={"TableName": "t", "Key": {"pk": {"S": jsonata("$states.input.id")}}},
                credentials=Credentials(role_arn=jsonata("$states.input.role")),
                output=jsonata("$states.result.Item"), assign={"seen": True})
    out = StateMachine("t", start=task, query_language=JSONATA).to_asl()
    assert out["QueryLanguage"] == "JSONata"
    assert out["States"]["T"] == {
        "Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
        "Credentials": {"RoleArn": "{% $states.input.role %}"},
        "Arguments": {"TableName": "t", "Key": {"pk": {"S": "{% $states.input.id %}"}}},
        "Output": "{% $states.result.Item %}", "Assign": {"seen": True}, "End": True}


def test_credentials_from_path() -> None:
    assert Credentials.from_path("$.identity.resolverContext.tenantRoleArn").to_asl() == {
        "RoleArn.$": "$.identity.resolverContext.tenantRoleArn"}
    with pytest.raises(BuildError):
        Credentials()


def test_wait_fields() -> None:
    assert states_of(Wait("W", seconds=5))["W"] == {"Type": "Wait", "Seconds": 5, "End": True}
    assert states_of(Wait("W", seconds_path="$.s"))["W"] == {"Type": "Wait", "SecondsPath": "$.s", "End": True}
    assert states_of(Wait("W", timestamp="2026-01-01T00:00:00Z"))["W"]["Timestamp"] == "2026-01-01T00:00:00Z"
    assert states_of(Wait("W", timestamp_path="$.t"))["W"]["TimestampPath"] == "$.t"


def test_fail_and_succeed_fields() -> None:
    assert states_of(Fail("F", error_path="$.e", cause_path="$.c"))["F"] == {
        "Type": "Fail", "ErrorPath": "$.e", "CausePath": "$.c"}
    assert states_of(Fail("F", error="A.B", cause="why"))["F"] == {"Type": "Fail", "Error": "A.B", "Cause": "why"}
    assert states_of(Succeed("S", output_path="$.x"))["S"] == {"Type": "Succeed", "OutputPath": "$.x"}


def test_choice_rules_compile_to_asl_operators() -> None:
    done, other = Succeed("Done"), Fail("Other", error="X")
    choice = (Choice("C")
              .when(Var("$.s") == "CREATE_COMPLETE", done)
              .when((Var("$.n") >= 3) & ~Var("$.flag").is_present() | Var("$.s").matches("*_IN_PROGRESS"), done)
              .when(Var("$.b") == True, done)  # noqa: E712
              .otherwise(other))
    out = states_of(choice)["C"]
    assert out["Choices"][0] == {"Variable": "$.s", "StringEquals": "CREATE_COMPLETE", "Next": "Done"}
    assert out["Choices"][1] == {"Or": [
        {"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 3},
                 {"Not": {"Variable": "$.flag", "IsPresent": True}}]},
        {"Variable": "$.s", "StringMatches": "*_IN_PROGRESS"}], "Next": "Done"}
    assert out["Choices"][2] == {"Variable": "$.b", "BooleanEquals": True, "Next": "Done"}
    assert out["Default"] == "Other"
    assert "Next" not in out and "End" not in out


def test_choice_refuses_python_boolean_operators() -> None:
    with pytest.raises(BuildError, match="use '&'"):
        (Var("$.a") == 1) and (Var("$.b") == 2)  # noqa: B015


def test_choice_jsonata_condition_with_assign() -> None:
    choice = Choice("C").when(jsonata("$states.input.x > 1"), Succeed("Yes"), assign={"hit": True}).otherwise(
        Succeed("No"))
    out = StateMachine("t", start=choice, query_language=JSONATA).to_asl()["States"]["C"]
    assert out["Choices"] == [{"Condition": "{% $states.input.x > 1 %}", "Next": "Yes", "Assign": {"hit": True}}]


def test_parallel_branches() -> None:
    out = states_of(Parallel("P", branches=[Pass("A"), Pass("B") >> Pass("C")], result_path="$.both"))["P"]
    assert out["Branches"] == [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Pass", "End": True}}}]
    assert out["ResultPath"] == "$.both"


def test_inline_map() -> None:
    out = states_of(Map("M", items_path="$.items", item_selector={"v.$": "$$.Map.Item.Value"},
                        item_processor=Pass("Each"), max_concurrency=2))["M"]
    assert out == {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"},
                   "ItemProcessor": {"StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": True}}},
                   "MaxConcurrency": 2, "End": True}


def test_distributed_map_fields() -> None:
    out = states_of(Map("M", mode="DISTRIBUTED", execution_type="STANDARD", item_processor=Pass("Each"),
                        item_reader={"Resource": "arn:aws:states:::s3:listObjectsV2",
                                     "Parameters": {"Bucket": "b"}},
                        item_batcher={"MaxItemsPerBatch": 10}, result_writer={"Resource": "arn:aws:states:::s3:putObject",
                                                                              "Parameters": {"Bucket": "b"}},
                        max_concurrency=5, tolerated_failure_percentage=10, tolerated_failure_count=2,
                        label="Tenants"))["M"]
    assert out["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert list(out) == ["Type", "ItemReader", "ItemBatcher", "ItemProcessor", "ResultWriter", "MaxConcurrency",
                         "ToleratedFailurePercentage", "ToleratedFailureCount", "Label", "End"]
    with pytest.raises(BuildError, match="execution_type"):
        Map("M", mode="DISTRIBUTED", item_processor=Pass("Each"))


def test_states_are_immutable_and_copy_their_inputs() -> None:
    params = {"a": 1}
    state = Pass("P", parameters=params)
    params["a"] = 2
    assert state.parameters == {"a": 1}
    with pytest.raises(Exception):
        state.name = "Q"  # type: ignore[misc]


def test_machine_header_order_and_canonical_text() -> None:
    machine = StateMachine("t", start=Pass("P"), comment="c", query_language=JSONATA, timeout_seconds=60)
    assert list(machine.to_asl()) == ["Comment", "QueryLanguage", "StartAt", "TimeoutSeconds", "States"]
    text = machine.to_json()
    assert text.endswith("}\n") and text.startswith('{\n  "Comment": "c",\n')


def test_machine_name_and_type_checked() -> None:
    with pytest.raises(BuildError, match="kebab-case"):
        StateMachine("Not_Kebab", start=Pass("P"))
    with pytest.raises(BuildError, match="EXPRESS or STANDARD"):
        StateMachine("ok", start=Pass("P"), type="FAST")


def test_placeholders_substitute_local_defaults() -> None:
    task = Task.dynamodb("getItem", "Get", parameters={"TableName": "${AppTable}", "Key": {}})
    machine = StateMachine("t", start=task, placeholders={"AppTable": "app-table"})
    assert machine.used_placeholders() == {"AppTable"}
    assert '"TableName": "app-table"' in machine.substituted()
    assert '"TableName": "prod"' in machine.substituted({"AppTable": "prod"})
