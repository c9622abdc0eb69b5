"""The tables a project's machines need, read from their ASL (the example project's machines as input)."""

from __future__ import annotations

import pytest

from workflows.project import example_project
from workflows.testing.tables import Index, TableSpec, table_specs


def test_the_example_projects_tables_and_keys() -> None:
    asl = {name: flow.build().to_asl() for name, flow in example_project().workflows().items()}
    assert table_specs(asl) == {"AppTable": TableSpec("pk", "sk"), "TenantsTable": TableSpec("pk", None)}


def test_a_table_named_only_inside_a_jsonata_expression_is_found_with_the_default_keys() -> None:
    asl = {"m": {"States": {"T": {"Type": "Task", "Arguments": '{% {"TableName": "${Orders}", "Item": {}} %}'}}}}
    assert table_specs(asl) == {"Orders": TableSpec("pk", "sk")}


def test_two_machines_keying_one_table_differently_are_named() -> None:
    a = {"States": {"T": {"Arguments": {"TableName": "${T}", "Key": {"pk": {}, "sk": {}}}}}}
    b = {"States": {"T": {"Parameters": {"TableName": "${T}", "Key": {"id.$": "$.id"}}}}}
    with pytest.raises(ValueError, match=r"\$\{T\} is keyed \['pk', 'sk'\] in a but \['id'\] in b"):
        table_specs({"a": a, "b": b})


def test_create_arguments_with_an_index() -> None:
    spec = TableSpec("pk", "sk", indexes=(Index("byEmail", "gsi1pk", "gsi1sk"),), stream=True)
    args = spec.create_arguments("app")
    assert args["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    assert [a["AttributeName"] for a in args["AttributeDefinitions"]] == ["gsi1pk", "gsi1sk", "pk", "sk"]
    assert args["GlobalSecondaryIndexes"][0]["IndexName"] == "byEmail"
    assert args["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
