"""The JSONata unmarshaller, evaluated by jsonata-python, against boto3's TypeDeserializer."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonata
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.patterns.dynamodb_oracle import assert_matches, oracle, should_be_number, wire
from workflows.patterns.dynamodb_json import UNMARSHAL_FUNCTION, UNMARSHAL_NAME, unmarshal_expr, unmarshal_list_expr

ITEM = jsonata.Jsonata(unmarshal_expr("$.Item"))
ITEMS = jsonata.Jsonata(unmarshal_list_expr("$.Items"))


def plain(value: Any) -> Any:
    """What the engine hands on: jsonata-python's JList etc. through a JSON round trip."""
    return json.loads(json.dumps(value))


def unmarshal(attribute_map: Any) -> Any:
    return plain(ITEM.evaluate({"Item": attribute_map}))


# -- numbers ------------------------------------------------------------------------------------
SPECIAL_NUMBERS = [
    "0", "-0", "0.000", "1", "-1", "-1E-130", "1E-130", "9.9999999999999999999999999999999999999E+125",
    "-9.9999999999999999999999999999999999999E+125", "12345678901234567890123456789012345678",
    "-99999999999999999999999999999999999999", str(2**53 - 1), str(2**53), str(2**53 + 1), str(-(2**53)),
    str(-(2**53) - 1), "0.1", "123456789012345", "1234567890123456", "0.1234567890123456", "1E+2", "1.5E+125",
    "100000000000000000000000000000", "9007199254740992.0", "12.50", "3.141592653589793",
]


def _dynamodb_number(digits: int, exponent: int) -> Decimal | None:
    value = Decimal(digits).scaleb(exponent)
    try:
        oracle({"n": value})  # boto3 enforces DynamoDB's 38 digits / 1e-130 .. 9.99e125
    except Exception:  # noqa: BLE001 - anything boto3 refuses is outside DynamoDB's domain
        return None
    return value


numbers = st.one_of(
    st.sampled_from([Decimal(s) for s in SPECIAL_NUMBERS]),
    st.builds(_dynamodb_number, st.integers(-(10**38) + 1, 10**38 - 1), st.integers(-165, 125)).filter(
        lambda d: d is not None
    ),
    st.integers(2**53 - 50, 2**53 + 50).map(Decimal),
    st.floats(allow_nan=False, allow_infinity=False).map(lambda f: Decimal(repr(f))).map(
        lambda d: _dynamodb_number(*_split(d))
    ).filter(lambda d: d is not None),
)


def _split(value: Decimal) -> tuple[int, int]:
    sign, digits, exponent = value.as_tuple()
    as_int = int("".join(map(str, digits)) or "0")
    return (-as_int if sign else as_int), int(exponent)


names = st.text(min_size=1, max_size=8)
scalars = st.one_of(
    st.text(max_size=12),
    numbers,
    st.booleans(),
    st.none(),
    st.binary(max_size=12),
    st.sets(st.text(max_size=6), max_size=4),
    st.sets(numbers, max_size=4),
    st.sets(st.binary(min_size=1, max_size=6), min_size=1, max_size=4),
)


def values(depth: int) -> st.SearchStrategy[Any]:
    """Attribute values nested up to ``depth`` levels of L/M."""
    if depth == 0:
        return scalars
    inner = values(depth - 1)
    return st.one_of(scalars, st.lists(inner, max_size=3), st.dictionaries(names, inner, max_size=3))


items = st.dictionaries(names, values(5), max_size=5)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items)
@example({"deep": [[[[[[]]]]]], "one": [[Decimal(1), Decimal(2)]], "empty": {}, "m": {"a": {"b": {"c": {"d": {}}}}}})
@example({"ns": {Decimal("9007199254740993"), Decimal("0")}, "ss": set(), "bs": {b"\x00"}, "l1": ["x"]})
def test_unmarshal_matches_type_deserializer(item: dict[str, Any]) -> None:
    assert_matches(unmarshal(wire(item)), oracle(item))


@pytest.mark.parametrize("text", SPECIAL_NUMBERS)
def test_number_precision_rule(text: str) -> None:
    ours = unmarshal({"n": {"N": text}})["n"]
    expected = Decimal(text)
    if should_be_number(expected):
        assert type(ours) in (int, float) and Decimal(repr(ours)) == expected
    else:  # the exact digits DynamoDB sent, untouched
        assert ours == text


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (str(2**53), "number"), (str(2**53 + 1), "string"), (str(-(2**53)), "number"),
        ("123456789012345", "number"), ("0.1234567890123456", "string"), ("1234567890123456", "number"),
        ("1.5E+125", "string"), ("1.5E-125", "number"), ("1E+15", "number"), ("100000000000000000000", "string"),
        ("-9007199254740993", "string"), ("9007199254740992.000", "number"), ("12345678901234.5", "number"),
        ("12345678901234567890123456789012345678", "string"), ("1E-130", "number"),
    ],
)
def test_number_rule_boundaries(text: str, kind: str) -> None:
    """Integers: numbers up to 2**53 only; non-integers: up to 15 significant digits."""
    ours = unmarshal({"n": {"N": text}})["n"]
    assert (type(ours) is str) == (kind == "string"), ours


@pytest.mark.parametrize("text", ["+5", ".5", "007", "5.", "1e3"])
def test_non_canonical_numbers_parse(text: str) -> None:
    assert Decimal(repr(unmarshal({"n": {"N": text}})["n"])) == Decimal(text)


def test_missing_target_is_null_and_empty_map_is_empty() -> None:
    assert ITEM.evaluate({}) is None
    assert unmarshal({}) == {}
    assert ITEMS.evaluate({}) is None
    assert plain(ITEMS.evaluate({"Items": []})) == []


def test_every_type_by_hand() -> None:
    attribute_map = {
        "s": {"S": "x"}, "n": {"N": "12.50"}, "t": {"BOOL": True}, "f": {"BOOL": False}, "z": {"NULL": True},
        "b": {"B": "AAE="}, "ss": {"SS": ["a"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA=="]},
        "l": {"L": [{"L": [{"N": "1"}, {"N": "2"}]}]}, "m": {"M": {"k": {"L": []}}}, "es": {"SS": []},
    }
    assert unmarshal(attribute_map) == {
        "s": "x", "n": 12.5, "t": True, "f": False, "z": None, "b": "AAE=", "ss": ["a"], "ns": [1, 2.5],
        "bs": ["AA=="], "l": [[1, 2]], "m": {"k": []}, "es": [],
    }


def test_list_of_items_keeps_one_element_lists() -> None:
    one = {"Items": [{"id": {"S": "a"}, "tags": {"L": [{"S": "t"}]}}]}
    assert plain(ITEMS.evaluate(one)) == [{"id": "a", "tags": ["t"]}]
    two = {"Items": [{"id": {"S": "a"}}, {"id": {"S": "b"}}]}
    assert plain(ITEMS.evaluate(two)) == [{"id": "a"}, {"id": "b"}]


def test_function_binds_under_its_name_in_other_expressions() -> None:
    expr = f"( {UNMARSHAL_NAME} := {UNMARSHAL_FUNCTION}; {{'img': {UNMARSHAL_NAME}({{'M': dynamodb.NewImage}})}} )"
    record = {"dynamodb": {"NewImage": {"pk": {"S": "t#1"}, "v": {"N": "3"}}}}
    assert plain(jsonata.Jsonata(expr).evaluate(record)) == {"img": {"pk": "t#1", "v": 3}}


@pytest.mark.parametrize(
    ("attribute_map", "message"),
    [
        ({"a": {"X": "1"}}, "unknown type descriptor X"),
        ({"a": {"S": "x", "N": "1"}}, "exactly one type descriptor"),
        ({"a": "plain"}, "exactly one type descriptor"),
        ({"a": {"N": "abc"}}, "N must hold a decimal number, got abc"),
        ({"a": {"N": 5}}, "N must hold a JSON string"),
        ({"a": {"L": {"S": "x"}}}, "L must hold a JSON array"),
        ({"a": {"M": []}}, "M must hold a JSON object"),
        ("not a map", "M must hold a JSON object"),
    ],
)
def test_bad_dynamodb_json_is_a_named_error(attribute_map: Any, message: str) -> None:
    with pytest.raises(Exception, match="DynamoDB JSON: ") as caught:
        ITEM.evaluate({"Item": attribute_map})
    assert message in str(caught.value)
