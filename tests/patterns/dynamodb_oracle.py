"""boto3/botocore as the oracle for DynamoDB JSON: marshalling, wire encoding and the expected values.

Why a helper module: the JSONata and JSONPath tests both need "Python value -> wire DynamoDB JSON"
(TypeSerializer, then botocore's own JSON protocol serializer, which base64-encodes blobs exactly as
the state machine sees them) and "compare our plain JSON with TypeDeserializer's Decimal/Binary/set
under the number precision rule". No unmarshalling logic of ours lives here.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import botocore.serialize
import botocore.session
from boto3.dynamodb.types import Binary, TypeDeserializer, TypeSerializer

_MODEL = botocore.session.get_session().get_service_model("dynamodb")
_PUT_ITEM = _MODEL.operation_model("PutItem")
_WIRE = botocore.serialize.create_serializer(_MODEL.metadata["protocol"])
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def marshal(item: dict[str, Any]) -> dict[str, Any]:
    """boto3's attribute map for ``item`` (blobs still bytes)."""
    return {name: _SERIALIZER.serialize(value) for name, value in item.items()}


def wire(item: dict[str, Any]) -> dict[str, Any]:
    """The attribute map as JSON on the wire (what a Task result or stream record holds)."""
    body = _WIRE.serialize_to_request({"TableName": "t", "Item": marshal(item)}, _PUT_ITEM)["body"]
    return json.loads(body)["Item"]


def oracle(item: dict[str, Any]) -> dict[str, Any]:
    """TypeDeserializer's reading of the marshalled item (Decimal, Binary, set)."""
    return {name: _DESERIALIZER.deserialize(value) for name, value in marshal(item).items()}


def should_be_number(value: Decimal) -> bool:
    """The documented precision rule over Decimal: integers up to 2**53, else <= 15 digits."""
    if value.is_zero():
        return True
    _, digits, exponent = value.as_tuple()
    significant = "".join(map(str, digits)).strip("0")
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    if int(exponent) + trailing_zeros >= 0:  # an integer: exact below 2**53, whatever its digits
        return abs(int(value)) <= 2**53
    return len(significant) <= 15


def assert_matches(ours: Any, expected: Any, where: str = "$", exact: frozenset[str] | None = None) -> None:
    """Our plain JSON (after a JSON round trip) against the oracle's value.

    Numbers follow the precision rule, unless ``exact`` is given (the JSONPath form, where the schema
    decides): then N at the paths in ``exact`` must be exact strings and every other N a number.
    """
    if isinstance(expected, dict):
        assert isinstance(ours, dict), f"{where}: expected an object, got {ours!r}"
        assert set(ours) == set(expected), f"{where}: keys {sorted(ours)} != {sorted(expected)}"
        for key, value in expected.items():
            assert_matches(ours[key], value, f"{where}.{key}", exact)
    elif isinstance(expected, list):
        assert isinstance(ours, list) and len(ours) == len(expected), f"{where}: {ours!r} vs {expected!r}"
        for index, (mine, theirs) in enumerate(zip(ours, expected)):
            assert_matches(mine, theirs, f"{where}[{index}]", exact)
    elif isinstance(expected, (set, frozenset)):
        assert isinstance(ours, list) and len(ours) == len(expected), f"{where}: {ours!r} vs {expected!r}"
        if all(isinstance(e, Decimal) for e in expected) and expected:
            for mine in ours:
                assert_number(mine, _as_decimal(mine), where, exact)
            assert sorted(_as_decimal(m) for m in ours) == sorted(expected), f"{where}: {ours!r} vs {expected!r}"
        else:
            assert sorted(ours) == sorted(_plain(e) for e in expected), f"{where}: {ours!r} vs {expected!r}"
    elif isinstance(expected, Decimal):
        assert_number(ours, expected, where, exact)
    elif isinstance(expected, Binary):
        assert ours == base64.b64encode(expected.value).decode(), f"{where}: {ours!r} vs {expected!r}"
    else:  # str, bool, None: exact value and exact type
        assert type(ours) is type(expected) and ours == expected, f"{where}: {ours!r} vs {expected!r}"


def assert_number(ours: Any, expected: Decimal, where: str, exact: frozenset[str] | None = None) -> None:
    if (where not in exact) if exact is not None else should_be_number(expected):
        assert type(ours) in (int, float), f"{where}: {expected} must become a JSON number, got {ours!r}"
        assert Decimal(repr(ours)) == expected, f"{where}: {ours!r} != {expected}"
    else:
        assert type(ours) is str, f"{where}: {expected} must stay an exact string, got {ours!r}"
        assert Decimal(ours) == expected, f"{where}: {ours!r} != {expected}"


def _as_decimal(value: Any) -> Decimal:
    return Decimal(value) if isinstance(value, str) else Decimal(repr(value))


def _plain(value: Any) -> Any:
    return base64.b64encode(value.value).decode() if isinstance(value, Binary) else value
