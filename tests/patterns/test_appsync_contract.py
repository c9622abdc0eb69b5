"""The GraphQL contract of resolver machines: what each builder records, how a schema is held to it
(graphql-core parses), and the SDL `workflows schema` writes from it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

import pytest
from graphql import build_schema

from workflows.core import JSONATA, JSONPATH, BuildError
from workflows.patterns import appsync
from workflows.patterns.appsync import PARTITION_TENANT, PageShape, SecondaryIndex, TenantTable
from workflows.patterns.appsync.conformance import SchemaError, check_binding, parse_schema, unbound_fields
from workflows.patterns.appsync.contract import Binding, Contract, contract_of
from workflows.patterns.appsync.sdl import GENERATED_MARK, SchemaGenerationError, schema_sdl
from workflows.registry import Resolver


@dataclass
class Geo:
    lat: float
    label: str | None = None


@dataclass
class Set:
    id: str
    name: str
    cards: list[str]
    size: int
    weight: float
    exact: Decimal
    public: bool
    tags: set[str]
    where: Geo
    stops: list[Geo]
    note: str | None = None


@dataclass
class Card:
    id: str
    title: str


SETS = TenantTable(Set, query_language=JSONATA)
CARDS = TenantTable(Card, query_language=JSONATA)


def _binding(machine, type_name: str, field: str, forwarded=None) -> Binding:
    return Binding(machine.name, type_name, field, forwarded, contract_of(machine))


def _check(sdl: str, *bindings: Binding) -> list[str]:
    schema = parse_schema(sdl)
    return [m for b in bindings for m in check_binding(schema, b)]


# -- Resolver --------------------------------------------------------------------------------------
def test_resolver_refuses_arguments_given_as_a_string() -> None:
    """Resolver("Query", "getSet", "id") forwarded "i" and "d"; now it is refused, naming the resolver."""
    with pytest.raises(ValueError, match=r"Resolver Query\.getSet: arguments must be a sequence of names, not the "
                                         r"string 'id' \(did you mean \('id',\)\?\)"):
        Resolver("Query", "getSet", "id")
    with pytest.raises(ValueError, match=r"Query\.getSet: argument 'i d' is not a GraphQL name"):
        Resolver("Query", "getSet", ["i d"])
    with pytest.raises(ValueError, match=r"Mutation\.addSet: argument\(s\) \['input'\] listed twice"):
        Resolver("Mutation", "addSet", ("input", "input"))
    assert Resolver("Query", "getSet", ["id"]).arguments == ("id",)
    assert Resolver("Query", "getSet").arguments is None


# -- what the builders record ------------------------------------------------------------------------
@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_every_builder_records_what_it_reads_and_returns(ql: str) -> None:
    layout = TenantTable(Card, query_language=ql)
    get = contract_of(appsync.get_item(layout, "g"))
    assert get.reads == ("id",) and get.returns.nullable and "not_found" in get.returns.why_null
    assert not contract_of(appsync.get_item(layout, "g", not_found="error")).returns.nullable
    put = contract_of(appsync.put_item(layout, "p"))
    assert put.reads == ("input",) and not put.returns.nullable
    assert [n for n, _ in dict(put.arguments)["input"].fields] == ["id", "title"]
    update = contract_of(appsync.update_item(layout, "u", ["title"]))
    assert update.reads == ("id", "input") and dict(update.arguments)["input"].name == "CardChanges"
    assert contract_of(appsync.delete_item(layout, "d")).returns.nullable
    query = contract_of(appsync.query_items(layout, "q"))
    assert query.reads == ("nextToken", "prefix", "limit")
    assert [n for n, _ in query.returns.fields] == ["items", "nextToken"]
    unique = contract_of(appsync.put_unique(TenantTable(Card, query_language=ql, unique=("title",)), "pu"))
    assert unique.reads == ("input",)


def test_an_update_that_may_create_the_item_says_its_other_fields_may_be_null() -> None:
    guarded = contract_of(appsync.update_item(CARDS, "u", ["title"])).returns
    assert not guarded.member("title").nullable
    upsert = contract_of(appsync.update_item(TenantTable(Set, query_language=JSONATA), "u", ["name"],
                                             condition=None)).returns
    assert not upsert.member("id").nullable and not upsert.member("name").nullable
    assert upsert.member("size").nullable and "may create the item" in upsert.member("size").why_null


def test_the_contract_is_carried_not_emitted() -> None:
    machine = appsync.get_item(CARDS, "card-get")
    assert "appsync" not in machine.to_json()
    assert contract_of(dataclasses.replace(machine, comment="x")) == contract_of(machine)
    with pytest.raises(TypeError):
        machine.annotations["x"] = 1  # read-only: core only carries it


# -- conformance -----------------------------------------------------------------------------------
CARD_TYPES = """
type Card { id: ID! title: String! }
type CardPage { items: [Card!]! nextToken: String }
input CardInput { id: ID! title: String! }
"""


def test_the_next_page_key_trap_is_refused_naming_field_and_argument() -> None:
    """A resolver that forwards nextPageKey to a machine that reads nextToken returned page 1 forever."""
    sdl = CARD_TYPES + """
    type PageInfo { nextPageKey: String }
    type Page { items: [Card!]! pageInfo: PageInfo! }
    type Query { listCards(nextPageKey: String): Page! }
    """
    machine = appsync.query_items(CARDS, "list-cards", prefix=None, limit=None)
    problems = _check(sdl, _binding(machine, "Query", "listCards", ("nextPageKey",)))
    assert ("Query.listCards: the machine reads argument 'nextToken', which the resolver does not forward "
            "(the field declares: nextPageKey; forwarded: nextPageKey)") in problems
    assert ("Query.listCards: argument 'nextPageKey' is forwarded, but the machine does not read it "
            "(it reads: nextToken)") in problems
    assert "Query.listCards.pageInfo (PageInfo!) is never in the machine's answer (it answers: items, nextToken)" \
        in problems
    fixed = appsync.query_items(CARDS, "list-cards", cursor="nextPageKey", prefix=None, limit=None,
                                page=PageShape(cursor="pageInfo.nextPageKey"))
    assert _check(sdl, _binding(fixed, "Query", "listCards", ("nextPageKey",))) == []
    assert _check(sdl, _binding(fixed, "Query", "listCards")) == []  # None forwards what the field declares


def test_a_get_that_may_answer_null_cannot_back_a_non_null_field() -> None:
    sdl = CARD_TYPES + "type Query { getCard(id: ID!): Card! }"
    [problem] = _check(sdl, _binding(appsync.get_item(CARDS, "card-get"), "Query", "getCard", ("id",)))
    assert problem.startswith("Query.getCard is Card!, but the machine may answer null there: it is null when no "
                              "Card has the id (get_item(..., not_found=\"error\") fails with Resolver.NotFound")
    strict = appsync.get_item(CARDS, "card-get", not_found="error")
    assert _check(sdl, _binding(strict, "Query", "getCard", ("id",))) == []
    nullable = CARD_TYPES + "type Query { getCard(id: ID!): Card }"
    assert _check(nullable, _binding(appsync.get_item(CARDS, "card-get"), "Query", "getCard", ("id",))) == []


def test_arguments_must_be_the_fields_and_typed_for_the_machine() -> None:
    get = appsync.get_item(CARDS, "card-get")
    cases = {
        "getCard(id: ID!, verbose: Boolean)": [
            "Query.getCard: argument 'verbose' is declared but the resolver does not forward it (Resolver arguments: id)"],
        "getCard(key: ID!)": [
            "Query.getCard: the resolver forwards argument 'id', which the field does not declare (it declares: key)",
            "Query.getCard: argument 'key' is declared but the resolver does not forward it (Resolver arguments: id)"],
        "getCard(id: ID)": [
            "Query.getCard(id) is ID (a client may leave it out or send null), but the machine requires it: declare "
            "it ID!"],
        "getCard(id: Int!)": ["Query.getCard(id) is Int!, but the machine needs ID!"],
        "getCard(id: [ID!]!)": ["Query.getCard(id) is [ID!]!, but the machine needs ID!"],
    }
    for field, expected in cases.items():
        sdl = CARD_TYPES + f"type Query {{ {field}: Card }}"
        assert _check(sdl, _binding(get, "Query", "getCard", ("id",))) == expected, field
    assert _check(CARD_TYPES + "type Query { getCard(id: String!): Card }", _binding(get, "Query", "getCard")) == []


def test_an_input_type_must_hold_exactly_what_the_machine_reads() -> None:
    put = appsync.put_item(CARDS, "card-put")
    sdl = CARD_TYPES + """
    input Wrong { id: ID! title: String extra: Int }
    type Query { getCard(id: ID!): Card }
    type Mutation { putCard(input: Wrong!): Card! }
    """
    assert _check(sdl, _binding(put, "Mutation", "putCard")) == [
        "Mutation.putCard(input).title is String (a client may leave it out or send null), but the machine requires "
        "it: declare it String!",
        "Mutation.putCard(input).extra is declared, but the machine never reads it (it reads: id, title)"]
    short = CARD_TYPES + """
    input Short { id: ID! }
    type Query { getCard(id: ID!): Card }
    type Mutation { putCard(input: Short!): Card! }
    """
    assert _check(short, _binding(put, "Mutation", "putCard")) == [
        "Mutation.putCard(input).title: the machine reads it (String!), but Short does not declare it"]


def test_every_type_of_the_entity_is_checked_both_ways() -> None:
    layout = TenantTable(Set, query_language=JSONATA)
    sdl = """
    type Geo { lat: Float! label: String }
    type Set { id: ID! name: String! cards: [String!]! size: Int! weight: Float! exact: AWSJSON! public: Boolean!
               tags: [String!]! where: Geo! stops: [Geo!]! note: String }
    input GeoInput { lat: Float! label: String }
    input SetInput { id: ID! name: String! cards: [String!]! size: Int! weight: Float! exact: String! public: Boolean!
                     tags: [String!]! where: GeoInput! stops: [GeoInput!]! note: String }
    type Query { getSet(id: ID!): Set }
    type Mutation { putSet(input: SetInput!): Set! }
    """
    get, put = appsync.get_item(layout, "g"), appsync.put_item(layout, "p")
    assert _check(sdl, _binding(get, "Query", "getSet"), _binding(put, "Mutation", "putSet")) == []
    wrong = (sdl.replace("size: Int! weight", "size: String! weight").replace("note: String }", "note: String! }", 1)
             .replace("stops: [Geo!]!", "stops: [String!]!").replace("exact: AWSJSON!", "exact: Float!"))
    assert _check(wrong, _binding(get, "Query", "getSet")) == [
        "Query.getSet.size is String!, but the machine answers Int!",
        "Query.getSet.exact is Float!, but the machine answers AWSJSON!",  # exact digits may come as a string
        "Query.getSet.stops[] is String!, but the machine answers Geo!",
        "Query.getSet.note is String!, but the machine may answer null there: note is optional"]
    # an int field declared Float on the way in would store 1.5 and then fail its Int! on the way out
    assert _check(sdl.replace("size: Int! weight: Float! exact: String!", "size: Float! weight: Float! exact: String!"),
                  _binding(put, "Mutation", "putSet")) == ["Mutation.putSet(input).size is Float!, but the machine needs Int!"]
    # a Decimal sent as a JSON number may have lost digits before the machine sees it: its input is its digits
    assert _check(sdl.replace("exact: String! public", "exact: Float! public"), _binding(put, "Mutation", "putSet")) == [
        "Mutation.putSet(input).exact is Float!, but the machine needs String!"]


def test_missing_and_unbound_fields_are_named() -> None:
    get = appsync.get_item(CARDS, "card-get")
    schema = parse_schema(CARD_TYPES + "type Query { listCards: CardPage! }")
    assert check_binding(schema, _binding(get, "Query", "getCard"), "schema.graphql") == [
        "Query.getCard is not declared in schema.graphql; add the field (`workflows schema` prints one) or change "
        "the Resolver"]
    assert unbound_fields(schema, [("Query", "getCard")]) == [
        "Query.listCards is resolved by no machine (no @workflow has resolver=Resolver('Query', 'listCards', ...)); "
        "AppSync would answer it with null or an error"]


def test_a_machine_built_by_hand_is_held_to_its_field_and_arguments_only() -> None:
    schema = parse_schema(CARD_TYPES + "type Query { getCard(id: ID!): Card! }")
    assert check_binding(schema, Binding("by-hand", "Query", "getCard", ("id",), None)) == []
    assert check_binding(schema, Binding("by-hand", "Query", "getCard", ("key",), None))[0].startswith(
        "Query.getCard: the resolver forwards argument 'key'")


def test_the_schema_is_parsed_as_appsync_reads_it() -> None:
    sdl = 'type Query { now: AWSDateTime @aws_iam  at(t: AWSTimestamp): AWSJSON @aws_cognito_user_pools }'
    assert set(parse_schema(sdl).query_type.fields) == {"now", "at"}
    with pytest.raises(SchemaError, match=r"Unknown type 'Carrd'.*line 1, column \d+"):
        parse_schema("type Query { getCard(id: ID!): Carrd }")
    with pytest.raises(SchemaError, match=r"Syntax Error: .*line 1"):
        parse_schema("type Query { getCard(id: ID!) Card }")


# -- query options ----------------------------------------------------------------------------------
def test_query_options_are_checked() -> None:
    cases = [
        (dict(cursor="next-page"), "cursor='next-page': the cursor argument must be a GraphQL name"),
        (dict(limit="50"), "limit='50': the limit argument .*page_size sets the page size"),
        (dict(prefix="nextToken"), "cursor, prefix and limit must be different arguments"),
        (dict(page=PageShape(items="data.items", cursor="data.next")), None),
    ]
    for options, message in cases:
        if message is None:
            appsync.query_items(CARDS, "q", **options)
        else:
            with pytest.raises(BuildError, match=message):
                appsync.query_items(CARDS, "q", **options)
    with pytest.raises(BuildError, match="PageShape items='items' and cursor='items.next' overlap"):
        PageShape(cursor="items.next")
    with pytest.raises(BuildError, match="must be a dotted path of GraphQL names"):
        PageShape(cursor="page info.next")


def test_a_query_over_a_shared_partition_without_a_prefix_must_say_so() -> None:
    """pk = <tenantId>, sk = <id>: begins_with has nothing to narrow, other entities come back too."""
    shared = TenantTable(Card, partition=PARTITION_TENANT, sk_prefix="", query_language=JSONATA)
    with pytest.raises(BuildError, match=r"Cards on the table have no sort-key prefix in the tenant's shared "
                                         r"partition .* other entity types included, as Cards.*whole_partition=True"):
        appsync.query_items(shared, "q")
    appsync.query_items(shared, "q", whole_partition=True)
    appsync.query_items(TenantTable(Card, sk_prefix=""), "q")  # pk = <tenant>#Card: the partition is the entity's
    appsync.query_items(TenantTable(Card, partition=PARTITION_TENANT), "q")  # CARD# narrows it
    indexed = TenantTable(Card, indexes=(SecondaryIndex("byTitle", "gpk", "gsk"),))
    with pytest.raises(BuildError, match="on index byTitle have no sort-key prefix"):
        appsync.query_items(indexed, "q", index="byTitle")


def test_get_refuses_an_unknown_not_found_option() -> None:
    with pytest.raises(BuildError, match=r"not_found must be one of \('null', 'error'\), not 'raise'"):
        appsync.get_item(CARDS, "g", not_found="raise")


# -- SDL ---------------------------------------------------------------------------------------------
def _sets_bindings() -> list[Binding]:
    layout = TenantTable(Set, partition=PARTITION_TENANT, sk_prefix="", query_language=JSONATA)
    return [
        _binding(appsync.get_item(layout, "get-set", not_found="error"), "Query", "getSet", ("id",)),
        _binding(appsync.query_items(layout, "list-sets", cursor="nextPageKey", prefix=None, limit=None,
                                     page=PageShape(cursor="pageInfo.nextPageKey"), whole_partition=True),
                 "Query", "listSets", ("nextPageKey",)),
        _binding(appsync.put_item(layout, "add-set"), "Mutation", "addSet", ("input",)),
        _binding(appsync.update_item(layout, "rename-set", ["name"]), "Mutation", "renameSet"),
        _binding(appsync.update_item(layout, "resize-set", ["size", "weight"]), "Mutation", "resizeSet"),
        _binding(appsync.delete_item(layout, "drop-set"), "Mutation", "dropSet"),
    ]


def test_generated_sdl_is_what_graphql_core_parses_and_the_check_accepts() -> None:
    bindings = _sets_bindings()
    sdl = schema_sdl(bindings)
    assert sdl.startswith(GENERATED_MARK)
    schema = build_schema(sdl.replace("AWSJSON", "String"))  # graphql-core, without AppSync's scalars
    assert str(schema.query_type.fields["getSet"].type) == "Set!"
    assert str(schema.query_type.fields["listSets"].type) == "SetPage!"
    assert str(schema.get_type("SetPage").fields["pageInfo"].type) == "PageInfo!"
    assert str(schema.get_type("PageInfo").fields["nextPageKey"].type) == "String"
    assert str(schema.mutation_type.fields["dropSet"].type) == "Set"
    assert list(schema.mutation_type.fields["resizeSet"].args) == ["id", "input"]
    # two updates of different fields: the second input type is named after its field
    assert str(schema.mutation_type.fields["renameSet"].args["input"].type) == "SetChanges!"
    assert str(schema.mutation_type.fields["resizeSet"].args["input"].type) == "ResizeSetInput!"
    assert str(schema.get_type("Set").fields["exact"].type) == "String!"  # was AWSJSON: a Decimal's exact digits
    parsed = parse_schema(sdl)
    assert [m for b in bindings for m in check_binding(parsed, b)] == []
    assert unbound_fields(parsed, [(b.type_name, b.field_name) for b in bindings]) == []
    assert "scalar AWSJSON" not in sdl  # AppSync defines it; declaring it is an error there
    assert schema_sdl(list(reversed(bindings))) == sdl  # independent of discovery order


def test_sdl_generation_names_what_is_in_its_way() -> None:
    get = appsync.get_item(CARDS, "card-get")
    with pytest.raises(SchemaGenerationError, match="by-hand resolves Query.x but records no contract"):
        schema_sdl([Binding("by-hand", "Query", "x", None, None)])
    with pytest.raises(SchemaGenerationError, match=r"Query.getCard: the resolver forwards \['key'\] but card-get "
                                                    r"reads \['id'\]"):
        schema_sdl([_binding(get, "Query", "getCard", ("key",))])
    with pytest.raises(SchemaGenerationError, match="needs a Query field"):
        schema_sdl([_binding(appsync.put_item(CARDS, "p"), "Mutation", "putCard")])
    with pytest.raises(SchemaGenerationError, match="Query.getCard is resolved by both card-get and card-get"):
        schema_sdl([_binding(get, "Query", "getCard"), _binding(get, "Query", "getCard")])

    @dataclass
    class Other:  # another entity whose nested type takes a name already used for a different shape
        id: str
        where: Card

    other = appsync.get_item(TenantTable(Other, query_language=JSONATA), "other-get")
    clash = dataclasses.replace(contract_of(other), returns=dataclasses.replace(
        contract_of(other).returns, name="Card"))
    with pytest.raises(SchemaGenerationError, match="type Card: Query.a .* and Query.b .* need different types"):
        schema_sdl([_binding(get, "Query", "a"), Binding("other-get", "Query", "b", None, clash)])


def test_contract_type_is_a_plain_value() -> None:
    contract = contract_of(appsync.get_item(CARDS, "g"))
    assert isinstance(contract, Contract) and contract == contract_of(appsync.get_item(CARDS, "g"))
