"""JSONata in Step Functions: results and error messages as AWS gives them.

https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html and
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
(States.QueryEvaluationError: "the JSONata expression ... could not be evaluated").
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conformance._run import execute
from workflows.local.engine import LocalEngine


def _jsonata(states: dict[str, Any], start: str = "S") -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start, "States": states}


def _output(expression: Any) -> dict[str, Any]:
    return _jsonata({"S": {"Type": "Pass", "Output": expression, "End": True}})


@pytest.mark.parametrize("expression,expected", [
    ("{% $range(1, 9, 9) %}", 1),
    ("{% $range(1, 3, 1) %}", [1, 2, 3]),
    ("{% $count($range(1, 9, 9)) %}", 1),
])
def test_range_single_number_is_that_number(local_engine: LocalEngine, expression: str, expected: Any) -> None:
    """``$range`` yields a JSONata sequence, and a sequence of one value is that value:
    ``$range(1, 9, 9)`` is ``1``.
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html (JSONata functions)
    """
    result = execute(local_engine, _output(expression))
    assert result.ok(), result.cause
    assert result.output == expected


@pytest.mark.parametrize("states,cause", [
    ({"S": {"Type": "Pass", "Output": "{% $doesNotExist %}", "End": True}},
     "The JSONata expression '$doesNotExist' specified for the field 'Output' returned nothing (undefined)."),
    ({"S": {"Type": "Pass", "Output": {"result": "{% $doesNotExist %}"}, "End": True}},
     "The JSONata expression '$doesNotExist' specified for the field 'Output/result' returned nothing (undefined)."),
    ({"S": {"Type": "Pass", "Assign": {"result": "{% $doesNotExist %}"}, "End": True}},
     "The JSONata expression '$doesNotExist' specified for the field 'Assign/result' returned nothing (undefined)."),
    ({"S": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets",
            "Arguments": "{% $doesNotExist %}", "End": True}},
     "The JSONata expression '$doesNotExist' specified for the field 'Arguments' returned nothing (undefined)."),
    ({"S": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listObjectsV2",
            "Arguments": {"Bucket": "{% $doesNotExist %}"}, "End": True}},
     "The JSONata expression '$doesNotExist' specified for the field 'Arguments/Bucket' returned nothing (undefined)."),
], ids=["Output", "Output/result", "Assign/result", "Arguments", "Arguments/Bucket"])
def test_undefined_result_names_the_field(local_engine: LocalEngine, states: dict[str, Any], cause: str) -> None:
    """An expression that yields nothing fails with States.QueryEvaluationError; the cause names
    the field holding it (AWS, recorded: "... specified for the field 'Output/result' returned
    nothing (undefined).").
    https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
    """
    result = execute(local_engine, _jsonata(states))
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause == f"An error occurred while executing the state 'S' (entered at the event id #2). {cause}"


def test_evaluation_error_names_field_and_jsonata_code(local_engine: LocalEngine) -> None:
    """A JSONata runtime error carries the field and JSONata's error code (AWS, recorded:
    "... specified for the field 'Output/FunctionResult' threw an error during evaluation.
    T1006: Attempted to invoke a non-function").
    https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
    """
    result = execute(local_engine, _output({"FunctionResult": "{% $notAFunction(1) %}"}))
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause.endswith(
        "The JSONata expression '$notAFunction(1)' specified for the field 'Output/FunctionResult' threw an "
        "error during evaluation. T1006: Attempted to invoke a non-function")


@pytest.mark.parametrize("timestamp", ["2016-12-05 21:29:29Z", "2016-12-05T21:29:29", "05-12-2016T21:29:29Z"])
def test_invalid_jsonata_wait_timestamp_is_query_evaluation_error(local_engine: LocalEngine, timestamp: str) -> None:
    """A JSONata ``Timestamp`` that is not an ISO-8601 date-time fails with
    States.QueryEvaluationError (AWS, recorded: "The Timestamp field cannot be parsed as an ISO-8601
    extended offset date-time format string: 2016-12-05T21:29:29").
    https://docs.aws.amazon.com/step-functions/latest/dg/state-wait.html
    """
    definition = _jsonata({"S": {"Type": "Wait", "Timestamp": "{% $states.input.t %}", "End": True}})
    result = execute(local_engine, definition, {"t": timestamp})
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause.endswith(
        f"The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {timestamp}")
    assert any(e["type"] == "EvaluationFailed" for e in result.history)


@pytest.mark.parametrize("items,shown", [
    (1, "1"), ("string", '"string"'), (True, "true"), ({"foo": "bar"}, '{"foo":"bar"}'), (None, "null"),
], ids=["number", "string", "boolean", "object", "null"])
def test_map_over_a_non_array_shows_the_json_value(local_engine: LocalEngine, items: Any, shown: str) -> None:
    """A Map whose input is not an array fails with States.QueryEvaluationError and shows the value as
    JSON (AWS, recorded: "Map state input must be an array but was: {"foo":"bar"}").
    https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html
    """
    definition = _jsonata({
        "Start": {"Type": "Pass", "Output": "{% $states.input.items %}", "Next": "Map"},
        "Map": {"Type": "Map", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "P",
                                                 "States": {"P": {"Type": "Pass", "End": True}}}, "End": True},
    }, start="Start")
    result = execute(local_engine, definition, {"items": items})
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause.endswith(f"Map state input must be an array but was: {shown}")


@pytest.mark.parametrize("items,described", [
    ("1", "'number' for value: 1"), ("'string'", "'string' for value: \"string\""),
    ("true", "'boolean' for value: true"), ("null", "'null' for value: null"),
])
def test_map_items_expression_of_the_wrong_type(local_engine: LocalEngine, items: str, described: str) -> None:
    """A Map ``Items`` expression must give an array (AWS, recorded: "The JSONata expression '1'
    specified for the field 'Items' returned an unexpected result type. Expected 'array', but was
    'number' for value: 1").
    https://docs.aws.amazon.com/step-functions/latest/dg/state-map.html
    """
    definition = _jsonata({"S": {"Type": "Map", "Items": f"{{% {items} %}}", "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}},
        "End": True}})
    result = execute(local_engine, definition)
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert result.cause.endswith(f"The JSONata expression '{items}' specified for the field 'Items' returned an "
                                 f"unexpected result type. Expected 'array', but was {described}")
