"""Variables: ``Assign`` and ``$name`` references, as AWS documents them.

AWS: "Passing data between states with variables"
(https://docs.aws.amazon.com/step-functions/latest/dg/workflow-variables.html): a state stores values
with ``Assign`` and any later state reads them as ``$name`` (JSONPath: a path starting ``$name``;
JSONata: ``$name`` in an expression); the expressions of one ``Assign`` all see the variables as
they were when the state was entered (assignment is simultaneous: two variables can be swapped); the states inside a Map or Parallel see the variables of the outer scope; a
Catcher's ``Assign`` reads the error as ``$states.errorOutput``.
"""

from __future__ import annotations

from workflows.local.engine import LocalEngine

from tests.conformance._run import execute


def test_jsonpath_assign_is_read_by_a_later_state(local_engine: LocalEngine) -> None:
    machine = {"StartAt": "Store", "States": {
        "Store": {"Type": "Pass", "Assign": {"user.$": "$.user", "count": 3}, "Next": "Read"},
        "Read": {"Type": "Pass", "Parameters": {"who.$": "$user.name", "n.$": "$count"}, "End": True}}}
    result = execute(local_engine, machine, {"user": {"name": "ann"}})
    assert (result.status, result.output) == ("SUCCEEDED", {"who": "ann", "n": 3})


def test_jsonata_assign_is_simultaneous_two_variables_swap(local_engine: LocalEngine) -> None:
    machine = {"QueryLanguage": "JSONata", "StartAt": "First", "States": {
        "First": {"Type": "Pass", "Assign": {"x": 1, "y": 2}, "Next": "Swap"},
        "Swap": {"Type": "Pass", "Assign": {"x": "{% $y %}", "y": "{% $x %}"}, "Next": "After"},
        "After": {"Type": "Pass", "Output": "{% {'x': $x, 'y': $y} %}", "End": True}}}
    result = execute(local_engine, machine, {})
    assert (result.status, result.output) == ("SUCCEEDED", {"x": 2, "y": 1})


def test_map_iterations_read_the_outer_variables(local_engine: LocalEngine) -> None:
    machine = {"QueryLanguage": "JSONata", "StartAt": "Prefix", "States": {
        "Prefix": {"Type": "Pass", "Assign": {"prefix": "item-"}, "Next": "Each"},
        "Each": {"Type": "Map", "Items": "{% $states.input.ids %}", "ItemProcessor": {
            "StartAt": "Name", "States": {"Name": {"Type": "Pass", "Output": "{% $prefix & $states.input %}", "End": True}}},
            "End": True}}}
    result = execute(local_engine, machine, {"ids": ["a", "b"]})
    assert (result.status, result.output) == ("SUCCEEDED", ["item-a", "item-b"])


def test_catcher_assign_reads_the_error_output(local_engine: LocalEngine) -> None:
    machine = {"QueryLanguage": "JSONata", "StartAt": "Boom", "States": {
        "Boom": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                 "Arguments": {"TableName": "no-such-table", "Key": {"pk": {"S": "x"}}},
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"failure": "{% $states.errorOutput.Error %}"},
                            "Next": "Report"}], "End": True},
        "Report": {"Type": "Pass", "Output": "{% $failure %}", "End": True}}}
    result = execute(local_engine, machine, {})
    assert (result.status, result.output) == ("SUCCEEDED", "DynamoDB.ResourceNotFoundException")
