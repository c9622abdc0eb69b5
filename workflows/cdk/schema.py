"""A project's GraphQL schema file and the fields it declares (read with graphql-core, not by regex).

The one place the CDK constructs read the schema: the API checks each resolver's field against it.
"""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema


def schema_fields(path: Path) -> dict[tuple[str, str], tuple[str, ...]]:
    """(type, field) -> argument names, for every Query/Mutation/Subscription field of the schema."""
    schema = build_schema(Path(path).read_text(encoding="utf-8"))
    fields: dict[tuple[str, str], tuple[str, ...]] = {}
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if root is not None:
            for name, field in root.fields.items():
                fields[(root.name, name)] = tuple(field.args)
    return fields
