"""The write path keeps a number's digits: what a client sends is what DynamoDB stores, or a named refusal.

Oracles we did not write: boto3's TypeSerializer (what DynamoDB stores for a Decimal; its 38-digit
limit) and TypeDeserializer (what was stored), DynamoDB's documented range (1E-130 .. 9.99E+125; boto3
is laxer there: measured, it serializes 1E+126 and 1E-131), and jsonata-js
(``tests/patterns/js/jsonata_batch.mjs``: JavaScript JSONata, whose numbers are doubles as in AWS's)
next to jsonata-python, the local engine's.

The rule under test (``workflows.patterns.appsync.marshal``): a JSON number is stored when it is an
integer within +-2**53, or has at most 15 significant digits, and lies in DynamoDB's range; a Decimal
field takes a string in JSON number syntax with at most 38 significant digits in DynamoDB's range,
stored verbatim. Anything else is ``Resolver.InvalidArgument`` naming the field.
"""

from __future__ import annotations

import functools
import json
import random
import shutil
import struct
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonata
import pytest
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.patterns.test_appsync_env import Env, make_env
from workflows.core import JSONATA, JSONPATH
from workflows.local.engine import LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync.arguments import invalid_jsonata
from workflows.patterns.appsync.layout import SecondaryIndex, TenantTable
from workflows.patterns.appsync.marshal import marshal_jsonata
from workflows.patterns.entity import entity_of
from workflows.registry import registered
import workflows.examples.users.machines.appsync  # noqa: F401,E402 - registers the example's machines

BATCH = Path(__file__).parent / "js" / "jsonata_batch.mjs"
SERIALIZER, DESERIALIZER = TypeSerializer(), TypeDeserializer()


@dataclass
class Reading:
    id: str
    count: int
    value: float
    amount: Decimal
    samples: set[float]
    amounts: set[Decimal]


@dataclass
class Measure:
    id: str
    value: float


@dataclass
class Price:
    id: str
    amount: Decimal


def _expression(entity: type) -> str:
    """One JSONata expression: the refusal reason (if any) and, when there is none, the attribute map."""
    shape = entity_of(entity)
    return (f'($why := {invalid_jsonata(shape, "$", "input")}; '
            f'$exists($why) ? {{"reason": $why}} : {{"item": {marshal_jsonata(shape, "$")}}})')


MEASURE, PRICE = _expression(Measure), _expression(Price)


@functools.cache
def _compiled(expression: str) -> jsonata.Jsonata:
    """jsonata-python's parse of an expression, made once: compiling MEASURE costs about 60 ms, more than
    evaluating it, and the property tests evaluate it hundreds of times."""
    return jsonata.Jsonata(expression)


def _evaluate(expression: str, given: Any) -> Any:
    """What jsonata-python gives for ``given``, as JSON (what the machine would pass on).

    The compiled expression is shared, so each call gets its own (empty) bindings frame: evaluated without
    bindings, jsonata-python binds into the compiled expression's own frame, where a top-level
    ``$x := ...`` would outlive the call (see the test below)."""
    return json.loads(json.dumps(_compiled(expression).evaluate(given, {})))


def test_a_compiled_expression_is_reused_and_carries_nothing_from_one_evaluation_to_the_next() -> None:
    """The reuse above gives exactly what a fresh compile gives, whatever was evaluated before."""
    values = [1 / 3, 2**53 + 2.0, 12.5, 1e126, 2**53 - 1]
    for value in [*values, *reversed(values)]:
        given = {"id": "m", "value": _machine_input(value)}
        assert _evaluate(MEASURE, given) == json.loads(json.dumps(jsonata.Jsonata(MEASURE).evaluate(given))), value
    for amount in ["12.50", 3, "1E+2"]:
        given = {"id": "p", "amount": amount}
        assert _evaluate(PRICE, given) == json.loads(json.dumps(jsonata.Jsonata(PRICE).evaluate(given))), amount
    assert _compiled(MEASURE) is _compiled(MEASURE)
    # a variable bound at the top level of one evaluation is gone in the next
    probe = '$exists($seen) ? "stale " & $seen : $seen := $'
    assert [_evaluate(probe, "a"), _evaluate(probe, "b")] == ["a", "b"]
INEXACT = ("input.value must be a number DynamoDB can store exactly: an integer within +/-2^53, or at most 15 "
           "significant digits, magnitude 1E-130 to 9.99E+125 (declare the field Decimal and send a string for "
           "more digits)")
NOT_DECIMAL = ("input.amount must be a decimal number as a string (JSON number syntax, at most 38 significant "
               "digits, magnitude 1E-130 to 9.99E+125)")


def in_dynamodb(decimal: Decimal) -> bool:
    """boto3 serializes it (<= 38 significant digits) and it lies in DynamoDB's documented range."""
    try:
        SERIALIZER.serialize(decimal)
    except Exception:  # noqa: BLE001 - boto3 refuses more than 38 digits
        return False
    return decimal.is_zero() or Decimal("1E-130") <= abs(decimal) < Decimal("1E+126")


def stored_exactly(value: float | int) -> Decimal | None:
    """What DynamoDB must store for a JSON number the machine received, or None when it must be refused.

    The machine receives a double; the client sent its shortest decimal (``repr``). Stored when an
    integer within 2**53 or at most 15 significant digits, and boto3 (DynamoDB's range) accepts it.
    """
    decimal = Decimal(repr(float(value))) if isinstance(value, float) else Decimal(value)
    if not in_dynamodb(decimal):
        return None
    integral = decimal == decimal.to_integral_value()
    if integral and abs(decimal) <= 2**53:
        return decimal
    return decimal if len(decimal.normalize().as_tuple().digits) <= 15 else None


def _machine_input(value: float | int) -> float | int:
    """What Step Functions hands JSONata: a double (integral ones within 2**53 as Python ints, as the engine does)."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) <= 2**53 else value


def _check(value: float | int, result: dict[str, Any]) -> None:
    expected = stored_exactly(value)
    if expected is None:
        assert result == {"reason": INEXACT}, (value, result)
        return
    assert "item" in result, (value, result)
    attribute = result["item"]["value"]
    assert set(attribute) == {"N"} and type(attribute["N"]) is str, (value, attribute)
    assert DESERIALIZER.deserialize(attribute) == expected, (value, attribute)
    assert Decimal(attribute["N"]) == Decimal(SERIALIZER.serialize(expected)["N"])


finite = st.floats(allow_nan=False, allow_infinity=False)
short_decimals = st.builds(lambda d, e: float(Decimal(d).scaleb(e)), st.integers(-(10**15) + 1, 10**15 - 1),
                           st.integers(-140, 130))
json_numbers = st.one_of(finite, short_decimals, st.integers(-(2**31), 2**31 - 1), st.integers(-(2**53), 2**53),
                         st.integers(2**53 - 5, 2**53 + 5).map(float))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_numbers)
@example(2**53 - 1)
@example(1 / 3)
@example(0.1)
@example(2**53 + 2.0)
@example(1e20)
@example(1.5e125)
@example(1e126)
@example(1e-130)
@example(1e-131)
@example(5e-324)
@example(1.7976931348623157e308)
@example(1.7976931348623151e308)
@example(-0.0)
def test_json_numbers_are_stored_exactly_or_refused_in_jsonata_python(value: float | int) -> None:
    result = _evaluate(MEASURE, {"id": "m", "value": _machine_input(value)})
    _check(value, result)


def _doubles(count: int, seed: int) -> list[float | int]:
    """Doubles of every kind: random bit patterns, short decimals, big integers, plus the boundaries."""
    rnd, out = random.Random(seed), []
    while len(out) < count:
        pick = rnd.random()
        if pick < 0.3:
            value = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
            if value != value or value in (float("inf"), float("-inf")):
                continue
        elif pick < 0.6:
            value = float(Decimal(rnd.randint(1, 10 ** rnd.randint(1, 15))).scaleb(rnd.randint(-140, 130)))
        elif pick < 0.8:
            value = rnd.uniform(-1e6, 1e6)
        else:
            value = float(rnd.randint(-(2**60), 2**60))
        out.append(value if rnd.random() < 0.5 else -value)
    return out + [2**53 - 1, 2**53, 2**53 + 2.0, 1 / 3, 0.1, 0.30000000000000004, 1e20, 9.999999999999999e20,
                  1.5e125, 9.99e125, 1e126, 1e-130, 1e-131, 5e-324, 123456.789, 0.0, -0.0, 1e-7, 2.5e-7,
                  1.7976931348623157e308, 1.7976931348623151e308]


def _jsonata_js(expression: str, inputs: list[Any]) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node is not None, "node is required (README quick start); jsonata-js is the judge of AWS's JSONata here"
    done = subprocess.run([node, str(BATCH)], input=json.dumps({"expression": expression, "inputs": inputs}),
                          capture_output=True, text=True, timeout=120, cwd=BATCH.parent)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_json_numbers_are_stored_exactly_or_refused_in_jsonata_js() -> None:
    """AWS's JSONata is JavaScript: the same rule, the same digits (compared as numbers), the same refusals."""
    values = _doubles(1000, seed=12)  # plus the 21 boundaries; 3,000 took 9 s of jsonata-python for no new class
    inputs = [{"id": "m", "value": _machine_input(v)} for v in values]
    results = _jsonata_js(MEASURE, inputs)
    for value, given_input, result in zip(values, inputs, results):
        assert "value" in result, (value, result)
        _check(value, result["value"])
        ours = _evaluate(MEASURE, given_input)
        _check(value, ours)
    accepted = sum("item" in r["value"] for r in results)
    assert 0.2 < accepted / len(results) < 0.8  # both classes are exercised


# -- Decimal fields: a string, stored verbatim --------------------------------------------------------------------
def _dynamodb_decimal(digits: int, exponent: int) -> str | None:
    value = Decimal(digits).scaleb(exponent)
    return str(value) if in_dynamodb(value) else None


decimal_texts = st.one_of(
    st.builds(_dynamodb_decimal, st.integers(-(10**38) + 1, 10**38 - 1), st.integers(-165, 125)),
    st.sampled_from(["0", "-0", "0.000", "12.50", "1E+2", "1e-130", "-1E-130", "9.9999999999999999999999999999999999999E+125",
                     "12345678901234567890123456789012345678", "9007199254740993", "0.30000000000000004"]),
).filter(lambda t: t is not None)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decimal_texts)
def test_decimal_strings_are_stored_verbatim(text: str) -> None:
    result = _evaluate(PRICE, {"id": "p", "amount": text})
    assert result == {"item": {"id": {"S": "p"}, "amount": {"N": text}}}, (text, result)
    assert DESERIALIZER.deserialize(result["item"]["amount"]) == Decimal(text)


REFUSED_DECIMALS = [12.5, 3, "1" * 39, "1E+126", "1e-131", "+1", ".5", "5.", "007", "1e", "abc", "", " 1", "1 ",
                    "1\n", "0x10", "NaN", "Infinity", None]


@pytest.mark.parametrize("amount", REFUSED_DECIMALS)
def test_decimal_fields_refuse_numbers_and_non_decimal_strings(amount: Any) -> None:
    """A JSON number may have lost digits before the machine saw it; a string DynamoDB would refuse is named."""
    result = _evaluate(PRICE, {"id": "p", "amount": amount})
    expected = "input.amount is required and must be" if amount is None else NOT_DECIMAL
    assert result["reason"].startswith(expected), (amount, result)


def test_decimal_rule_is_the_same_in_jsonata_js() -> None:
    texts = [t for t in (_dynamodb_decimal(random.Random(i).randint(-(10**38), 10**38), i % 290 - 165)
                         for i in range(400)) if t is not None]
    inputs = [{"id": "p", "amount": a} for a in texts + REFUSED_DECIMALS]
    for given_input, result in zip(inputs, _jsonata_js(PRICE, inputs)):
        assert result["value"] == _evaluate(PRICE, given_input), (given_input, result)


# -- the machines, on the local engine ---------------------------------------------------------------------------
def _item(env: Env, pk: str, sk: str) -> dict[str, Any]:
    item = env.engine.client("dynamodb").get_item(TableName="app-table", Key={"pk": {"S": pk}, "sk": {"S": sk}})
    return {k: DESERIALIZER.deserialize(v) for k, v in item["Item"].items()}


def test_register_and_update_user_store_2_53_minus_1_exactly(local_engine: LocalEngine) -> None:
    """The reproduction: logins 2**53-1 was stored as 9.00719925474099e+15."""
    env = make_env(local_engine)
    for name in ("appsync-put-unique", "appsync-update-item"):
        env.deploy(registered()[name].build())
    user = {"id": "u1", "email": "a@x.io", "name": "A", "admin": False, "logins": 2**53 - 1}
    put = env.engine.run("appsync-put-unique", env.ctx("ta") | {"arguments": {"input": user}})
    assert put.ok(), put.cause
    assert _item(env, "ta#User", "USER#u1")["logins"] == Decimal(2**53 - 1)
    changes = {"name": "A", "admin": True, "logins": 2**53 - 3}
    update = env.engine.run("appsync-update-item", env.ctx("ta") | {"arguments": {"id": "u1", "input": changes}})
    assert update.ok(), update.cause
    assert _item(env, "ta#User", "USER#u1")["logins"] == Decimal(2**53 - 3)
    assert update.output["logins"] == 2**53 - 3


@pytest.fixture
def readings(local_engine: LocalEngine) -> Env:
    env = make_env(local_engine, tenants=("ta",))
    layout = TenantTable(Reading, query_language=JSONATA)
    env.deploy(appsync.put_item(layout, "reading-put"))
    env.deploy(appsync.update_item(layout, "reading-update", ["value", "amount", "samples", "amounts"]))
    return env


GOOD = {"id": "r1", "count": 2**31 - 1, "value": 0.1, "amount": "12345678901234567890.123456789",
        "samples": [0.5, 1e-7, 2**53 - 1], "amounts": ["1", "2.50", "9007199254740993"]}


def test_put_and_update_store_every_number_kind_exactly(readings: Env) -> None:
    run = readings.engine.run
    put = run("reading-put", readings.ctx("ta") | {"arguments": {"input": GOOD}})
    assert put.ok(), put.cause
    stored = _item(readings, "ta#Reading", "READING#r1")
    assert stored["count"] == 2**31 - 1 and stored["value"] == Decimal("0.1")
    assert stored["amount"] == Decimal("12345678901234567890.123456789")
    assert stored["samples"] == {Decimal("0.5"), Decimal("1E-7"), Decimal(2**53 - 1)}
    assert stored["amounts"] == {Decimal(1), Decimal("2.5"), Decimal(9007199254740993)}
    changes = {"value": 123456789012345e-20, "amount": "-1E-130", "samples": [1e20], "amounts": ["0"]}
    update = run("reading-update", readings.ctx("ta") | {"arguments": {"id": "r1", "input": changes}})
    assert update.ok(), update.cause
    stored = _item(readings, "ta#Reading", "READING#r1")
    assert stored["value"] == Decimal("1.23456789012345E-6") and stored["amount"] == Decimal("-1E-130")
    assert stored["samples"] == {Decimal("1E+20")} and stored["amounts"] == {Decimal(0)}


@pytest.mark.parametrize(("field", "value", "cause"), [
    ("value", 1 / 3, INEXACT),
    ("value", 1e126, INEXACT),
    ("count", 2**53 + 2, INEXACT.replace("input.value", "input.count")),
    ("amount", 12.5, NOT_DECIMAL),
    ("amount", "1" * 39, NOT_DECIMAL),
    ("samples", [0.5, 0.30000000000000004], INEXACT.replace("input.value", "input.samples[]")),
    ("amounts", ["1", 2], "input.amounts must be a non-empty list of distinct decimal numbers as strings"),
])
def test_a_number_that_cannot_be_stored_exactly_is_refused_by_name(readings: Env, field: str, value: Any,
                                                                   cause: str) -> None:
    r = readings.engine.run("reading-put", readings.ctx("ta") | {"arguments": {"input": GOOD | {field: value}}})
    assert (r.error, r.cause) == ("Resolver.InvalidArgument", cause)
    assert readings.engine.client("dynamodb").scan(TableName="app-table")["Items"] == []


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_decimal_string_reaches_dynamodb_verbatim_in_both_query_languages(local_engine: LocalEngine,
                                                                          ql: str) -> None:
    env = make_env(local_engine, tenants=("ta",))
    env.deploy(appsync.put_item(TenantTable(Price, query_language=ql), "price-put"))
    amount = "98765432109876543210.0123456789"
    r = env.engine.run("price-put", env.ctx("ta") | {"arguments": {"input": {"id": "p1", "amount": amount}}})
    assert r.ok(), r.cause
    assert _item(env, "ta#Price", "PRICE#p1")["amount"] == Decimal(amount)
    refused = env.engine.run("price-put", env.ctx("ta") | {"arguments": {"input": {"id": "p2", "amount": 12.5}}})
    assert refused.error == "Resolver.InvalidArgument" and "input.amount" in refused.cause


@dataclass
class Ranked:
    id: str
    score: int


def test_an_index_sort_key_made_from_a_number_keeps_its_digits(local_engine: LocalEngine) -> None:
    env = make_env(local_engine, tenants=("ta",))
    by_score = SecondaryIndex("byScore", "gpk", "gsk", partition_suffix="#Ranked", sk_prefix="S#", sk_field="score")
    env.deploy(appsync.put_item(TenantTable(Ranked, query_language=JSONATA, indexes=(by_score,)), "ranked-put"))
    r = env.engine.run("ranked-put", env.ctx("ta") | {"arguments": {"input": {"id": "r1", "score": 2**53 - 1}}})
    assert r.ok(), r.cause
    assert _item(env, "ta#Ranked", "RANKED#r1")["gsk"] == "S#9007199254740991"
