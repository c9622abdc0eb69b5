"""JSONata numbers are doubles: whole numbers beyond 2**53 leave the engine as floats, as on AWS."""

from __future__ import annotations

import json

import pytest

from workflows.local.adaptations.jsonata import MAX_SAFE_INTEGER, make_evaluator
from workflows.local.engine import LocalEngine


class QueryError(Exception):
    def __init__(self, error: str, details: str) -> None:
        super().__init__(error, details)
        self.details = details


evaluate = make_evaluator(QueryError)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1.5e125", 1.5e125),
        ("-1.5e125", -1.5e125),
        ("3000000000 * 3000000000", 9e18),
        ("9007199254740992 + 2", 9007199254740994.0),
        ("$parse('123456789012345678901234567890')", 1.2345678901234568e29),
        ("[1e300, 2]", [1e300, 2]),
    ],
)
def test_whole_numbers_beyond_2_53_are_floats(expression: str, expected: object) -> None:
    result = evaluate(expression)
    assert result == expected
    values = result if isinstance(result, list) else [result]
    assert all(type(v) is float for v in values if abs(v) > MAX_SAFE_INTEGER)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("9007199254740992", 2**53),
        ("-9007199254740992", -(2**53)),
        ("9007199254740991", 2**53 - 1),
        ("6 / 2", 3),
        ("0", 0),
    ],
)
def test_integers_within_2_53_stay_ints(expression: str, expected: int) -> None:
    result = evaluate(expression)
    assert result == expected and type(result) is int


def test_fractions_stay_floats() -> None:
    assert evaluate("2.5") == 2.5 and type(evaluate("1e-7")) is float


def test_number_beyond_double_range_is_an_error() -> None:
    with pytest.raises(QueryError) as info:
        evaluate("$parse('1" + "0" * 400 + "')")
    assert "a whole number beyond the range of a double" in info.value.details


def test_execution_output_prints_big_numbers_as_aws_does(local_engine: LocalEngine) -> None:
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "N",
        "States": {"N": {"Type": "Pass", "Output": "{% {'big': 1.5e125, 'safe': 9007199254740992, 'neg': -1e20} %}", "End": True}},
    }
    arn = local_engine.create_state_machine("numbers", machine, type="EXPRESS")
    raw = local_engine.client("stepfunctions").start_sync_execution(stateMachineArn=arn)["output"]
    assert "1.5e+125" in raw and "9007199254740992" in raw
    assert json.loads(raw) == {"big": 1.5e125, "safe": 2**53, "neg": -1e20}
    assert len(raw) < 80  # not a 126-digit integer
