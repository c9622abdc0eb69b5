"""JSONata evaluated inside moto's interpreter (jlens, jsonata-python deciding errors and null results)."""

import json
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


class _Err(Exception):
    def __init__(self, error: str, details: str) -> None:
        super().__init__(error, details)
        self.details = details


def test_errors_keep_jsonata_pythons_words() -> None:
    """jlens words some errors differently (``"+"``): jsonata-python decides every failure."""
    evaluate = make_evaluator(_Err)
    with pytest.raises(_Err) as caught:
        evaluate('(1 + "a")')
    assert caught.value.details == "T2002: The right side of the + operator must evaluate to a number"


def test_null_and_undefined_results_stay_apart() -> None:
    evaluate = make_evaluator(_Err)
    assert evaluate("(null)") is None
    assert evaluate("$exists((null))") is True
    assert evaluate("$exists(($x.y))") is False


def test_type_check_of_the_last_result_is_answered_without_evaluating_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto evaluates ``$type(<text>)`` after a string result; the engine answers from the result."""
    from workflows.local.adaptations import jsonata as adaptation

    evaluate = make_evaluator(_Err)
    text = "($uuid())"
    value = evaluate(text)
    compiled: list[str] = []
    monkeypatch.setattr(adaptation, "_compile", lambda e: compiled.append(e) or adaptation.jlens.Expression(e))
    assert evaluate(f"$type({text})") == "string"
    assert compiled == []
    assert evaluate(f"$type(({value!r}))") == "string" and compiled  # another text is evaluated
    assert evaluate("$type(($uuid()))") == "string"  # after another expression: evaluated again


def test_old_and_new_evaluators_agree_on_the_unmarshaller() -> None:
    from workflows.patterns.dynamodb_json import unmarshal_list_expr

    items = [{"id": {"S": "n1"}, "n": {"N": "1.5E+125"}, "m": {"N": "3"}}]
    text = f'($states:={{"result":{{"Items":{json.dumps(items)}}}}};{unmarshal_list_expr("$states.result.Items")})'
    assert make_evaluator(_Err)(text) == make_evaluator(_Err, fast=False)(text) == [
        {"id": "n1", "n": "1.5E+125", "m": 3}]
