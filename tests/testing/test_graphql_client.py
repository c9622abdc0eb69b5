"""The GraphQL path without an engine: graphql-core, the generated resolver under node, a recorded target.

The target here only records what the resolver sent and answers what a StartSyncExecution would (a body
with botocore's output fields); the engine-backed path is in test_example_project and the pytester tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from graphql import build_schema, parse, validate

from workflows.patterns.appsync.js import resolver_code
from workflows.registry import Resolver
from workflows.testing.graphql_client import (GraphQLClient, NoResolverMachine, StaleResolver,
                                              UnsupportedOperation, schema_text)
from workflows.testing.resolver_js import ResolverCrash, ResolverSession, node
from workflows.testing.tenants import Tenant

try:
    node()
except Exception:  # noqa: BLE001 - NodeNotFound: the resolvers cannot run here
    pytest.skip("node is not installed; the resolvers cannot be run", allow_module_level=True)

SDL = """
type Thing { id: ID! label: String! when: AWSDateTime @aws_lambda }
type Query { getThing(id: ID!): Thing  unresolved: Thing }
type Mutation { putThing(id: ID!, label: String!): Thing }
type Subscription { onThing: Thing @aws_subscribe(mutations: ["putThing"]) }
"""
ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:"
ACME = Tenant("acme", "arn:aws:iam::123456789012:role/tenant-role/r-acme")


class RecordedTarget:
    """Answers StartSyncExecution with ``answer(input)``; keeps every request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: Any = lambda payload: {"status": "SUCCEEDED", "output": json.dumps(
            {"id": payload["arguments"]["id"], "label": f"thing of {payload['identity']['resolverContext']['tenantId']}"})}

    def machine_arn(self, workflow: str) -> str:
        return ARN + workflow

    def start_sync(self, **request: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        self.requests.append(request)
        body = {"executionArn": "arn:x", "startDate": 1.0, "stopDate": 2.0, **self.answer(json.loads(request["input"]))}
        return body, {"statusCode": 200, "headers": {}, "body": json.dumps(body)}


@pytest.fixture(scope="module")
def session() -> Iterator[ResolverSession]:
    with ResolverSession() as running:
        yield running


@pytest.fixture
def client(tmp_path: Path, session: ResolverSession) -> tuple[GraphQLClient, RecordedTarget, Path]:
    resolvers = {"thing-get": Resolver("Query", "getThing", ("id",)),
                 "thing-put": Resolver("Mutation", "putThing", ("id", "label"))}
    code = {name: resolver_code(name, arguments=r.arguments) for name, r in resolvers.items()}
    for name, text in code.items():
        (tmp_path / f"{name}.js").write_text(text)
    target = RecordedTarget()
    return GraphQLClient(SDL, resolvers, code, tmp_path, target, session), target, tmp_path  # type: ignore[arg-type]


def test_appsync_scalars_and_directives_are_declared_only_when_missing() -> None:
    schema = build_schema(schema_text(SDL))
    assert schema.get_type("AWSDateTime") is not None and schema.get_directive("aws_subscribe") is not None
    own = "scalar AWSJSON\ntype Query { x: AWSJSON }"
    assert schema_text(own).count("scalar AWSJSON") == 1
    with pytest.raises(TypeError):  # the oracle refuses the SDL without them
        build_schema(SDL)


def test_the_request_is_what_the_resolver_built_and_the_answer_is_completed(client) -> None:
    graphql, target, _ = client
    result = graphql('query($i: ID!) { getThing(id: $i) { label } }', tenant=ACME, variables={"i": 7})
    assert result == {"data": {"getThing": {"label": "thing of acme"}}}
    [request] = target.requests
    assert request["stateMachineArn"] == ARN + "thing-get"
    assert json.loads(request["input"]) == {"identity": {"resolverContext": ACME.resolver_context},
                                            "arguments": {"id": "7"}}  # ID coerced to a string by graphql-core


def test_a_failed_execution_is_an_appsync_shaped_error(client) -> None:
    graphql, target, _ = client
    target.answer = lambda payload: {"status": "FAILED", "error": "Thing.Taken", "cause": "label in use"}
    result = graphql('mutation { putThing(id: "1", label: "x") { id } }', tenant=ACME)
    assert result == {"data": {"putThing": None}, "errors": [{
        "path": ["putThing"], "data": None, "errorType": "Thing.Taken",
        "errorInfo": {"executionArn": "arn:x", "status": "FAILED"},
        "locations": [{"line": 1, "column": 12, "sourceName": None}], "message": "label in use"}]}


def test_errors_of_a_non_null_field_follow_graphql_core(client) -> None:
    graphql, target, _ = client
    target.answer = lambda payload: {"status": "SUCCEEDED", "output": json.dumps({"id": "1"})}  # no label
    result = graphql('{ getThing(id: "1") { id label } }', tenant=ACME)
    assert result["data"] == {"getThing": None}
    assert result["errors"][0]["path"] == ["getThing", "label"]
    assert result["errors"][0]["message"] == "Cannot return null for non-nullable field Thing.label."


def test_a_refused_query_has_graphql_cores_messages_and_no_call(client) -> None:
    graphql, target, _ = client
    query = "{ getThing { nope } }"
    expected = [e.message for e in validate(build_schema(schema_text(SDL)), parse(query))]
    result = graphql(query, tenant=ACME)
    assert result["data"] is None and [e["message"] for e in result["errors"]] == expected and len(expected) == 2
    assert graphql("{ getThing(", tenant=ACME)["errors"][0]["message"].startswith("Syntax Error")
    assert target.requests == []


def test_harness_problems_raise_instead_of_becoming_graphql_errors(client) -> None:
    graphql, _, folder = client
    with pytest.raises(NoResolverMachine, match=r"Query.unresolved has no resolver machine.*Query.getThing"):
        graphql("{ unresolved { id } }", tenant=ACME)
    with pytest.raises(UnsupportedOperation, match="subscriptions are not supported"):
        graphql("subscription { onThing { id } }", tenant=ACME)
    (folder / "thing-put.js").write_text("// edited by hand\n" + (folder / "thing-put.js").read_text())
    with pytest.raises(StaleResolver, match=r"thing-put.js differs .*run `workflows build`"):
        graphql('mutation { putThing(id: "1", label: "x") { id } }', tenant=ACME)
    (folder / "thing-get.js").unlink()
    with pytest.raises(StaleResolver, match=r"thing-get.js does not exist: run `workflows build`"):
        graphql('{ getThing(id: "1") { id } }', tenant=ACME)


def test_a_crashing_resolver_raises_and_the_session_goes_on(session: ResolverSession, tmp_path: Path) -> None:
    module = tmp_path / "crash.js"
    module.write_text("export function request(ctx) { return ctx.nothing.here; }\n")
    with pytest.raises(ResolverCrash, match="crash.js request: TypeError"):
        session.run(module, "request", {})
    appends = tmp_path / "appends.js"
    appends.write_text('import { util } from "@aws-appsync/utils";\n'
                       'export function response(ctx) { util.appendError(ctx.arguments.m, "Partial"); return 1; }\n')
    first = session.run(appends, "response", {"arguments": {"m": "one"}})
    second = session.run(appends, "response", {"arguments": {"m": "two"}})
    assert [e["message"] for e in first.errors] == ["one"]
    assert [e["message"] for e in second.errors] == ["two"]  # appended errors do not leak between runs
