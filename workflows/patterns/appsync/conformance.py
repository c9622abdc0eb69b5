"""Hold a GraphQL schema to the resolver machines bound to its fields, with graphql-core as the parser.

Why: a field and its machine are written apart (SDL by hand, the machine from a builder), and nothing
at run time says they disagree -- a cursor argument the machine never reads just returns page 1
again. For every bound field, ``check_binding`` proves:

1. the field exists (on Query, Mutation or Subscription);
2. the arguments the resolver forwards are exactly the field's;
3. the machine reads no argument that is not forwarded, and every forwarded one is read;
4. each argument's declared type gives the machine what it needs (a required argument is non-null,
   ``ID``/``String`` for a string, ``Int`` for an int, an input object with exactly the fields the
   machine reads);
5. the machine's answer satisfies the return type, nullability included: a machine that may answer
   null (a get without ``not_found="error"``) cannot back ``Set!``, and every member of the return
   type must be in the answer.

Messages name the field (``Query.listSets``), the argument or member path, and what to change.
A machine built by hand records no contract (``contract_of``): only 1 and 2 are checked for it.

The schema is parsed as AppSync reads it: its scalars (``AWSDateTime``, ``AWSJSON``, ...) and
authorization directives (``@aws_iam``, ...) need no declaration, so they are declared for the parser
when the schema does not declare them itself.
"""

from __future__ import annotations

from typing import Any, Iterable

from workflows.patterns.appsync.contract import (INPUT_ACCEPTS, LIST, OBJECT, OUTPUT_SATISFIES, SCALAR, APPSYNC_SCALARS,
                                                 Binding, Shape)

__all__ = ["SchemaError", "parse_schema", "check_binding", "unbound_fields", "ROOTS"]

ROOTS = ("Query", "Mutation", "Subscription")

_APPSYNC_DIRECTIVES = {
    "aws_subscribe": "directive @aws_subscribe(mutations: [String!]!) on FIELD_DEFINITION",
    "aws_iam": "directive @aws_iam on OBJECT | FIELD_DEFINITION",
    "aws_lambda": "directive @aws_lambda on OBJECT | FIELD_DEFINITION",
    "aws_api_key": "directive @aws_api_key on OBJECT | FIELD_DEFINITION",
    "aws_oidc": "directive @aws_oidc on OBJECT | FIELD_DEFINITION",
    "aws_cognito_user_pools": "directive @aws_cognito_user_pools(cognito_groups: [String]) on OBJECT | FIELD_DEFINITION",
    "aws_auth": "directive @aws_auth(cognito_groups: [String]) on FIELD_DEFINITION",
}


class SchemaError(Exception):
    """The schema text is not a valid GraphQL schema (graphql-core's messages, with line and column)."""


def _located(error: Any) -> str:
    where = ", ".join(f"line {loc.line}, column {loc.column}" for loc in (error.locations or []))
    return f"{error.message}" + (f" ({where})" if where else "")


def parse_schema(text: str) -> Any:
    """The ``GraphQLSchema`` of ``text``, validated by graphql-core; SchemaError listing every error."""
    from graphql import GraphQLError, build_ast_schema, parse, validate_schema
    from graphql.language import DirectiveDefinitionNode, TypeDefinitionNode
    from graphql.validation.validate import validate_sdl

    try:
        document = parse(text)
    except GraphQLError as exc:
        raise SchemaError(_located(exc)) from None
    declared = {d.name.value for d in document.definitions
                if isinstance(d, (TypeDefinitionNode, DirectiveDefinitionNode))}
    extra = [f"scalar {name}" for name in APPSYNC_SCALARS if name not in declared]
    extra += [sdl for name, sdl in _APPSYNC_DIRECTIVES.items() if name not in declared]
    if extra:
        document = parse(text + "\n" + "\n".join(extra) + "\n")
    errors = validate_sdl(document)  # what build_ast_schema checks first, with each error's location
    if errors:
        raise SchemaError("; ".join(_located(e) for e in errors))
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as exc:  # pragma: no cover - validate_sdl reports these first
        raise SchemaError(str(exc)) from None
    errors = validate_schema(schema)
    if errors:
        raise SchemaError("; ".join(_located(e) for e in errors))
    return schema


def _root(schema: Any, type_name: str) -> Any:
    return {"Query": schema.query_type, "Mutation": schema.mutation_type,
            "Subscription": schema.subscription_type}.get(type_name)


def _names(values: Iterable[str]) -> str:
    names = list(values)
    return ", ".join(names) if names else "none"


def check_binding(schema: Any, binding: Binding, schema_name: str = "the schema") -> list[str]:
    """Every way ``binding`` disagrees with ``schema`` (empty when it conforms); see the module docstring."""
    root = _root(schema, binding.type_name)
    field = root.fields.get(binding.field_name) if root is not None else None
    where = binding.coordinate
    if field is None:
        return [f"{where} is not declared in {schema_name}; add the field (`workflows schema` prints one) or "
                "change the Resolver"]
    declared = list(field.args)
    forwarded = list(binding.forwarded) if binding.forwarded is not None else declared
    problems = [f"{where}: the resolver forwards argument {a!r}, which the field does not declare "
                f"(it declares: {_names(declared)})" for a in forwarded if a not in declared]
    problems += [f"{where}: argument {a!r} is declared but the resolver does not forward it "
                 f"(Resolver arguments: {_names(forwarded)})" for a in declared if a not in forwarded]
    contract = binding.contract
    if contract is None:
        return problems
    reads = dict(contract.arguments)
    for name in reads:
        if name not in forwarded:
            problems.append(f"{where}: the machine reads argument {name!r}, which the resolver does not forward "
                            f"(the field declares: {_names(declared)}; forwarded: {_names(forwarded)})")
    for name in forwarded:
        if name in declared and name not in reads:
            problems.append(f"{where}: argument {name!r} is forwarded, but the machine does not read it "
                            f"(it reads: {_names(reads)})")
    for name, shape in reads.items():
        if name in declared and name in forwarded:
            problems += _input(shape, field.args[name].type, f"{where}({name})")
    problems += _output(contract.returns, field.type, where)
    return problems


def unbound_fields(schema: Any, bound: Iterable[tuple[str, str]]) -> list[str]:
    """Query and Mutation fields that no machine resolves (Subscriptions are AppSync's own)."""
    taken = set(bound)
    out = []
    for type_name in ("Query", "Mutation"):
        root = _root(schema, type_name)
        for name in (root.fields if root is not None else {}):
            if (type_name, name) not in taken:
                out.append(f"{type_name}.{name} is resolved by no machine (no @workflow has resolver=Resolver("
                           f"{type_name!r}, {name!r}, ...)); AppSync would answer it with null or an error")
    return out


def _mismatch(path: str, declared: Any, shape: Shape, verb: str) -> str:
    return f"{path} is {declared}, but the machine {verb} {shape.describe()}"


def _output(shape: Shape, declared: Any, path: str) -> list[str]:
    from graphql import (is_enum_type, is_interface_type, is_list_type, is_non_null_type, is_object_type,
                         is_scalar_type)

    written = declared
    if is_non_null_type(declared):
        if shape.nullable:
            return [f"{path} is {declared}, but the machine may answer null there: {shape.why_null or 'it is optional'}"]
        declared = declared.of_type
    if is_list_type(declared):
        if shape.kind != LIST or shape.item is None:
            return [_mismatch(path, written, shape, "answers")]
        return _output(shape.item, declared.of_type, f"{path}[]")
    if is_object_type(declared) or is_interface_type(declared):
        if shape.kind != OBJECT:
            return [_mismatch(path, written, shape, "answers")]
        out = []
        for name, member in declared.fields.items():
            found = shape.member(name)
            if found is None:
                out.append(f"{path}.{name} ({member.type}) is never in the machine's answer "
                           f"(it answers: {_names(n for n, _ in shape.fields)})")
            else:
                out += _output(found, member.type, f"{path}.{name}")
        return out
    if is_scalar_type(declared):
        if shape.kind != SCALAR or declared.name not in OUTPUT_SATISFIES.get(shape.name, ()):
            return [_mismatch(path, written, shape, "answers")]
        return []
    kind = "an enum" if is_enum_type(declared) else "a union"
    return [f"{path} is {declared}, {kind}: the machine's answer cannot be proven to fit it "
            f"(it answers {shape.describe()})"]


def _input(shape: Shape, declared: Any, path: str) -> list[str]:
    from graphql import is_enum_type, is_input_object_type, is_list_type, is_non_null_type, is_scalar_type

    out = []
    written = declared
    if is_non_null_type(declared):
        declared = declared.of_type
    elif not shape.nullable:
        out.append(f"{path} is {declared} (a client may leave it out or send null), but the machine requires it: "
                   f"declare it {declared}!")
    if is_list_type(declared):
        if shape.kind != LIST or shape.item is None:
            return out + [_mismatch(path, written, shape, "needs")]
        return out + _input(shape.item, declared.of_type, f"{path}[]")
    if is_input_object_type(declared):
        if shape.kind != OBJECT:
            return out + [_mismatch(path, written, shape, "needs")]
        for name, member in declared.fields.items():
            found = shape.member(name)
            if found is None:
                out.append(f"{path}.{name} is declared, but the machine never reads it "
                           f"(it reads: {_names(n for n, _ in shape.fields)})")
            else:
                out += _input(found, member.type, f"{path}.{name}")
        out += [f"{path}.{name}: the machine reads it ({found.describe()}), but {declared.name} does not declare it"
                for name, found in shape.fields if name not in declared.fields]
        return out
    if is_scalar_type(declared) and shape.kind == SCALAR and declared.name in INPUT_ACCEPTS.get(shape.name, ()):
        return out
    if is_enum_type(declared) and shape.kind == SCALAR and shape.name in ("String", "ID"):
        return out  # an enum value reaches the resolver as its name, a string
    return out + [_mismatch(path, written, shape, "needs")]
