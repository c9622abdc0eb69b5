"""Turn what boto3 returns into the JSON values AWS Step Functions would hand to a state.

boto3 parses responses into Python types (datetime, bytes, Decimal, StreamingBody); Step Functions
works on JSON, and a non-JSON value left in a state's data breaks ``States.JsonToString``,
DescribeExecution and GetExecutionHistory. One function, used by the SDK-result adaptation and by
the engine when it returns history events.
"""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal
from typing import Any, Mapping

JsonValue = Any  # None | bool | int | float | str | list[JsonValue] | dict[str, JsonValue]


def format_timestamp(value: dt.datetime | dt.date) -> str:
    """ISO-8601 in UTC with millisecond precision and a ``Z`` suffix, as Step Functions prints."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        utc = value.astimezone(dt.timezone.utc)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return value.isoformat()


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def to_json_safe(value: Any) -> JsonValue:
    """Return a copy of ``value`` made only of JSON types (AWS's serialization for the rest)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return format_timestamp(value)
    if isinstance(value, Decimal):
        return _number(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(value)).decode("ascii")
    read = getattr(value, "read", None)
    if callable(read):  # botocore StreamingBody: Step Functions returns the body as text
        body = read()
        return body.decode("utf-8") if isinstance(body, bytes) else str(body)
    raise TypeError(f"value of type {type(value).__name__} has no JSON form: {value!r}")
