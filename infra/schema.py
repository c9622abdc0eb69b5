"""The GraphQL schema file and the fields it declares (read with graphql-core, not by regex)."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema

from workflows.project import load_project

SCHEMA_FILE = load_project(Path(__file__).resolve().parent.parent).schema


def schema_fields(path: Path = SCHEMA_FILE) -> dict[tuple[str, str], tuple[str, ...]]:
    """(type, field) -> argument names, for every Query/Mutation/Subscription field of the schema."""
    schema = build_schema(path.read_text(encoding="utf-8"))
    fields: dict[tuple[str, str], tuple[str, ...]] = {}
    for root in (schema.query_type, schema.mutation_type, schema.subscription_type):
        if root is not None:
            for name, field in root.fields.items():
                fields[(root.name, name)] = tuple(field.args)
    return fields
