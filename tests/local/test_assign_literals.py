"""Assign string literals are unescaped like other ASL strings."""

from workflows.local.engine import LocalEngine


def test_escaped_quote_in_assign_literal(local_engine: LocalEngine) -> None:
    machine = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"q": 'a"b\\c', "plain": "abc"}, "Next": "B"},
            "B": {"Type": "Pass", "Parameters": {"q.$": "$q", "plain.$": "$plain"}, "End": True},
        },
    }
    local_engine.create_state_machine("lit", machine)
    assert local_engine.run("lit").output == {"q": 'a"b\\c', "plain": "abc"}


def test_jsonata_expression_in_assign_is_still_evaluated(local_engine: LocalEngine) -> None:
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Assign": {"x": "{% 'c\"d' & '!' %}"}, "Next": "B"},
            "B": {"Type": "Pass", "Output": "{% $x %}", "End": True},
        },
    }
    local_engine.create_state_machine("expr", machine)
    assert local_engine.run("expr").output == 'c"d!'
