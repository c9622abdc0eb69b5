"""jlens (the engine's JSONata evaluator) against jsonata-python on the same expressions and inputs.

The engine evaluates with jlens and lets jsonata-python decide errors and null results (see
``workflows.local.adaptations.jsonata``). This differential test fails loudly when the two engines
diverge on the corpus that matters: the project's DynamoDB unmarshaller (on every DynamoDB type,
the number edge cases and malformed input), every JSONata expression of the golden machines in
asl/*.asl.json (each under several ``$states``), AWS's added functions, numbers, variables and
recursion. Each expression is composed as moto composes it: ``(<declarations><expression>)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import jlens
import jsonata
import pytest

from tests.patterns.test_dynamodb_json import SPECIAL_NUMBERS
from workflows.local.adaptations import jsonata as adaptation
from workflows.local.adaptations import jsonata_functions
from workflows.patterns.dynamodb_json import unmarshal_expr, unmarshal_list_expr

ROOT = Path(__file__).resolve().parents[2]


class QueryError(Exception):
    def __init__(self, error: str, details: str) -> None:
        super().__init__(error, details)
        self.details = details


def compose(expression: str, states: dict[str, Any] | None = None, **variables: Any) -> str:
    declarations = "" if states is None else f"$states:={json.dumps(states, separators=(',', ':'))};"
    declarations += "".join(f"${name}:={json.dumps(value)};" for name, value in variables.items())
    return f"({declarations}{expression})"


def outcome_python(text: str) -> tuple[str, Any]:
    try:
        result = jsonata_functions.bind(jsonata.Jsonata(text)).evaluate(None)
    except Exception as exc:  # noqa: BLE001 - any failure is an outcome
        code = getattr(exc, "error", None)
        return ("error", code if isinstance(code, str) and code else None)
    return ("ok", adaptation._to_json(result))


def outcome_jlens(text: str) -> tuple[str, Any]:
    try:
        result = jlens.Expression(text).evaluate(None, jsonata_functions.JLENS_BINDINGS)
    except jlens.JlensError as exc:
        return ("error", exc.code)
    except Exception:  # noqa: BLE001 - a host function's own error (JsonataFunctionError, ...)
        return ("error", None)
    return ("ok", adaptation._to_json(result))


def assert_same(text: str) -> None:
    old, new = outcome_python(text), outcome_jlens(text)
    if old[0] == new[0] == "error" and None in (old[1], new[1]):
        return  # jsonata-python raises Python errors without a JSONata code for some failures
    assert new == old, f"jlens {new} != jsonata-python {old} for {text[:300]}"


# -- the unmarshaller ---------------------------------------------------------------------------
def _attribute_maps() -> Iterator[Any]:
    yield {}
    yield {"s": {"S": "x"}, "e": {"S": ""}, "u": {"S": "é \" \\ \n"}}
    yield {"b": {"BOOL": True}, "f": {"BOOL": False}, "z": {"NULL": True}, "bin": {"B": "AAEC"}}
    yield {"ss": {"SS": ["a", "b"]}, "bs": {"BS": ["AA=="]}, "ns": {"NS": ["1", "2.5", "1E+200"]}}
    yield {"l": {"L": [{"L": [{"N": "1"}]}, {"L": []}, {"M": {}}, {"S": "x"}, {"NULL": True}]}}
    yield {"m": {"M": {"deep": {"M": {"deeper": {"L": [{"M": {"n": {"N": "-0"}}}]}}}}}}
    yield {f"n{i}": {"N": number} for i, number in enumerate(SPECIAL_NUMBERS)}
    yield {"n": {"N": "+5"}, "m": {"N": ".5"}, "o": {"N": "007"}, "p": {"N": "1e-3"}}


MALFORMED = [{"x": {"S": "a", "N": "1"}}, {"x": {"Q": "a"}}, {"x": {"N": "abc"}}, {"x": {"S": 1}},
             {"x": "plain"}, {"x": {"L": "no"}}, {"x": {"N": ""}}]


@pytest.mark.parametrize("item", [*_attribute_maps(), *MALFORMED], ids=lambda i: json.dumps(i)[:40])
def test_unmarshal_item_agrees(item: Any) -> None:
    assert_same(compose(unmarshal_expr("$states.result.Item"), {"result": {"Item": item}}))


@pytest.mark.parametrize("items", [[], list(_attribute_maps()), [{"id": {"S": f"n{i}"}, "n": {"N": str(i)}}
                                                                  for i in range(200)], "no", [1]],
                         ids=["empty", "all-types", "200", "not-a-list", "not-a-map"])
def test_unmarshal_list_agrees(items: Any) -> None:
    assert_same(compose(unmarshal_list_expr("$states.result.Items"), {"result": {"Items": items}}))
    assert_same(compose(unmarshal_list_expr("$states.result.Missing"), {"result": {"Items": items}}))


def test_unmarshal_is_answered_by_jlens_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed comes from jlens: the unmarshaller must never fall back to jsonata-python."""
    def no_fallback(expression: str) -> Any:
        raise AssertionError(f"fell back to jsonata-python for {expression[:80]}")

    monkeypatch.setattr(adaptation, "_evaluate_python", no_fallback)
    evaluate = adaptation.make_evaluator(QueryError)
    text = compose(unmarshal_list_expr("$states.result.Items"), {"result": {"Items": list(_attribute_maps())}})
    result = evaluate(text)
    assert isinstance(result, list) and len(result) == len(list(_attribute_maps()))
    assert evaluate(f"$type({text})") == "array"


# -- every JSONata expression of the golden machines ----------------------------------------------
def _expressions(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if value.startswith("{%") and value.endswith("%}"):
            yield value[2:-2].strip()
    elif isinstance(value, dict):
        for item in value.values():
            yield from _expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _expressions(item)


GOLDEN = sorted({(path.name, expression) for path in sorted((ROOT / "asl").glob("*.asl.json"))
                 for expression in _expressions(json.loads(path.read_text()))})

_ITEM = {"pk": {"S": "t1#User"}, "sk": {"S": "USER#u1"}, "id": {"S": "u1"}, "email": {"S": "a@b.c"},
         "n": {"N": "12.50"}, "big": {"N": "1.5E+125"}, "tags": {"SS": ["a"]}}
STATES = [
    {"input": {}},
    {"input": {"identity": {"resolverContext": {"tenantId": "t1", "tenantRoleArn": "arn:aws:iam::1:role/t"}},
               "arguments": {"id": "u1", "email": "a@b.c", "input": {"id": "u1", "email": "a@b.c", "name": "N"},
                             "limit": 20, "nextToken": None, "first": 5}},
     "result": {"Item": _ITEM, "Items": [_ITEM, _ITEM], "Attributes": _ITEM, "Count": 2,
                "LastEvaluatedKey": {"pk": {"S": "t1#User"}, "sk": {"S": "USER#u1"}}},
     "errorOutput": {"Error": "DynamoDB.ConditionalCheckFailedException", "Cause": "exists"}},
    {"input": {"identity": {"resolverContext": {"tenantId": "", "tenantRoleArn": 1}}, "arguments": {"id": 7},
               "dynamodb": {"NewImage": _ITEM, "OldImage": _ITEM, "Keys": {"pk": {"S": "p"}}}, "eventID": "e1",
               "eventName": "MODIFY", "detail": {"tenantId": "t1", "stackName": "s", "template": {}},
               "page": {"start": 0, "invalid": False}, "results": [{"ok": True}], "summary": {}},
     "result": {"Items": "not a list"}},
]


# Where jsonata-python is wrong and jlens gives the reference's answer (JSONata 2.2.2, the JavaScript
# engine AWS runs, checked with node_modules/jsonata): ``[$map(null, f)]`` is ``[null]`` there and in
# jlens, ``[]`` in jsonata-python. A query result without ``Items`` hits it in these two resolvers.
REFERENCE_OVER_JSONATA_PYTHON = {
    ("appsync-query.asl.json", "empty"): ("ok", {"items": [None], "nextToken": None}),
    ("appsync-export-users.asl.json", "empty"): ("ok", {"items": [None], "nextToken": None}),
}


@pytest.mark.parametrize("states", STATES, ids=["empty", "resolver", "odd"])
@pytest.mark.parametrize(("machine", "expression"), GOLDEN, ids=[f"{m}:{e[:30]}" for m, e in GOLDEN])
def test_golden_machine_expressions_agree(machine: str, expression: str, states: dict[str, Any]) -> None:
    text = compose(expression, states)
    known = REFERENCE_OVER_JSONATA_PYTHON.get((machine, ["empty", "resolver", "odd"][STATES.index(states)]))
    if known is not None and expression.startswith('{"items": [$map('):
        assert outcome_jlens(text) == known
        assert outcome_python(text) != known, "jsonata-python now agrees with the reference: drop the entry"
        return
    assert_same(text)


def test_the_golden_corpus_is_not_empty() -> None:
    assert len(GOLDEN) > 50
    assert any("$ddbUnmarshal" in expression for _, expression in GOLDEN)


# -- language corners the engine relies on --------------------------------------------------------
CORNERS = [
    "1.5e125", "-1.5e125", "3000000000 * 3000000000", "9007199254740992 + 2", "9007199254740993", "1/3",
    "0.1 + 0.2", "6 / 2", "$string(1.5e125)", "$string({'a': 1.0})", "1e308 * 10",
    "$partition([1, 2, 3], 2)", "$partition([], 2)", "$partition([1], 0)", "$range(1, 9, 9)", "$range(0, 10, 3)",
    "$range(5, 1, -2)", "$range(1, 2, 0)", "$count($range(1, 9, 9))", "$hash('abc', 'SHA-256')", "$hash(1, 'MD5')",
    "$parse('{\"a\": [1, 2.5, null]}')", "$parse('123456789012345678901234567890')", "$parse('nope')",
    "$type($uuid())", "$random(7) = $random(7)", "$random() < 1",
    "($f := function($n){ $n <= 1 ? 1 : $n * $f($n - 1) }; $f(20))",
    "($f := function($n){ $n <= 0 ? 0 : 1 + $f($n - 1) }; $f(300))",
    "$f()", "$error('boom')", "1 + 'a'", "$x.y", "[1, 2, 3][$ > 1]", "{'a': [1][0]}", "[[1]]", "[]", "{}",
    "$sift({'a': 1, 'b': 2}, function($v, $k){ $k = 'a' })", "$each({'a': 1}, function($v, $k){ $k & $v })",
    "$keys({'b': 1, 'a': 2})", "$merge([{'a': 1}, {'b': 2}])", "$lookup({'a': 1}, 'a')",
    "$match('ab12', /\\d/).match", "$replace('abc', /(b)/, '[$1]')", "$pad('7', 3, '0')", "$number('12.50')",
    "$formatNumber(1234.5, '#,##0.00')", "$toMillis('2024-01-01T00:00:00Z')", "$fromMillis(0)",
    "$states.input.a", "$states.input", "$reduce([1, 2, 3], function($a, $b){ $a + $b })",
    "$exists($states.input.missing)", "$type(null)", "null", "true and false", "'é' & \"\\\"\"",
]


@pytest.mark.parametrize("expression", CORNERS)
def test_language_corners_agree(expression: str) -> None:
    assert_same(compose(expression, {"input": {"a": [1, {"b": "x"}]}}, v="a\"b", n=2**60))
