"""A task's base64 blob reaches DynamoDB decoded once, as in AWS (adaptation blob_parameters)."""

from __future__ import annotations

import json

import pytest

from workflows.local.adaptations import blob_parameters
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError
from workflows.local.pytest_plugin import create_table

PUT = {"StartAt": "Put", "States": {"Put": {
    "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem", "End": True,
    "Parameters": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "1"}, "blob": {"B.$": "$.b"},
                                              "blobs": {"BS.$": "$.bs"}}}}}}


def test_task_blob_is_stored_as_the_bytes_it_encodes() -> None:
    with LocalEngine() as engine:
        create_table(engine, "t")
        engine.create_state_machine("put", json.dumps(PUT))
        assert engine.run("put", {"b": "AQI=", "bs": ["eg==", "AA=="]}).ok()
        item = engine.client("dynamodb").get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
        assert item["blob"]["B"] == b"\x01\x02"
        assert sorted(item["blobs"]["BS"]) == [b"\x00", b"z"]


def test_users_own_clients_are_untouched() -> None:
    with LocalEngine() as engine:
        create_table(engine, "t")
        engine.client("dynamodb").put_item(TableName="t", Item={"pk": {"S": "a"}, "sk": {"S": "1"},
                                                                "blob": {"B": b"AQI="}})
        item = engine.client("dynamodb").get_item(TableName="t", Key={"pk": {"S": "a"}, "sk": {"S": "1"}})["Item"]
        assert item["blob"]["B"] == b"AQI="


def test_install_fails_loudly_if_botocore_stops_encoding_str_blobs(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.serialize import JSONSerializer
    monkeypatch.setattr(JSONSerializer, "_get_base64", lambda self, value: value)
    with pytest.raises(EngineAdaptationError, match="blob_parameters"):
        blob_parameters.install()
