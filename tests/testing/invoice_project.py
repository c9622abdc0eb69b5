"""A small project of a team's own, as a user would write it (no tests here): one dataclass entity (the
README's Invoice), get + put resolvers built with workflows.patterns.appsync, a hand-written schema, and
test files that use the saas-workflows fixtures with no conftest line: the user's own, and the README's
"Testing your project" example verbatim."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.projects import build_project, write_files

README = Path(__file__).resolve().parents[2] / "README.md"

PYPROJECT = """\
[project]
name = "invoices-app"
version = "0.0.1"

[tool.saas-workflows]
workflows = ["invoices_app.machines"]
"""

MACHINES = '''\
from dataclasses import dataclass

from workflows.core import JSONATA, StateMachine
from workflows.patterns import appsync
from workflows.patterns.appsync import TenantTable
from workflows.registry import Resolver, workflow


@dataclass
class Invoice:
    id: str
    customer: str
    total: int
    paid: bool


INVOICES = TenantTable(Invoice, query_language=JSONATA)


@workflow("invoice-get", resolver=Resolver("Query", "getInvoice", ("id",)))
def invoice_get() -> StateMachine:
    return appsync.get_item(INVOICES, "invoice-get")


@workflow("invoice-put", resolver=Resolver("Mutation", "putInvoice", ("input",)))
def invoice_put() -> StateMachine:
    return appsync.put_item(INVOICES, "invoice-put")
'''

SCHEMA = """\
type Invoice {
  id: ID!
  customer: String!
  total: Int!
  paid: Boolean!
}

input InvoiceInput {
  id: ID!
  customer: String!
  total: Int!
  paid: Boolean!
}

type Query {
  getInvoice(id: ID!): Invoice
}

type Mutation {
  putInvoice(input: InvoiceInput!): Invoice
}
"""

#: the user's tests: what a team writes against its own project (the fixtures come from the plugin)
USER_TESTS = '''\
import json
from pathlib import Path

from graphql import build_schema, parse, validate

GET = "query Get($id: ID!) { getInvoice(id: $id) { id customer total paid } }"
PUT = "mutation Put($invoice: InvoiceInput!) { putInvoice(input: $invoice) { id customer } }"


def test_a_tenant_reads_its_own_invoice(tenants, graphql):
    a = tenants.create("tenant-a")
    invoice = {"id": "i1", "customer": "Ann", "total": 120, "paid": False}
    assert graphql(PUT, tenant=a, variables={"invoice": invoice}) == {"data": {"putInvoice": {"id": "i1", "customer": "Ann"}}}
    assert graphql(GET, tenant=a, variables={"id": "i1"}) == {"data": {"getInvoice": invoice}}


def test_a_tenant_cannot_read_another_tenants_invoice(tenants, graphql):
    a, b = tenants.create("tenant-a"), tenants.create("tenant-b")
    put = graphql(PUT, tenant=b, variables={"invoice": {"id": "i2", "customer": "B's secret", "total": 1, "paid": True}})
    assert "errors" not in put, put
    assert graphql(GET, tenant=a, variables={"id": "i2"}) == {"data": {"getInvoice": None}}  # A's partition has no i2
    stolen = graphql(GET, tenant=a.claiming(b), variables={"id": "i2"})  # A's role, B's tenant id
    assert stolen["data"] == {"getInvoice": None}
    [error] = stolen["errors"]
    assert error["errorType"] == "Tenant.AccessDenied", error
    assert error["path"] == ["getInvoice"]
    assert "is not authorized to perform: dynamodb:GetItem" in error["message"]
    assert "secret" not in json.dumps(stolen)
    assert graphql(GET, tenant=b, variables={"id": "i2"})["data"]["getInvoice"]["customer"] == "B's secret"


def test_an_invalid_query_is_refused_with_graphql_cores_message(tenants, graphql):
    query = '{ getInvoice(id: "i1") { custmer } }'
    expected = validate(build_schema(Path("schema.graphql").read_text()), parse(query))
    refused = graphql(query, tenant=tenants.create("tenant-a"))
    assert refused["data"] is None
    assert [e["message"] for e in refused["errors"]] == [e.message for e in expected]
    assert "Did you mean 'customer'?" in refused["errors"][0]["message"]


def test_a_machine_called_as_a_tenant(tenants, sfn_call):
    a = tenants.create("tenant-a")
    put = sfn_call("invoice-put", {"input": {"id": "i3", "customer": "direct", "total": 5, "paid": True}}, tenant=a)
    assert put.ok(), put.cause
    got = sfn_call("invoice-get", {"id": "i3"}, tenant=a)
    assert got.output == {"id": "i3", "customer": "direct", "total": 5, "paid": True}
    missing = sfn_call("invoice-get", {}, tenant=a)
    assert (missing.status, missing.error) == ("FAILED", "Resolver.InvalidArgument")
'''
USER_TEST_COUNT = 4


def readme_example() -> str:
    """The python block of the README's "Testing your project" section, verbatim."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Testing your project\n"):]
    section = section[:section.index("\n## ", 1)]
    [block] = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    return block


def write_project(root: Path) -> Path:
    """Write the project's sources into ``root`` and build its asl/ and appsync/ with `workflows build`."""
    write_files(root, {"pyproject.toml": PYPROJECT, "invoices_app/__init__.py": "",
                       "invoices_app/machines.py": MACHINES, "schema.graphql": SCHEMA})
    build_project(root)
    assert sorted(p.name for p in (root / "appsync").iterdir()) == ["invoice-get.js", "invoice-put.js"]
    return root


def copy_project(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__"))
