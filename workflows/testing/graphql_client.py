"""A GraphQL operation end to end, as a client of the deployed API would see it, without AppSync.

The path of one root field, each step done by the thing that does it in production (or its oracle):

1. the query text is parsed and validated against the project's schema file by graphql-core, and
   its variables coerced; a refused query is ``{"data": None, "errors": [...]}`` with graphql-core's
   message (AppSync words its validation messages differently);
2. the field's generated resolver (``appsync/<machine>.js``) runs its ``request`` handler under node
   with our ``@aws-appsync/utils`` stub, with the tenant's ``identity.resolverContext`` (what the
   Lambda authorizer returns) and the machine's ARN in ``ctx.stash`` (what the pipeline's before step
   puts there);
3. the HTTP request it builds is sent as StartSyncExecution to the target;
4. the raw HTTP answer goes to the resolver's ``response`` handler;
5. its value is completed by graphql-core against the selection set; a ``util.error`` becomes an
   entry of ``errors`` shaped like AppSync's: ``path``, ``data``, ``errorType``, ``errorInfo``,
   ``locations``, ``message``.

Supported: queries and mutations, variables, fragments, aliases, several root fields per operation
(mutations run one after the other). Not supported: subscriptions (UnsupportedOperation), resolvers
on non-root fields (nested fields are read from the parent's value, as AppSync does for a field
without a resolver), the Lambda authorizer itself (the tenant's context is given), AppSync's
scalar validation (AWS* scalars are declared but accept any value), caching and per-field auth
directives (declared, not enforced).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from graphql import (DirectiveDefinitionNode, GraphQLError, GraphQLResolveInfo, OperationType,
                     ScalarTypeDefinitionNode, build_schema, default_field_resolver, execute_sync,
                     get_operation_ast, parse, validate)
from graphql.language import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode

from workflows.registry import Resolver
from workflows.testing.resolver_js import ResolverCrash, ResolverSession
from workflows.testing.targets import Target
from workflows.testing.tenants import Tenant, resolver_context

__all__ = ["GraphQLClient", "ResolverError", "NoResolverMachine", "StaleResolver", "UnsupportedOperation",
           "APPSYNC_DEFINITIONS"]

#: AppSync's built-in scalars and directives, which a schema written for AppSync uses without declaring
APPSYNC_DEFINITIONS = {
    **{name: f"scalar {name}" for name in ("AWSDate", "AWSTime", "AWSDateTime", "AWSTimestamp", "AWSEmail",
                                           "AWSJSON", "AWSURL", "AWSPhone", "AWSIPAddress")},
    **{name: f"directive @{name} on OBJECT | FIELD_DEFINITION"
       for name in ("aws_api_key", "aws_iam", "aws_oidc", "aws_lambda")},
    "aws_cognito_user_pools": "directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION",
    "aws_auth": "directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION",
    "aws_subscribe": "directive @aws_subscribe(mutations: [String]) on FIELD_DEFINITION",
}
START_SYNC_TARGET = "AWSStepFunctions.StartSyncExecution"


class ResolverError(Exception):
    """A resolver handler called ``util.error``: a GraphQL error the client sees."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        self.message = error.get("message")
        self.error_type = error.get("type")
        self.data = error.get("data")
        self.error_info = error.get("errorInfo")
        super().__init__(self.message)


class NoResolverMachine(LookupError):
    """A root field of the operation has no resolver machine in the project."""


class StaleResolver(RuntimeError):
    """``appsync/<machine>.js`` is missing or differs from what ``workflows build`` generates now."""


class UnsupportedOperation(ValueError):
    """The operation is one the harness does not run (a subscription)."""


def schema_text(sdl: str) -> str:
    """The SDL plus AppSync's built-in scalars and directives it does not declare itself."""
    declared = {d.name.value for d in parse(sdl).definitions
                if isinstance(d, (ScalarTypeDefinitionNode, DirectiveDefinitionNode))}
    extra = [text for name, text in APPSYNC_DEFINITIONS.items() if name not in declared]
    return "\n".join([sdl, *extra])


def _location(node: Any) -> dict[str, Any]:
    loc = node.loc
    source_location = loc.source.get_location(loc.start)
    return {"line": source_location.line, "column": source_location.column, "sourceName": None}


def _locations(error: GraphQLError) -> list[dict[str, Any]]:
    return [{"line": loc.line, "column": loc.column, "sourceName": None} for loc in error.locations or []]


def _request_error(error: GraphQLError) -> dict[str, Any]:
    """A refused request (syntax, validation, variables), in AppSync's shape: no path, no errorType."""
    return {"path": None, "locations": _locations(error), "message": error.message}


def _field_error(path: list[str | int] | None, locations: list[dict[str, Any]], message: str | None,
                 error_type: str | None, data: Any = None, error_info: Any = None) -> dict[str, Any]:
    return {"path": path, "data": data, "errorType": error_type, "errorInfo": error_info,
            "locations": locations, "message": message}


def _selections(selection_set: SelectionSetNode | None, info: GraphQLResolveInfo, prefix: str = "") -> list[str]:
    """AppSync's ``ctx.info.selectionSetList``: field paths below the resolved field, fragments flattened."""
    out: list[str] = []
    for node in selection_set.selections if selection_set else ():
        if isinstance(node, FieldNode):
            if node.name.value.startswith("__"):
                continue
            path = f"{prefix}{node.name.value}"
            out.append(path)
            out += _selections(node.selection_set, info, f"{path}/")
        elif isinstance(node, InlineFragmentNode):
            out += _selections(node.selection_set, info, prefix)
        elif isinstance(node, FragmentSpreadNode):
            out += _selections(info.fragments[node.name.value].selection_set, info, prefix)
    return list(dict.fromkeys(out))


class _Operation:
    """One call's tenant and the errors its resolvers appended (``util.appendError``)."""

    def __init__(self, tenant: Tenant | dict[str, Any]) -> None:
        self.context = resolver_context(tenant)
        self.appended: list[dict[str, Any]] = []
        self.failure: Exception | None = None   # a harness or project error inside a resolver


class GraphQLClient:
    """``graphql(query, tenant=..., variables=...)`` -> ``{"data": ..., "errors": [...]}``."""

    def __init__(self, schema_sdl: str, resolvers: Mapping[str, Resolver], resolver_code: Mapping[str, str],
                 appsync_dir: Path, target: Target, session: ResolverSession) -> None:
        """``resolvers``: workflow -> the field it resolves; ``resolver_code``: workflow -> the JS that
        ``workflows build`` generates now (to refuse a stale ``appsync/`` file)."""
        self.schema = build_schema(schema_text(schema_sdl))
        self._fields = {(r.type_name, r.field_name): name for name, r in resolvers.items()}
        self._code = dict(resolver_code)
        self._appsync_dir = appsync_dir
        self._target = target
        self._session = session
        self._checked: dict[str, Path] = {}

    # -- the public call ------------------------------------------------------------------------
    def __call__(self, query: str, *, tenant: Tenant | dict[str, Any], variables: Mapping[str, Any] | None = None,
                 operation_name: str | None = None) -> dict[str, Any]:
        """Run one operation as ``tenant`` (a Tenant, or a resolverContext dict to test a bad one)."""
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {"data": None, "errors": [_request_error(exc)]}
        refused = validate(self.schema, document)
        if refused:
            return {"data": None, "errors": [_request_error(e) for e in refused]}
        operation = get_operation_ast(document, operation_name)
        if operation is not None and operation.operation == OperationType.SUBSCRIPTION:
            raise UnsupportedOperation("subscriptions are not supported: AppSync serves them over WebSocket "
                                       "from mutations' results; test the mutation instead")
        call = _Operation(tenant)
        result = execute_sync(self.schema, document, context_value=call, operation_name=operation_name,
                              variable_values=dict(variables) if variables is not None else None,
                              field_resolver=self._resolve)
        if call.failure is not None:
            raise call.failure  # the harness or the project is wrong, not the request: fail loudly
        errors: list[dict[str, Any]] = []
        for error in result.errors or []:
            original = error.original_error
            if error.path is None:
                errors.append(_request_error(error))  # e.g. a variable of the wrong type
            elif isinstance(original, ResolverError):
                errors.append(_field_error(error.path, _locations(error), original.message, original.error_type,
                                           original.data, original.error_info))
            else:  # graphql-core's own, e.g. null for a non-null field
                errors.append(_field_error(error.path, _locations(error), error.message, None))
        errors += call.appended
        response: dict[str, Any] = {"data": result.data}
        if errors:
            response["errors"] = errors
        return response

    # -- one root field ---------------------------------------------------------------------------
    def _resolve(self, source: Any, info: GraphQLResolveInfo, /, **args: Any) -> Any:
        roots = (info.schema.query_type, info.schema.mutation_type)
        if info.parent_type not in roots:
            return default_field_resolver(source, info, **args)
        key = (info.parent_type.name, info.field_name)
        workflow = self._fields.get(key)
        if workflow is None:
            known = ", ".join(f"{t}.{f}" for t, f in sorted(self._fields)) or "none"
            missing = NoResolverMachine(
                f"{key[0]}.{key[1]} has no resolver machine in the project (a workflow registered with "
                f"resolver=Resolver({key[0]!r}, {key[1]!r})); resolved: {known}")
            info.context.failure = info.context.failure or missing
            raise missing
        try:
            return self._run(workflow, info, args)
        except ResolverError:
            raise  # util.error: what the client gets
        except Exception as exc:
            info.context.failure = info.context.failure or exc
            raise

    def _module(self, workflow: str) -> Path:
        if workflow not in self._checked:
            path = self._appsync_dir / f"{workflow}.js"
            if not path.is_file():
                raise StaleResolver(f"{path} does not exist: run `workflows build`")
            if path.read_text(encoding="utf-8") != self._code.get(workflow):
                raise StaleResolver(f"{path} differs from what workflow {workflow} generates now: run "
                                    "`workflows build` and review the diff")
            self._checked[workflow] = path
        return self._checked[workflow]

    def _run(self, workflow: str, info: GraphQLResolveInfo, args: dict[str, Any]) -> Any:
        module = self._module(workflow)
        call: _Operation = info.context
        ctx: dict[str, Any] = {
            "arguments": args,
            "identity": {"resolverContext": call.context},
            "source": None,
            "stash": {"stateMachineArn": self._target.machine_arn(workflow)},
            "request": {"headers": {}},
            "info": {"fieldName": info.field_name, "parentTypeName": info.parent_type.name,
                     "variables": dict(getattr(info.variable_values, "coerced", info.variable_values)),
                     "selectionSetList": _selections(info.field_nodes[0].selection_set, info)},
        }
        request = self._handler(module, "request", ctx, info)
        if request.early_return:
            return request.result
        ctx["stash"] = request.stash if request.stash is not None else ctx["stash"]
        http = request.result or {}
        headers = {k.lower(): v for k, v in (http.get("params", {}).get("headers") or {}).items()}
        if http.get("method") != "POST" or headers.get("x-amz-target") != START_SYNC_TARGET:
            raise ResolverCrash(f"{module.name} request: expected a POST with x-amz-target {START_SYNC_TARGET}, "
                                f"got {json.dumps(http)[:300]}")
        _, raw = self._target.start_sync(**json.loads(http["params"]["body"]))
        response = self._handler(module, "response", {**ctx, "result": raw}, info)
        return response.result

    def _handler(self, module: Path, handler: str, ctx: dict[str, Any], info: GraphQLResolveInfo) -> Any:
        outcome = self._session.run(module, handler, ctx)
        call: _Operation = info.context
        locations = [_location(node) for node in info.field_nodes]
        call.appended += [_field_error(info.path.as_list(), locations, e.get("message"), e.get("type"),
                                       e.get("data"), e.get("errorInfo")) for e in outcome.errors]
        if outcome.error is not None:
            raise ResolverError(outcome.error)
        return outcome
