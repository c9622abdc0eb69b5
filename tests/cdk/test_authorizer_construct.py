"""The authorizer's longest cache time is the construct's to set (issue 12 item 4), in AppSync's range.

Why it matters: it is the window after a tenant is suspended or deleted in which an answer AppSync
cached just before still admits that tenant's token (README, Security). The function returns the
token's remaining lifetime capped at this value (handler.cache_seconds); the API's own result-cache
setting and the function's TTL_SECONDS are the same number.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template

from workflows.cdk import AuthorizerConfigError, AuthSettings, StackConfigError, TenantApiStack
from workflows.cdk.api import Authorizer, GraphqlApi, table
from workflows.project import Project

CONTEXT = {"saas:issuer": "https://idp/", "saas:audience": "api"}


MAXIMA = (0, 45, 3600)


def add_stack(app: cdk.App, folder: Path, ttl_seconds: int) -> cdk.Stack:
    stack = cdk.Stack(app, f"AuthOnly{ttl_seconds}", env=cdk.Environment(account="123456789012", region="us-east-1"))
    tenants = table(stack, "Tenants", sort_key=False, stream=False)
    authorizer = Authorizer(stack, "Authorizer", tenants=tenants, jwks={"keys": []}, issuer="https://idp/",
                            audience="api", ttl_seconds=ttl_seconds)
    schema = folder / "schema.graphql"
    schema.write_text("type Query {\n  ping: String\n}\n", encoding="utf-8")
    GraphqlApi(stack, "GraphQL", schema=schema, authorizer=authorizer, machines={})
    return stack


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict]:
    """One app with a stack per maximum, synthesized once (Template.from_stack reuses the app's assembly;
    a synth costs seconds, and the stacks share nothing but the app)."""
    app = cdk.App()
    folder = tmp_path_factory.mktemp("authorizer")
    stacks = {seconds: add_stack(app, folder, seconds) for seconds in MAXIMA}
    return {seconds: Template.from_stack(stack).to_json() for seconds, stack in stacks.items()}


@pytest.mark.xdist_group("authorizer-synth")  # the one synth, on one worker
@pytest.mark.parametrize("seconds", MAXIMA)
def test_the_maximum_reaches_the_function_and_the_api(templates: dict[int, dict], seconds: int) -> None:
    template = templates[seconds]
    resources = template["Resources"].values()
    [function] = [r for r in resources if r["Type"] == "AWS::Lambda::Function"
                  and r["Properties"].get("Handler") == "handler.handler"]
    [api] = [r for r in resources if r["Type"] == "AWS::AppSync::GraphQLApi"]
    assert function["Properties"]["Environment"]["Variables"]["TTL_SECONDS"] == str(seconds)
    assert api["Properties"]["LambdaAuthorizerConfig"]["AuthorizerResultTtlInSeconds"] == seconds


@pytest.mark.parametrize("bad", [-1, 3601, 1.5, True, "60"])
def test_a_maximum_appsync_would_refuse_is_named_at_synth(bad: object) -> None:
    stack = cdk.Stack(cdk.App(), "Bad")
    tenants = table(stack, "Tenants", sort_key=False, stream=False)
    with pytest.raises(AuthorizerConfigError, match=r"cache time .* 0 to 3600"):
        Authorizer(stack, "Authorizer", tenants=tenants, jwks={"keys": []}, issuer="i", audience="a",
                   ttl_seconds=bad)  # type: ignore[arg-type]


def test_auth_settings_carry_the_maximum_from_context() -> None:
    assert AuthSettings.from_context(cdk.App(context=CONTEXT)).cache_seconds == 300
    assert AuthSettings.from_context(cdk.App(context=CONTEXT | {"saas:authorizerCacheSeconds": "60"})).cache_seconds == 60
    assert AuthSettings.from_context(cdk.App(context=CONTEXT | {"saas:authorizerCacheSeconds": 0})).cache_seconds == 0
    with pytest.raises(StackConfigError, match="saas:authorizerCacheSeconds='soon' is not whole seconds"):
        AuthSettings.from_context(cdk.App(context=CONTEXT | {"saas:authorizerCacheSeconds": "soon"}))


def test_the_stack_passes_the_maximum_on(shop: Project) -> None:
    """TenantApiStack builds its Authorizer with AuthSettings.cache_seconds (constructed, not synthesized)."""
    built = TenantApiStack(cdk.App(), "Shop", project=shop,
                           auth=AuthSettings("https://idp/", "api", cache_seconds=30))
    assert built.node.find_child("Authorizer").ttl_seconds == 30
    with pytest.raises(AuthorizerConfigError):
        TenantApiStack(cdk.App(), "Shop", project=shop, auth=AuthSettings("https://idp/", "api", cache_seconds=7200))
