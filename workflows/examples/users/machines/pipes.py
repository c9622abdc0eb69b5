"""Pipes enrichment machines shipped in the catalog: the generic flattener and a typed user example.

The user entity is the seed's shape grown to what broke there: a list of groups, a nested address
(with an optional field), a number, a boolean and optional fields.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.registry import workflow
from workflows.core import StateMachine
from workflows.patterns.pipes import flatten_stream, typed_events


@dataclass
class Address:
    street: str
    city: str
    zip: str | None = None


@dataclass
class User:
    id: str
    email: str
    firstName: str
    lastName: str
    groups: list[str]
    address: Address
    age: int | None = None
    active: bool | None = None


@workflow("pipes-flatten-stream")
def pipes_flatten_stream() -> StateMachine:
    return flatten_stream("pipes-flatten-stream")


@workflow("pipes-user-events")
def pipes_user_events() -> StateMachine:
    """New users only, as ``UserCreated`` events ready for an EventBridge bus target."""
    return typed_events("pipes-user-events", User, mode="jsonpath", keep={"INSERT": "UserCreated"},
                        shape="eventbridge")
