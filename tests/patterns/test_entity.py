"""Entity schemas from dataclasses/TypedDicts and their JSONPath projections, run on the local engine."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NotRequired, Optional, TypedDict

import pytest

from tests.patterns.dynamodb_oracle import assert_matches, oracle, wire
from workflows.local.engine import LocalEngine
from workflows.patterns.entity import EntitySchemaError, Kind, entity_of, projection


@dataclass
class Geo:
    lat: float
    exact: Decimal


@dataclass
class Address:
    street: str
    geo: Geo
    zip: Optional[str] = None


@dataclass
class Member:
    id: str
    role: str


@dataclass
class User:
    id: str
    age: int
    ratio: float
    balance: Decimal
    admin: bool
    avatar: bytes
    groups: list[str]
    tags: set[str]
    keys: set[bytes]
    scores: set[int]
    exact_scores: set[Decimal]
    address: Address
    members: list[Member]
    nickname: str | None = None


class Event(TypedDict, total=False):
    kind: str


class Order(TypedDict):
    pk: str
    total: int
    note: NotRequired[str]
    event: Event


USER: dict[str, Any] = {
    "id": "u1", "age": Decimal(36), "ratio": Decimal("0.25"), "balance": Decimal("12345678901234567890.12345"),
    "admin": False, "avatar": b"\x00\xff", "groups": ["a", "b"], "tags": {"x"}, "keys": {b"k"},
    "scores": {Decimal(3), Decimal(4)}, "exact_scores": {Decimal("1.10")},
    "address": {"street": "Main", "geo": {"lat": Decimal("52.52"), "exact": Decimal("52.520000000000000001")}},
    "members": [{"id": "m1", "role": "owner"}, {"id": "m2", "role": "viewer"}],
}


#: Where the schema says Decimal: the projection keeps DynamoDB's exact digits as strings.
EXACT = frozenset({"$.balance", "$.exact_scores", "$.address.geo.exact"})


def pass_machine(parameters: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": "Project", "States": {"Project": {"Type": "Pass", "Parameters": parameters, "End": True}}}


# -- reading types ------------------------------------------------------------------------------
def test_kinds_from_a_dataclass() -> None:
    user = entity_of(User)
    kinds = {f.name: f.kind for f in user.fields}
    assert kinds == {
        "id": Kind.S, "age": Kind.N, "ratio": Kind.N, "balance": Kind.N, "admin": Kind.BOOL, "avatar": Kind.B,
        "groups": Kind.L_S, "tags": Kind.SS, "keys": Kind.BS, "scores": Kind.NS, "exact_scores": Kind.NS,
        "address": Kind.M, "members": Kind.L_M, "nickname": Kind.S,
    }
    assert user.field("balance").exact_numbers and not user.field("age").exact_numbers
    assert user.field("nickname").optional and not user.field("id").optional
    assert user.field("address.zip").optional
    assert user.field("address.geo.exact").kind is Kind.N
    assert user.field("members").entity is not None and user.field("members").entity.name == "Member"


def test_optional_keys_from_typed_dicts() -> None:
    order = entity_of(Order)
    assert [(f.name, f.optional) for f in order.fields] == [
        ("pk", False), ("total", False), ("note", True), ("event", False)
    ]
    assert order.field("event.kind").optional


@pytest.mark.parametrize(
    ("annotation", "message"),
    [
        (dict[str, int], "Bad.f: type dict[str, int] has no DynamoDB mapping"),
        (list[int], "Bad.f: type list[int] has no DynamoDB mapping"),
        (str | int, "has no single DynamoDB type"),
        (set[bool], "Bad.f: type set[bool] has no DynamoDB mapping"),
    ],
)
def test_unsupported_types_are_named(annotation: Any, message: str) -> None:
    bad = dataclass(type("Bad", (), {"__annotations__": {"f": annotation}}))
    with pytest.raises(EntitySchemaError, match=message.replace("[", r"\[").replace("]", r"\]").replace("|", r"\|")):
        entity_of(bad)


@dataclass
class Node:
    child: "Node"


def test_recursive_entities_and_non_entities_are_refused() -> None:
    with pytest.raises(EntitySchemaError, match="recursive entity Node -> Node"):
        entity_of(Node)
    with pytest.raises(EntitySchemaError, match="neither a dataclass nor a TypedDict"):
        entity_of(int)
    with pytest.raises(EntitySchemaError, match="entity User has no field 'adress'"):
        entity_of(User).field("adress.street")


# -- the selector -------------------------------------------------------------------------------
def test_selector_for_the_documented_shapes() -> None:
    result = projection(User, "$.Item")
    assert result.selector == {
        "id.$": "$.Item.id.S",
        "age.$": "States.StringToJson($.Item.age.N)",
        "ratio.$": "States.StringToJson($.Item.ratio.N)",
        "balance.$": "$.Item.balance.N",
        "admin.$": "$.Item.admin.BOOL",
        "avatar.$": "$.Item.avatar.B",
        "groups.$": "$.Item.groups.L[*].S",
        "tags.$": "$.Item.tags.SS",
        "keys.$": "$.Item.keys.BS",
        "scores.$": "$.Item.scores.NS",
        "exact_scores.$": "$.Item.exact_scores.NS",
        "address": {
            "street.$": "$.Item.address.M.street.S",
            "geo": {
                "lat.$": "States.StringToJson($.Item.address.M.geo.M.lat.N)",
                "exact.$": "$.Item.address.M.geo.M.exact.N",
            },
        },
        "members.$": "$.Item.members.L",
    }
    assert result.needs_map == ("scores", "members")
    assert result.optional == ("address.zip", "nickname")


def test_present_optional_fields_are_projected_and_checked() -> None:
    result = projection(User, "$.dynamodb.NewImage", present=["nickname", "address.zip"])
    assert result.selector["nickname.$"] == "$.dynamodb.NewImage.nickname.S"
    assert result.selector["address"]["zip.$"] == "$.dynamodb.NewImage.address.M.zip.S"
    assert result.optional == ()
    with pytest.raises(EntitySchemaError, match="present='id' names a field that is not optional"):
        projection(User, "$.Item", present=["id"])
    with pytest.raises(EntitySchemaError, match="source 'Item' is not a JSONPath"):
        projection(User, "Item")


def test_names_that_are_not_identifiers_use_brackets() -> None:
    Weird = TypedDict("Weird", {"first-name": str})
    assert projection(Weird, "$.Item").selector == {"first-name.$": "$.Item['first-name'].S"}


# -- on the engine (moto's JSONPath and intrinsics) -----------------------------------------------
def _expected_plain(item: dict[str, Any]) -> dict[str, Any]:
    """The oracle with the selector's documented gaps applied (needs_map fields stay raw)."""
    expected = oracle(item)
    del expected["scores"], expected["members"]
    return expected


def test_projection_runs_on_the_engine(local_engine: LocalEngine) -> None:
    result = projection(User, "$.Item")
    local_engine.create_state_machine("project", pass_machine(result.selector))

    run = local_engine.run("project", {"Item": wire(USER)})

    assert run.ok(), run.cause
    output = dict(run.output)
    assert sorted(output.pop("scores")) == ["3", "4"]  # NS stays strings: needs_map
    assert [m["M"]["id"]["S"] for m in output.pop("members")] == ["m1", "m2"]  # raw L of M: needs_map
    assert_matches(output, _expected_plain(USER), exact=EXACT)
    assert type(output["age"]) is int and output["balance"] == "12345678901234567890.12345"


def test_needs_map_fields_complete_with_a_map_state(local_engine: LocalEngine) -> None:
    member = projection(Member, "$$.Map.Item.Value.M")
    machine = {
        "StartAt": "Project",
        "States": {
            "Project": {"Type": "Pass", "Parameters": projection(User, "$.Item").selector, "Next": "Members"},
            "Members": {
                "Type": "Map",
                "ItemsPath": "$.members",
                "ItemSelector": member.selector,
                "ItemProcessor": {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}},
                "ResultPath": "$.members",
                "Next": "Scores",
            },
            "Scores": {
                "Type": "Map",
                "ItemsPath": "$.scores",
                "ItemSelector": {"n.$": "States.StringToJson($$.Map.Item.Value)"},
                "ItemProcessor": {"StartAt": "Num", "States": {"Num": {"Type": "Pass", "OutputPath": "$.n", "End": True}}},
                "ResultPath": "$.scores",
                "End": True,
            },
        },
    }
    local_engine.create_state_machine("members", machine)

    run = local_engine.run("members", {"Item": wire(USER)})

    assert run.ok(), run.cause
    assert_matches(run.output, oracle(USER), exact=EXACT)


def test_absent_optional_field_fails_a_selector_that_names_it(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("strict", pass_machine(projection(User, "$.Item", present=["nickname"]).selector))
    local_engine.create_state_machine("lenient", pass_machine(projection(User, "$.Item").selector))

    strict = local_engine.run("strict", {"Item": wire(USER)})
    lenient = local_engine.run("lenient", {"Item": wire({**USER, "nickname": "ada"})})

    assert strict.status == "FAILED" and strict.error == "States.Runtime", strict.error
    assert lenient.ok() and "nickname" not in lenient.output


def test_typed_dict_stream_image(local_engine: LocalEngine) -> None:
    order = {"pk": "o1", "total": Decimal(9007199254740992), "event": {}}
    local_engine.create_state_machine("order", pass_machine(projection(Order, "$.dynamodb.NewImage").selector))

    run = local_engine.run("order", {"dynamodb": {"NewImage": wire(order)}})

    assert run.ok(), run.cause
    assert run.output == {"pk": "o1", "total": 9007199254740992, "event": {}}


@pytest.mark.parametrize("groups", [[], ["one"]])
def test_list_of_strings_keeps_empty_and_single_lists(local_engine: LocalEngine, groups: list[str]) -> None:
    local_engine.create_state_machine("groups", pass_machine(projection(User, "$.Item").selector))

    run = local_engine.run("groups", {"Item": wire({**USER, "groups": groups})})

    assert run.ok(), run.cause
    assert run.output["groups"] == groups
