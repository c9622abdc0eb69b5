"""Binary parameters reach the service as AWS sends them: the task's base64 string, decoded once.

In AWS a task's JSON goes to the service as JSON, where a blob (DynamoDB ``B``/``BS``) already is
base64 text. moto's interpreter hands that JSON to a boto3 client, and botocore base64-encodes
whatever is in a blob position, a ``str`` included: ``"AQI="`` was stored as the bytes of ``AQI=``.
Decoding base64 strings in blob positions (per the operation's botocore input shape) before
serialization restores AWS's behaviour. Only clients made for tasks get this (the credentials
adaptation's task-client factory calls ``prepare``); users' own clients are untouched.

A JSON value that is not text in a blob position is sent as its compact JSON text, as AWS does:
``aws-sdk:s3:putObject`` with ``"Body": {"Dict": "Value"}`` stores ``{"Dict":"Value"}`` (moto
handed the dict to botocore, which failed with "'dict' object has no attribute 'read'"). A
streaming blob (S3's ``Body``) is the object's content, never base64: AWS stores the JSON text
of whatever value it gets, a string included (``"text data"`` is stored with its quotes).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from botocore.client import BaseClient
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.serialize import JSONSerializer

from workflows.local.errors import EngineAdaptationError

ADAPTATION = "blob_parameters"
_MARK = "_workflows_blob_parameters"


def _json_text(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _decode(shape: Shape | None, value: Any) -> Any:
    if shape is None:
        return value
    if shape.type_name == "blob":
        if shape.serialization.get("streaming") and not isinstance(value, (bytes, bytearray)):
            return _json_text(value)
        if isinstance(value, (dict, list, bool, int, float)):
            return _json_text(value)
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return value  # not base64: the service rejects it, as AWS's would
        return value
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        return {k: _decode(shape.members.get(k), v) for k, v in value.items()}
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {k: _decode(shape.value, v) for k, v in value.items()}
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [_decode(shape.member, v) for v in value]
    return value


def decode_blob_strings(params: dict[str, Any], model: Any, **_: Any) -> None:
    """botocore ``before-parameter-build`` handler: rewrite ``params`` in place."""
    decoded = _decode(model.input_shape, params)
    params.clear()
    params.update(decoded)


def prepare(client: BaseClient) -> BaseClient:
    """Register the handler on a task client (once)."""
    if not getattr(client, _MARK, False):
        client.meta.events.register("before-parameter-build.*.*", decode_blob_strings)
        setattr(client, _MARK, True)
    return client


def install() -> None:
    """Check the botocore behaviour this corrects is still there (a str blob is encoded again)."""
    encoded = JSONSerializer()._get_base64("AQI=")  # noqa: SLF001 - the behaviour we correct
    if encoded != base64.b64encode(b"AQI=").decode():
        raise EngineAdaptationError(ADAPTATION, "botocore no longer base64-encodes str blobs; "
                                                "re-check whether this adaptation is still needed")
