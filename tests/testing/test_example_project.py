"""The fixtures on this repository's own project (the example domain, Users unique by email), in this
process: no conftest line brings them (the ``pytest11`` entry point does), and the project is found from
the current folder like any team's.

Oracles: graphql-core (the schema and the result's shape), the tenant template's roles with Credentials
enforced by the engine, and the example's machines and generated resolvers as `workflows build` made them.
"""

from __future__ import annotations

import json

import pytest

from workflows.testing.targets import Target
from workflows.testing.tenants import Tenants

# one worker runs the whole module (--dist loadgroup), so its one engine is set up once
pytestmark = pytest.mark.xdist_group("testing-example-project")

REGISTER = """mutation Register($user: UserInput!) { registerUser(input: $user) { id email } }"""
LIST = """query List($token: String) { listUsers(limit: 2, nextToken: $token) { items { ...who } nextToken } }
          fragment who on User { id email }"""


def user(i: int, tenant: str) -> dict[str, object]:
    return {"id": f"u{i}", "email": f"u{i}@{tenant}.example", "name": f"User {i}", "admin": i == 0, "logins": i}


def test_the_project_is_this_repositorys_and_its_machines_run_where_asked(sfn_target: Target) -> None:
    assert sfn_target.kind == "engine"
    assert {"appsync-get-item", "tenant-stack-create"} <= set(sfn_target.machines)
    described = sfn_target.client("stepfunctions").describe_state_machine(
        stateMachineArn=sfn_target.machine_arn("appsync-get-item"))
    assert described["type"] == "EXPRESS" and "${AppTable}" not in described["definition"]
    tables = sfn_target.client("dynamodb").list_tables()["TableNames"]
    assert sorted(tables) == ["app-table", "tenants"]


def test_tenants_get_the_templates_role(tenants: Tenants, sfn_target: Target) -> None:
    acme = tenants.create("acme")
    assert tenants.create("acme") is acme and tenants["acme"] is acme
    role = sfn_target.client("iam").get_role(RoleName=acme.role_arn.rsplit("/", 1)[-1])["Role"]
    assert role["Path"] == "/tenant-role/" and "acme" not in role["RoleName"]
    policy = json.dumps(sfn_target.client("iam").get_role_policy(RoleName=role["RoleName"],
                                                                   PolicyName="tenant-items")["PolicyDocument"])
    assert '"acme#*"' in policy and "table/app-table" in policy


def test_pages_fragments_and_variables_through_the_generated_resolvers(tenants: Tenants, graphql) -> None:
    initech = tenants.create("initech")  # its own tenant: the module's other tests write acme's users
    for i in range(3):
        assert graphql(REGISTER, tenant=initech, variables={"user": user(i, "initech")}) == {
            "data": {"registerUser": {"id": f"u{i}", "email": f"u{i}@initech.example"}}}
    first = graphql(LIST, tenant=initech)
    assert "errors" not in first, first
    page = first["data"]["listUsers"]
    assert [u["id"] for u in page["items"]] == ["u0", "u1"] and set(page["items"][0]) == {"id", "email"}
    second = graphql(LIST, tenant=initech, variables={"token": page["nextToken"]})["data"]["listUsers"]
    assert second == {"items": [{"id": "u2", "email": "u2@initech.example"}], "nextToken": None}


def test_a_machines_named_error_is_the_graphql_errors_type(tenants: Tenants, graphql) -> None:
    acme = tenants.create("acme")
    graphql(REGISTER, tenant=acme, variables={"user": user(7, "acme")})
    duplicate = graphql(REGISTER, tenant=acme, variables={"user": {**user(8, "acme"), "email": "u7@acme.example"}})
    assert duplicate["data"] == {"registerUser": None}
    [error] = duplicate["errors"]
    assert (error["errorType"], error["path"]) == ("UniqueConstraintViolation", ["registerUser"])
    assert "email" in error["message"] and error["errorInfo"]["status"] == "FAILED"
    assert error["locations"] == [{"line": 1, "column": REGISTER.index("registerUser") + 1, "sourceName": None}]


def test_two_root_fields_in_one_query_each_get_their_own_answer(tenants: Tenants, graphql) -> None:
    acme, globex = tenants.create("acme"), tenants.create("globex")
    graphql(REGISTER, tenant=acme, variables={"user": user(5, "acme")})
    both = graphql('{ mine: getUser(id: "u5") { email } gone: getUser(id: "nobody") { email } }', tenant=acme)
    assert both == {"data": {"mine": {"email": "u5@acme.example"}, "gone": None}}
    mixed = graphql('{ getUser(id: "u5") { email } }', tenant=globex.claiming(acme))
    assert mixed["errors"][0]["errorType"] == "Tenant.AccessDenied"


def test_the_resolvers_own_refusal_reaches_the_client(graphql) -> None:
    refused = graphql('{ getUser(id: "u1") { id } }', tenant={"tenantId": "acme"})  # the authorizer set no role
    [error] = refused["errors"]
    assert error["errorType"] == "MissingResolverContext" and "tenantRoleArn" in error["message"]


def test_a_variable_of_the_wrong_type_is_refused_before_any_resolver(tenants: Tenants, graphql) -> None:
    refused = graphql(LIST, tenant=tenants.create("acme"), variables={"token": 5})
    assert refused["data"] is None
    [error] = refused["errors"]
    assert error["path"] is None and "$token" in error["message"] and "String" in error["message"]


def test_sfn_call_gives_the_machines_answer(tenants: Tenants, sfn_call) -> None:
    acme = tenants.create("acme")
    assert sfn_call("appsync-put-unique", {"input": user(6, "acme")}, tenant=acme).ok()
    got = sfn_call("appsync-get-item", {"id": "u6"}, tenant=acme)
    assert got.ok() and got.output == user(6, "acme")
    invalid = sfn_call("appsync-update-item", {"id": "u6", "input": {"logins": "many"}}, tenant=acme)
    assert (invalid.status, invalid.error) == ("FAILED", "Resolver.InvalidArgument")
