"""A small project of one's own, as the team in issue 11 wrote it (no tests here).

Three operations on a table keyed ``pk = <tenantId>``, ``sk = <set id>`` (no sort-key prefix):
``getSet(id: ID!): Set!``, ``listSets(nextPageKey: String): SetPage!`` with
``SetPage = {items: [Set!]!, pageInfo: PageInfo!}``, and ``addSet(input: AddSet!): Set!``.
``write_project`` puts it in a folder with a pyproject.toml, for the CLI and the golden gate.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from tests.projects import write_files
from workflows import registry

PACKAGE = "setsapp"

#: The public API, as the README and `workflows init` show it.
MACHINES = '''
from dataclasses import dataclass

from workflows.core import JSONATA
from workflows.patterns import appsync
from workflows.patterns.appsync import PARTITION_TENANT, PageShape, TenantTable
from workflows.registry import Resolver, workflow


@dataclass
class Set:
    id: str
    name: str
    cards: list[str]


SETS = TenantTable(Set, partition=PARTITION_TENANT, sk_prefix="", query_language=JSONATA)


@workflow("get-set", resolver=Resolver("Query", "getSet", ("id",)))
def get_set():
    return appsync.get_item(SETS, "get-set", not_found="error")


@workflow("list-sets", resolver=Resolver("Query", "listSets", ("nextPageKey",)))
def list_sets():
    return appsync.query_items(SETS, "list-sets", cursor="nextPageKey", prefix=None, limit=None,
                               page=PageShape(cursor="pageInfo.nextPageKey"), whole_partition=True)


@workflow("add-set", resolver=Resolver("Mutation", "addSet", ("input",)))
def add_set():
    return appsync.put_item(SETS, "add-set")
'''

#: The schema the team wrote by hand.
SCHEMA = '''
type Set {
  id: ID!
  name: String!
  cards: [String!]!
}

type PageInfo {
  nextPageKey: String
}

type SetPage {
  items: [Set!]!
  pageInfo: PageInfo!
}

input AddSet {
  id: ID!
  name: String!
  cards: [String!]!
}

type Query {
  getSet(id: ID!): Set!
  listSets(nextPageKey: String): SetPage!
}

type Mutation {
  addSet(input: AddSet!): Set!
}
'''


#: The trap as the team fell into it: the field's cursor is nextPageKey, the machine reads nextToken
#: (only APIs that existed before the contract, so the test can run against the old code too).
TRAP_MACHINES = '''
from dataclasses import dataclass

from workflows.core import JSONATA
from workflows.patterns import appsync
from workflows.patterns.appsync import TenantTable
from workflows.registry import Resolver, workflow


@dataclass
class Set:
    id: str
    name: str
    cards: list[str]


SETS = TenantTable(Set, query_language=JSONATA)


@workflow("list-sets", resolver=Resolver("Query", "listSets", ("nextPageKey",)))
def list_sets():
    return appsync.query_items(SETS, "list-sets")
'''
TRAP_SCHEMA = SCHEMA.replace("  getSet(id: ID!): Set!\n", "").split("input AddSet")[0] + """
type Query {
  listSets(nextPageKey: String): SetPage!
}
"""


def write_project(root: Path, monkeypatch: pytest.MonkeyPatch, machines: str = MACHINES,
                  schema: str | None = SCHEMA) -> Path:
    """``root`` becomes a project (package ``setsapp``); a fresh registry and module cache for it."""
    write_files(root, {f"{PACKAGE}/__init__.py": "", f"{PACKAGE}/machines.py": machines,
                       "pyproject.toml": f'[tool.saas-workflows]\nworkflows = ["{PACKAGE}"]\n'})
    if schema is not None:
        write_files(root, {"schema.graphql": textwrap.dedent(schema).lstrip()})
    monkeypatch.setattr(registry, "_REGISTRY", {})
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(root))
    return root
