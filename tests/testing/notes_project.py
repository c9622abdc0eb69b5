"""A small project of a team's own, as a user would write it (no tests here): one dataclass entity,
get + put resolvers built with workflows.patterns.appsync, a hand-written schema, and a test file that
uses the saas-workflows fixtures with no conftest line."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PYPROJECT = """\
[project]
name = "notes-app"
version = "0.0.1"

[tool.saas-workflows]
workflows = ["notes_app.machines"]
"""

MACHINES = '''\
from dataclasses import dataclass

from workflows.core import JSONATA, StateMachine
from workflows.patterns import appsync
from workflows.patterns.appsync import TenantTable
from workflows.registry import Resolver, workflow


@dataclass
class Note:
    id: str
    title: str
    stars: int


NOTES = TenantTable(Note, query_language=JSONATA)


@workflow("note-get", resolver=Resolver("Query", "getNote", ("id",)))
def note_get() -> StateMachine:
    return appsync.get_item(NOTES, "note-get")


@workflow("note-put", resolver=Resolver("Mutation", "putNote", ("input",)))
def note_put() -> StateMachine:
    return appsync.put_item(NOTES, "note-put")
'''

SCHEMA = """\
type Note {
  id: ID!
  title: String!
  stars: Int!
}

input NoteInput {
  id: ID!
  title: String!
  stars: Int!
}

type Query {
  getNote(id: ID!): Note
}

type Mutation {
  putNote(input: NoteInput!): Note
}
"""

#: the user's tests: what a team writes against its own project (the fixtures come from the plugin)
USER_TESTS = '''\
import json
from pathlib import Path

from graphql import build_schema, parse, validate

GET = "query Get($id: ID!) { getNote(id: $id) { id title stars } }"
PUT = "mutation Put($note: NoteInput!) { putNote(input: $note) { id title } }"


def test_a_tenant_reads_its_own_note(tenants, graphql):
    a = tenants.create("tenant-a")
    note = {"id": "n1", "title": "A's plan", "stars": 3}
    assert graphql(PUT, tenant=a, variables={"note": note}) == {"data": {"putNote": {"id": "n1", "title": "A's plan"}}}
    assert graphql(GET, tenant=a, variables={"id": "n1"}) == {"data": {"getNote": note}}


def test_a_tenant_cannot_read_another_tenants_note(tenants, graphql):
    a, b = tenants.create("tenant-a"), tenants.create("tenant-b")
    put = graphql(PUT, tenant=b, variables={"note": {"id": "n2", "title": "B's secret", "stars": 1}})
    assert "errors" not in put, put
    assert graphql(GET, tenant=a, variables={"id": "n2"}) == {"data": {"getNote": None}}  # A's partition has no n2
    stolen = graphql(GET, tenant=a.claiming(b), variables={"id": "n2"})  # A's role, B's tenant id
    assert stolen["data"] == {"getNote": None}
    [error] = stolen["errors"]
    assert error["errorType"] == "DynamoDB.AccessDeniedException", error
    assert error["path"] == ["getNote"]
    assert "is not authorized to perform: dynamodb:GetItem" in error["message"]
    assert "secret" not in json.dumps(stolen)
    assert graphql(GET, tenant=b, variables={"id": "n2"})["data"]["getNote"]["title"] == "B's secret"


def test_an_invalid_query_is_refused_with_graphql_cores_message(tenants, graphql):
    query = '{ getNote(id: "n1") { titel } }'
    expected = validate(build_schema(Path("schema.graphql").read_text()), parse(query))
    refused = graphql(query, tenant=tenants.create("tenant-a"))
    assert refused["data"] is None
    assert [e["message"] for e in refused["errors"]] == [e.message for e in expected]
    assert "Did you mean 'title'?" in refused["errors"][0]["message"]


def test_a_machine_called_as_a_tenant(tenants, sfn_call):
    a = tenants.create("tenant-a")
    put = sfn_call("note-put", {"input": {"id": "n3", "title": "direct", "stars": 5}}, tenant=a)
    assert put.ok(), put.cause
    assert sfn_call("note-get", {"id": "n3"}, tenant=a).output == {"id": "n3", "title": "direct", "stars": 5}
    missing = sfn_call("note-get", {}, tenant=a)
    assert (missing.status, missing.error) == ("FAILED", "Resolver.InvalidArgument")
'''
USER_TEST_COUNT = 4


def write_project(root: Path) -> Path:
    """Write the project's sources into ``root`` and build its asl/ and appsync/ with `workflows build`."""
    (root / "notes_app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(PYPROJECT)
    (root / "notes_app" / "__init__.py").write_text("")
    (root / "notes_app" / "machines.py").write_text(MACHINES)
    (root / "schema.graphql").write_text(SCHEMA)
    built = subprocess.run([sys.executable, "-m", "workflows", "--project", str(root), "build"],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
    assert sorted(p.name for p in (root / "appsync").iterdir()) == ["note-get.js", "note-put.js"]
    return root


def copy_project(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
