"""The unmarshaller inside real states: DynamoDB getItem/query on the local engine (moto + jsonata-python)."""

from __future__ import annotations

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any


from tests.patterns.dynamodb_oracle import assert_matches, marshal, oracle
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.dynamodb_json import unmarshal_expr, unmarshal_list_expr

ITEM: dict[str, Any] = {
    "pk": "tenant#1", "sk": "user#1", "name": "Ada", "avatar": b"\x00\xff", "keys": {b"k1", b"k2"}, "age": Decimal(36), "ratio": Decimal("0.25"),
    "huge": Decimal("12345678901234567890123456789012345678"), "admin": True, "nothing": None,
    "groups": ["a", ["b", {"c": Decimal(1)}]], "tags": {"x", "y"}, "scores": {Decimal(1), Decimal("2.5")},
    "address": {"street": "Main", "geo": {"lat": Decimal("52.52"), "empty": {}}, "lines": []},
}


def _machine() -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:getItem",
                "Arguments": {"TableName": "Users", "Key": "{% $states.input.key %}"},
                "Output": "{% " + unmarshal_expr("$states.result.Item") + " %}",
                "Next": "Query",
            },
            "Query": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:query",
                "Arguments": {
                    "TableName": "Users",
                    "KeyConditionExpression": "pk = :pk",
                    "ExpressionAttributeValues": {":pk": {"S": "tenant#1"}},
                },
                "Output": "{% {'item': $states.input, 'items': " + unmarshal_list_expr("$states.result.Items") + "} %}",
                "End": True,
            },
        },
    }


def test_get_item_and_query_unmarshal_in_the_engine(local_engine: LocalEngine) -> None:
    create_table(local_engine, "Users")
    local_engine.client("dynamodb").put_item(TableName="Users", Item=marshal(ITEM))
    local_engine.create_state_machine("unmarshal", _machine())

    result = local_engine.run("unmarshal", {"key": {"pk": {"S": "tenant#1"}, "sk": {"S": "user#1"}}})

    assert result.ok(), result.cause
    assert_matches(result.output["item"], oracle(ITEM))
    assert len(result.output["items"]) == 1
    assert_matches(result.output["items"][0], oracle(ITEM))
    assert result.output["item"]["huge"] == "12345678901234567890123456789012345678"


def test_missing_item_is_null_in_the_engine(local_engine: LocalEngine) -> None:
    create_table(local_engine, "Users")
    local_engine.create_state_machine("unmarshal", _machine())

    result = local_engine.run("unmarshal", {"key": {"pk": {"S": "nobody"}, "sk": {"S": "x"}}})

    assert result.ok(), result.cause
    assert result.output == {"item": None, "items": []}


def test_bad_dynamodb_json_fails_the_state_with_a_named_error(local_engine: LocalEngine) -> None:
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "Unmarshal",
        "States": {"Unmarshal": {"Type": "Pass", "Output": "{% " + unmarshal_expr("$states.input.Item") + " %}", "End": True}},
    }
    local_engine.create_state_machine("bad", machine)

    result = local_engine.run("bad", {"Item": {"a": {"Q": "1"}}})

    assert result.status == "FAILED"
    assert result.error == "States.QueryEvaluationError"
    assert "DynamoDB JSON: unknown type descriptor Q" in (result.cause or "")


def test_asl_validator_accepts_machines_using_the_expressions(tmp_path: Path) -> None:
    """asl-validator (npm, not ours) checks JSONata strings with ``^{% .+ %}$``: one line required."""
    npx = shutil.which("npx")
    assert npx is not None, "node/npm are required (README quick start); asl-validator is the judge here"
    path = tmp_path / "machine.json"
    path.write_text(json.dumps(_machine()))
    done = subprocess.run(
        [npx, "--no-install", "asl-validator", "--json-path", str(path)],
        cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "is valid" in done.stdout
