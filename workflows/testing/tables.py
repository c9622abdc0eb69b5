"""The DynamoDB tables a project's machines need, read from their ASL, and their creation on a target.

Why from the ASL: a machine names its tables only as placeholders (``"TableName": "${AppTable}"``);
the key schema is whatever its ``Key`` arguments name (``pk``/``sk`` for every TenantTable layout).
When no task shows a ``Key`` (a put, a query, a transaction written as one JSONata expression), the
table is keyed ``pk``/``sk`` like a TenantTable. Secondary indexes cannot be read from the ASL:
override the ``sfn_tables`` fixture to declare them (see the README, "Testing your project").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterator, Mapping

__all__ = ["Index", "TableSpec", "table_specs", "create_tables"]

_PLACEHOLDER = re.compile(r"^\$\{(\w+)\}$")
_IN_TEXT = re.compile(r'"TableName"\s*:\s*"\$\{(\w+)\}"')


@dataclass(frozen=True)
class Index:
    """A global secondary index (string keys, all attributes projected)."""

    name: str
    pk: str
    sk: str | None = None


@dataclass(frozen=True)
class TableSpec:
    """A string-keyed, on-demand table; ``sk=None`` for a hash key only."""

    pk: str = "pk"
    sk: str | None = "sk"
    indexes: tuple[Index, ...] = ()
    stream: bool = False

    def create_arguments(self, name: str) -> dict[str, Any]:
        """CreateTable arguments for a table called ``name``."""
        keys = [(self.pk, "HASH")] + ([(self.sk, "RANGE")] if self.sk else [])
        attributes = {a for a, _ in keys}
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": [{"AttributeName": a, "KeyType": t} for a, t in keys],
            "BillingMode": "PAY_PER_REQUEST",
        }
        gsis = []
        for index in self.indexes:
            index_keys = [(index.pk, "HASH")] + ([(index.sk, "RANGE")] if index.sk else [])
            attributes |= {a for a, _ in index_keys}
            gsis.append({"IndexName": index.name, "Projection": {"ProjectionType": "ALL"},
                         "KeySchema": [{"AttributeName": a, "KeyType": t} for a, t in index_keys]})
        kwargs["AttributeDefinitions"] = [{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)]
        if gsis:
            kwargs["GlobalSecondaryIndexes"] = gsis
        if self.stream:
            kwargs["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        return kwargs


def _walk(value: Any) -> Iterator[tuple[str, tuple[str, ...] | None]]:
    """(placeholder, key attribute names or None) for every table reference inside ``value``."""
    if isinstance(value, dict):
        match = _PLACEHOLDER.match(value.get("TableName", "")) if isinstance(value.get("TableName"), str) else None
        if match:
            key = value.get("Key")
            names = tuple(k.removesuffix(".$") for k in key) if isinstance(key, dict) and 1 <= len(key) <= 2 else None
            yield match[1], names
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, str):
        for match in _IN_TEXT.finditer(value):
            yield match[1], None


def table_specs(definitions: Mapping[str, Mapping[str, Any]]) -> dict[str, TableSpec]:
    """Placeholder -> TableSpec for every table the given ASL definitions (name -> dict) name.

    Raises ValueError naming both machines when two of them key the same table differently.
    """
    keys: dict[str, tuple[tuple[str, ...], str]] = {}
    found: set[str] = set()
    for machine, definition in definitions.items():
        for placeholder, names in _walk(dict(definition)):
            found.add(placeholder)
            if names is None:
                continue
            known = keys.setdefault(placeholder, (names, machine))
            if known[0] != names:
                raise ValueError(f"${{{placeholder}}} is keyed {list(known[0])} in {known[1]} but {list(names)} "
                                 f"in {machine}; declare the table in the sfn_tables fixture")
    specs = {}
    for placeholder in sorted(found):
        names = keys.get(placeholder, (("pk", "sk"), ""))[0]
        specs[placeholder] = TableSpec(pk=names[0], sk=names[1] if len(names) > 1 else None)
    return specs


def create_tables(dynamodb: Any, specs: Mapping[str, TableSpec], names: Mapping[str, str]) -> dict[str, str]:
    """Create each table (placeholder -> spec) under its name in ``names``; an existing table is kept.

    Returns placeholder -> table name; a placeholder without a value is a ValueError naming it.
    """
    created = {}
    for placeholder, spec in specs.items():
        name = names.get(placeholder)
        if not name:
            raise ValueError(f"no value for ${{{placeholder}}}: declare a local default in the machine's "
                             "StateMachine(placeholders={...})")
        try:
            dynamodb.create_table(**spec.create_arguments(name))
        except dynamodb.exceptions.ResourceInUseException:
            pass  # a shared endpoint keeps its tables between test modules
        created[placeholder] = name
    return created
