"""Step Functions' own JSONata functions ($partition, $range, $hash, $random, $uuid, $parse)."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

import pytest

from workflows.local.adaptations import jsonata_functions
from workflows.local.adaptations.jsonata import make_evaluator
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError


class QueryError(Exception):
    """Stands in for moto's JSONataException (same constructor)."""

    def __init__(self, error: str, details: str) -> None:
        super().__init__(error, details)
        self.details = details


evaluate = make_evaluator(QueryError)


def fails(expression: str, *fragments: str) -> None:
    with pytest.raises(QueryError) as info:
        evaluate(expression)
    for fragment in fragments:
        assert fragment in info.value.details, info.value.details


# -- $partition ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$partition([1, 2, 3, 4, 5, 6, 7, 8, 9], 3)", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ("$partition([1, 2, 3, 4, 5], 2)", [[1, 2], [3, 4], [5]]),
        ("$partition([1, 2], 5)", [[1, 2]]),
        ("$partition([], 2)", []),
        ("$partition([{'a': 1}, 'x', [true]], 1)", [[{"a": 1}], ["x"], [[True]]]),
        ("$partition([1, 2, 3], 2)[1]", [3]),
    ],
)
def test_partition(expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("$partition([1, 2], 0)", "positive integer, got 0"),
        ("$partition([1, 2], -1)", "positive integer, got -1"),
        ("$partition([1, 2], 1.5)", "chunk size must be an integer, got number 1.5"),
        ("$partition('abc', 1)", "first argument must be an array, got string 'abc'"),
        ("$partition([1, 2])", "takes 2 argument(s), got 1"),
    ],
)
def test_partition_rejects(expression: str, fragment: str) -> None:
    fails(expression, "$partition", fragment)


# -- $range -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$range(0, 10, 2)", [0, 2, 4, 6, 8, 10]),
        ("$range(1, 10, 3)", [1, 4, 7, 10]),
        ("$range(0, 9, 4)", [0, 4, 8]),
        ("$range(10, 0, -3)", [10, 7, 4, 1]),
        ("$range(5, 5, 1)", 5),  # a one-number sequence is that number (AWS: $range(1, 9, 9) is 1)
        ("$range(0, 10, -1)", []),
        ("$range(10, 0, 1)", []),
        ("$range(0, 4/2, 1)", [0, 1, 2]),
    ],
)
def test_range(expression: str, expected: list[int]) -> None:
    assert evaluate(expression) == expected


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("$range(0, 10, 0)", "step must not be 0"),
        ("$range(0, 1.5, 1)", "end must be an integer, got number 1.5"),
        ("$range('0', 3, 1)", "start must be an integer, got string '0'"),
        ("$range(0, 3)", "takes 3 argument(s), got 2"),
        ("$range(0, 1e12, 1)", "more than the limit of 10000000"),
    ],
)
def test_range_rejects(expression: str, fragment: str) -> None:
    fails(expression, "$range", fragment)


# -- $hash --------------------------------------------------------------------------------------
def test_hash_matches_the_documented_states_hash_example() -> None:
    # AWS's States.Hash example: "input data" with SHA-1.
    assert evaluate("$hash('input data', 'SHA-1')") == "aaff4a450a104cd177d28d18d74485e8cae074b7"


@pytest.mark.parametrize(
    ("algorithm", "hashlib_name"),
    [("MD5", "md5"), ("SHA-1", "sha1"), ("SHA-256", "sha256"), ("SHA-384", "sha384"), ("SHA-512", "sha512")],
)
def test_hash_every_algorithm_against_hashlib(algorithm: str, hashlib_name: str) -> None:
    text = "tenant#42 – ünïcode ✓"
    assert evaluate(f"$hash('{text}', '{algorithm}')") == hashlib.new(hashlib_name, text.encode()).hexdigest()


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("$hash('x', 'SHA-999')", "unknown algorithm string 'SHA-999'; expected one of MD5, SHA-1, SHA-256"),
        ("$hash('x', 'sha256')", "unknown algorithm string 'sha256'"),
        ("$hash('x', 256)", "unknown algorithm number 256"),
        ("$hash(42, 'MD5')", "value to hash must be a string, got number 42"),
        ("$hash({'a': 1}, 'MD5')", "value to hash must be a string, got an object"),
        ("$hash('x')", "takes 2 argument(s), got 1"),
    ],
)
def test_hash_rejects(expression: str, fragment: str) -> None:
    fails(expression, "$hash", fragment)


# -- $random ------------------------------------------------------------------------------------
def test_random_without_seed_is_in_unit_interval_and_varies() -> None:
    values = {evaluate("$random()") for _ in range(20)}
    assert all(isinstance(v, float) and 0 <= v < 1 for v in values)
    assert len(values) > 1


def test_random_with_seed_repeats() -> None:
    first = evaluate("$random(42)")
    assert 0 <= first < 1
    assert evaluate("$random(42)") == first
    assert evaluate("$random(43)") != first


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("$random('seed')", "the seed must be an integer, got string 'seed'"),
        ("$random(1.5)", "the seed must be an integer, got number 1.5"),
        ("$random(1, 2)", "takes 0 to 1 argument(s), got 2"),
    ],
)
def test_random_rejects(expression: str, fragment: str) -> None:
    fails(expression, "$random", fragment)


# -- $uuid --------------------------------------------------------------------------------------
def test_uuid_is_a_fresh_version_4_uuid() -> None:
    first, second = evaluate("$uuid()"), evaluate("$uuid()")
    assert uuid.UUID(first).version == 4 and str(uuid.UUID(first)) == first
    assert first != second


def test_uuid_takes_no_argument() -> None:
    fails("$uuid('x')", "$uuid", "takes 0 argument(s), got 1")


# -- $parse -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    ['{"a": [1, 2.5, null, true], "b": {"c": "d"}}', "[]", '"s"', "3", "null", '{"q": "say \\"hi\\" \\u00e9"}'],
)
def test_parse_matches_json_loads(text: str) -> None:
    literal = text.replace("\\", "\\\\")  # a JSONata string literal of the text (none holds a ')
    assert evaluate(f"$parse('{literal}')") == json.loads(text)


def test_parse_result_can_be_navigated() -> None:
    assert evaluate("$parse('{\"tenant\": {\"id\": \"t1\"}}').tenant.id") == "t1"


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("$parse('{a: 1}')", "not valid JSON"),
        ("$parse('1 + 1')", "not valid JSON"),  # moto's $eval-based version returned 2
        ("$parse('NaN')", "NaN is not valid JSON"),
        ("$parse(5)", "must be a JSON string, got number 5"),
    ],
)
def test_parse_rejects(expression: str, fragment: str) -> None:
    fails(expression, "$parse", fragment)


def test_standard_functions_stay_available() -> None:
    assert evaluate("$sum($range(1, 4, 1)) & '-' & $uppercase('x')") == "10-X"


# -- inside the engine ----------------------------------------------------------------------------
def _machine(output: str, catch: bool = False) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Pass", "Output": output, "End": True}
    states: dict[str, Any] = {"Use": state}
    if catch:
        state.pop("Output")
        state["Type"] = "Task"
        state["Resource"] = "arn:aws:states:::aws-sdk:s3:createBucket"
        state["Arguments"] = {"Bucket": output}
        state["Catch"] = [{"ErrorEquals": ["States.QueryEvaluationError"], "Output": "{% $states.errorOutput %}", "Next": "Caught"}]
        states["Caught"] = {"Type": "Pass", "End": True}
    return {"QueryLanguage": "JSONata", "StartAt": "Use", "States": states}


def test_functions_in_a_state_machine(local_engine: LocalEngine) -> None:
    output = (
        "{% {'chunks': $partition($states.input.ids, 2), 'evens': $range(0, 6, 2),"
        " 'digest': $hash($states.input.ids[0], 'SHA-256'), 'id': $uuid(), 'r': $random(7),"
        " 'doc': $parse($states.input.json)} %}"
    )
    local_engine.create_state_machine("fns", _machine(output))
    result = local_engine.run("fns", {"ids": ["a", "b", "c"], "json": '{"n": 1}'})
    assert result.ok(), result.cause
    out = result.output
    assert out["chunks"] == [["a", "b"], ["c"]] and out["evens"] == [0, 2, 4, 6]
    assert out["digest"] == hashlib.sha256(b"a").hexdigest()
    assert uuid.UUID(out["id"]).version == 4
    assert out["r"] == evaluate("$random(7)")
    assert out["doc"] == {"n": 1}


def test_unknown_hash_algorithm_is_a_catchable_query_evaluation_error(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("badhash", _machine("{% $hash('x', 'SHA-3') %}", catch=True))
    result = local_engine.run("badhash")
    assert result.ok(), result.cause
    assert result.state_names == ("Use", "Caught")
    assert result.output["Error"] == "States.QueryEvaluationError"
    assert "$hash: unknown algorithm string 'SHA-3'" in result.output["Cause"]


def test_uncaught_function_error_fails_the_execution(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("badrange", _machine("{% $range(0, 3, 0) %}"))
    result = local_engine.run("badrange")
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")
    assert "$range: step must not be 0" in (result.cause or "")


def test_moto_seeded_random_is_not_an_aws_function(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("seeded", _machine("{% $randomSeeded(1) %}"))
    result = local_engine.run("seeded")
    assert (result.status, result.error) == ("FAILED", "States.QueryEvaluationError")


# -- the adaptation itself ----------------------------------------------------------------------
def test_install_drops_moto_declarations() -> None:
    from moto.stepfunctions.parser.asl.component.intrinsic import jsonata as moto_functions

    jsonata_functions.install()
    jsonata_functions.install()  # idempotent
    for name in ("$partition", "$range", "$hash", "$uuid", "$parse", "$randomSeeded"):
        assert name not in moto_functions._DECLARATION_BY_VARIABLE_REFERENCE
    assert moto_functions.get_intrinsic_functions_declarations({"$hash", "$uuid"}) == ""


def test_moved_moto_internal_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.component.intrinsic import jsonata as moto_functions

    monkeypatch.delattr(moto_functions, "_DECLARATION_BY_VARIABLE_REFERENCE")
    with pytest.raises(EngineAdaptationError) as info:
        jsonata_functions.install()
    assert info.value.adaptation == "jsonata_functions"
    assert "_DECLARATION_BY_VARIABLE_REFERENCE" in str(info.value)


@pytest.mark.parametrize("expression", ["$hash(null, 'MD5')", "$hash($missing, 'MD5')"])
def test_null_or_undefined_value_is_named(expression: str) -> None:
    fails(expression, "$hash", "must be a string, got null/undefined")
