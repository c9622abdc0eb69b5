"""JSONata evaluated by jsonata-python inside moto's interpreter."""

from typing import Any

import pytest

from workflows.local.adaptations.jsonata import make_evaluator
from workflows.local.engine import LocalEngine


def jsonata_machine(states: dict[str, Any], start: str) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start, "States": states}


def test_recursive_function_assign_output_and_context(local_engine: LocalEngine) -> None:
    machine = jsonata_machine(
        {
            "Init": {"Type": "Pass", "Assign": {"n": "{% $states.input.n %}", "quote": 'say "hi"'}, "Next": "Fact"},
            "Fact": {
                "Type": "Pass",
                "Output": "{% ($f := function($x){ $x <= 1 ? 1 : $x * $f($x - 1) }; "
                "{'fact': $f($n), 'quote': $quote, 'name': $states.context.Execution.Name}) %}",
                "End": True,
            },
        },
        "Init",
    )
    local_engine.create_state_machine("fact", machine)
    result = local_engine.run("fact", {"n": 6}, name="exec-1")
    assert result.ok(), result.cause
    assert result.output == {"fact": 720, "quote": 'say "hi"', "name": "exec-1"}


def test_values_come_back_as_json_types(local_engine: LocalEngine) -> None:
    machine = jsonata_machine(
        {"V": {"Type": "Pass", "Output": "{% {'i': 6/2, 'f': 2.5, 'b': true, 'n': null, 'a': [1, [2]], 'o': {'x': {'y': 'z'}}} %}", "End": True}},
        "V",
    )
    local_engine.create_state_machine("values", machine)
    output = local_engine.run("values").output
    assert output == {"i": 3, "f": 2.5, "b": True, "n": None, "a": [1, [2]], "o": {"x": {"y": "z"}}}
    assert type(output["i"]) is int and type(output["a"]) is list


def test_task_arguments_and_states_result(local_engine: LocalEngine) -> None:
    machine = jsonata_machine(
        {
            "Put": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:createBucket",
                "Arguments": {"Bucket": "{% $states.input.bucket %}"},
                "Output": "{% {'location': $states.result.Location, 'in': $states.input.bucket} %}",
                "End": True,
            }
        },
        "Put",
    )
    local_engine.create_state_machine("bucket", machine)
    result = local_engine.run("bucket", {"bucket": "tenant-a"})
    assert result.ok(), result.cause
    assert result.output == {"location": "/tenant-a", "in": "tenant-a"}
    assert local_engine.client("s3").head_bucket(Bucket="tenant-a")["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_variables_read_in_jsonpath_state(local_engine: LocalEngine) -> None:
    machine = {
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"tenant.$": "$.t"}, "Next": "Read"},
            "Read": {"Type": "Pass", "Parameters": {"who.$": "$tenant"}, "End": True},
        },
    }
    local_engine.create_state_machine("vars", machine)
    assert local_engine.run("vars", {"t": "acme"}).output == {"who": "acme"}


def test_per_state_query_language_in_a_map(local_engine: LocalEngine) -> None:
    machine = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "QueryLanguage": "JSONata",
                "Items": "{% $states.input.values %}",
                "ItemProcessor": {
                    "StartAt": "Double",
                    "States": {"Double": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input * 2 %}", "End": True}},
                },
                "End": True,
            }
        },
    }
    local_engine.create_state_machine("map", machine)
    result = local_engine.run("map", {"values": [1, 2, 3]})
    assert result.ok(), result.cause
    assert result.output == [2, 4, 6]


def test_evaluation_error_is_states_query_evaluation_error_and_catchable(local_engine: LocalEngine) -> None:
    machine = jsonata_machine(
        {
            "Bad": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:createBucket",
                "Arguments": {"Bucket": "{% 1 + 'a' %}"},
                "Catch": [{"ErrorEquals": ["States.QueryEvaluationError"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Output": "{% $states.input %}", "End": True},
        },
        "Bad",
    )
    local_engine.create_state_machine("bad", machine)
    result = local_engine.run("bad", {"x": 1})
    assert result.ok(), result.cause
    assert result.state_names == ("Bad", "Caught")


def test_uncaught_evaluation_error_fails_execution(local_engine: LocalEngine) -> None:
    machine = jsonata_machine({"Bad": {"Type": "Pass", "Output": "{% $undefinedFn(1) %}", "End": True}}, "Bad")
    local_engine.create_state_machine("bad2", machine)
    result = local_engine.run("bad2")
    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"


def test_evaluator_rejects_functions_as_results() -> None:
    class Err(Exception):
        def __init__(self, error: str, details: str) -> None:
            super().__init__(error, details)

    evaluate = make_evaluator(Err)
    assert evaluate("[1..3]") == [1, 2, 3]
    with pytest.raises(Err, match="unsupported result type"):
        evaluate("function($x){$x}")
