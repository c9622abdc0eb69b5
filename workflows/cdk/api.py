"""The tenant GraphQL API: the project's schema, a Lambda authorizer, one pipeline resolver per field.

Why a pipeline resolver: the generated APPSYNC_JS function is the same for every field except the
machine it calls; the resolver's before step stashes that machine's ARN (a deploy-time value), so the
function code stays byte-identical to what ``workflows build`` writes and eslint judges.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from workflows.cdk.machines import WorkflowMachine
from workflows.cdk.schema import schema_fields
from workflows.cdk.sources import MachineSource, SourceError

#: the authorizer Lambda's code, package data of workflows.cdk: bundled as an asset from the installed package
AUTHORIZER_DIR = Path(__file__).resolve().parent / "authorizer"
STASH_KEY = "stateMachineArn"
#: AppSync's range for an authorizer's cache time (LambdaAuthorizerConfig.authorizerResultTtlInSeconds)
MAX_CACHE_SECONDS = 3600
_BEFORE = """export function request(ctx) {
  ctx.stash.%s = "%s";
  return {};
}

export function response(ctx) {
  return ctx.prev.result;
}
"""


def table(scope: Construct, construct_id: str, *, sort_key: bool, stream: bool,
          table_name: str | None = None) -> dynamodb.Table:
    """A pay-per-request table keyed pk (and sk), point-in-time recovery on; ``table_name`` fixes its
    physical name (the app table of tenant accounts, which must have the platform's name)."""
    return dynamodb.Table(
        scope, construct_id, table_name=table_name, partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
        sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING) if sort_key else None,
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True),
        stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if stream else None)


class AuthorizerConfigError(ValueError):
    """An authorizer argument AppSync would refuse at deploy time (named here, at synth)."""


class Authorizer(Construct):
    """The JWT authorizer Lambda (workflows/cdk/authorizer), allowed one thing: GetItem on the tenants table.

    ``ttl_seconds`` is the longest time AppSync caches an answer: the function returns the token's
    remaining lifetime capped at it as ``ttlOverride``, so it is also the longest a suspended or deleted
    tenant's cached answer keeps working (0 caches nothing: every request reads the tenants table).
    It is kept on the construct because the API's own result-cache setting uses the same value;
    GraphqlApi reads it from here instead of taking its own.
    """

    def __init__(self, scope: Construct, construct_id: str, *, tenants: dynamodb.ITable, jwks: Mapping,
                 issuer: str, audience: str, ttl_seconds: int = 300) -> None:
        super().__init__(scope, construct_id)
        if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) \
                or not 0 <= ttl_seconds <= MAX_CACHE_SECONDS:
            raise AuthorizerConfigError(f"authorizer cache time {ttl_seconds!r} is not whole seconds from 0 to "
                                        f"{MAX_CACHE_SECONDS} (AppSync's range)")
        self.ttl_seconds = ttl_seconds
        log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH,
                                  removal_policy=cdk.RemovalPolicy.DESTROY)
        role = iam.Role(self, "Role", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                        description="JWT authorizer: write its logs, read the tenants table")
        role.add_to_policy(iam.PolicyStatement(actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                                               resources=[log_group.log_group_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[tenants.table_arn]))
        self.function = lambda_.Function(
            self, "Function", runtime=lambda_.Runtime.PYTHON_3_14, handler="handler.handler",
            code=lambda_.Code.from_asset(str(AUTHORIZER_DIR), exclude=["__pycache__", "*.pyc"]),
            role=role, log_group=log_group, timeout=cdk.Duration.seconds(5), memory_size=256,
            environment={"JWKS": json.dumps(jwks, separators=(",", ":"), sort_keys=True), "ISSUER": issuer,
                         "AUDIENCE": audience, "TENANTS_TABLE": tenants.table_name,
                         "TTL_SECONDS": str(ttl_seconds)})


class GraphqlApi(Construct):
    """The API: Lambda-authorized, an HTTP data source signed for ``states``, a resolver per machine.

    ``schema`` is the project's schema file (``Project.schema``); every machine's field must be one of its
    Query/Mutation/Subscription fields.
    """

    def __init__(self, scope: Construct, construct_id: str, *, schema: Path, authorizer: Authorizer,
                 machines: Mapping[str, tuple[MachineSource, WorkflowMachine]]) -> None:
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        self.api = appsync.GraphqlApi(
            self, "Api", name=f"{stack.stack_name}-api",
            definition=appsync.Definition.from_schema(appsync.SchemaFile.from_asset(str(schema))),
            authorization_config=appsync.AuthorizationConfig(default_authorization=appsync.AuthorizationMode(
                authorization_type=appsync.AuthorizationType.LAMBDA,
                lambda_authorizer_config=appsync.LambdaAuthorizerConfig(
                    handler=authorizer.function,
                    results_cache_ttl=cdk.Duration.seconds(authorizer.ttl_seconds)))),
            log_config=appsync.LogConfig(field_log_level=appsync.FieldLogLevel.ERROR, exclude_verbose_content=True,
                                         retention=logs.RetentionDays.ONE_MONTH),
            xray_enabled=True)
        self.data_source = self.api.add_http_data_source(
            "StepFunctions", f"https://sync-states.{stack.region}.{stack.url_suffix}/",
            description="StartSyncExecution of the resolver machines",
            authorization_config=appsync.AwsIamConfig(signing_region=stack.region, signing_service_name="states"))
        fields = schema_fields(schema)
        self.resolvers: dict[tuple[str, str], appsync.Resolver] = {}
        for name, (source, deployed) in sorted(machines.items()):
            if source.resolver is None or source.resolver_code is None:
                raise SourceError(f"{name} is wired as a resolver but declares no GraphQL field or code")
            key = (source.resolver.type_name, source.resolver.field_name)
            if key not in fields:
                raise SourceError(f"{name} resolves {'.'.join(key)}, which {schema} does not declare")
            deployed.machine.grant(self.data_source.grant_principal, "states:StartSyncExecution")
            function = appsync.AppsyncFunction(
                self, f"Run-{name}", name=name.replace("-", "_"), api=self.api, data_source=self.data_source,
                runtime=appsync.FunctionRuntime.JS_1_0_0, code=appsync.Code.from_inline(source.resolver_code))
            self.resolvers[key] = appsync.Resolver(
                self, f"{key[0]}-{key[1]}", api=self.api, type_name=key[0], field_name=key[1],
                runtime=appsync.FunctionRuntime.JS_1_0_0, pipeline_config=[function],
                code=appsync.Code.from_inline(_BEFORE % (STASH_KEY, deployed.machine.state_machine_arn)))
