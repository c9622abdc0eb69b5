"""Intrinsic functions, with the examples of AWS's documentation.

https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html and
https://states-language.net/spec.html#appendix-b
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conformance._run import execute, pass_state
from workflows.local.engine import LocalEngine

INPUT = {
    "inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9],
    "repeated": [1, 2, 3, 3, 3, 3, 3, 3, 4],
    "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
    "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
    "someJson": {"random": "abcdefg"},
    "name": "Arnav",
}


@pytest.mark.parametrize("call,expected", [
    ("States.Array('Foo', 2020, $.someJson, null)", ["Foo", 2020, {"random": "abcdefg"}, None]),
    ("States.ArrayPartition($.inputArray, 4)", [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
    ("States.ArrayContains($.inputArray, 5)", True),
    ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
    ("States.ArrayGetItem($.inputArray, 5)", 6),
    ("States.ArrayLength($.inputArray)", 9),
    ("States.ArrayUnique($.repeated)", [1, 2, 3, 4]),
    ("States.Base64Encode('Data to encode')", "RGF0YSB0byBlbmNvZGU="),
    ("States.Base64Decode('RGF0YSB0byBlbmNvZGU=')", "Data to encode"),
    ("States.Hash('input data', 'SHA-1')", "aaff4a450a104cd177d28d18d74485e8cae074b7"),
    ("States.JsonMerge($.json1, $.json2, false)", {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}),
    ("States.StringToJson('{\"number\": 20}')", {"number": 20}),
    ("States.JsonToString($.someJson)", '{"random":"abcdefg"}'),
    ("States.MathAdd(111, -1)", 110),
    ("States.StringSplit('1,2,3,4,5', ',')", ["1", "2", "3", "4", "5"]),
    ("States.StringSplit('This.is+a,test=string', '.+,=')", ["This", "is", "a", "test", "string"]),
    ("States.Format('Hello, my name is {}.', $.name)", "Hello, my name is Arnav."),
], ids=lambda value: value if isinstance(value, str) and value.startswith("States.") else "")
def test_documented_examples(local_engine: LocalEngine, call: str, expected: Any) -> None:
    """Each intrinsic returns what AWS's documentation shows for its example.
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
    """
    result = execute(local_engine, pass_state(Parameters={"out.$": call}), INPUT)
    assert result.ok(), result.cause
    assert result.output["out"] == expected


def test_math_random_stays_in_range(local_engine: LocalEngine) -> None:
    """``States.MathRandom(start, end)`` returns an integer from start (included) to end (excluded).
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-math-operation
    """
    result = execute(local_engine, pass_state(Parameters={"out.$": "States.MathRandom(1, 999)"}))
    assert result.ok(), result.cause
    assert isinstance(result.output["out"], int) and 1 <= result.output["out"] < 999


def test_uuid_is_a_version_4_uuid(local_engine: LocalEngine) -> None:
    """``States.UUID()`` returns a version 4 UUID.
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#asl-intrsc-func-uuid-generate
    """
    result = execute(local_engine, pass_state(Parameters={"out.$": "States.UUID()"}))
    assert result.ok(), result.cause
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", result.output["out"])


def test_format_escapes_braces_and_quotes(local_engine: LocalEngine) -> None:
    """In an intrinsic's string literal, ``\\{``, ``\\}`` and ``\\'`` are literal characters.
    https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html#amazon-states-language-intrinsic-functions-escapes
    """
    call = "States.Format('{} \\{literal\\} it\\'s', $.name)"
    result = execute(local_engine, pass_state(Parameters={"out.$": call}), INPUT)
    assert result.ok(), result.cause
    assert result.output["out"] == "Arnav {literal} it's"


def test_array_get_item_out_of_range_is_an_intrinsic_failure(local_engine: LocalEngine) -> None:
    """An index past the end fails the state with States.IntrinsicFailure... or States.Runtime;
    either way the execution fails rather than returning a value.
    https://states-language.net/spec.html#appendix-a
    """
    result = execute(local_engine, pass_state(Parameters={"out.$": "States.ArrayGetItem($.inputArray, 20)"}), INPUT)
    assert result.status == "FAILED"
