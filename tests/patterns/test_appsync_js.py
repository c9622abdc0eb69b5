"""Generation-time checks of workflows.patterns.appsync.js (no node needed).

Behaviour of the generated code is tested by running it (test_appsync_js_node.py, test_appsync_js_moto.py)
and judged by AWS's linter (test_appsync_js_lint.py); here we pin what is decided in Python: which names
are accepted, which are refused and how, and what ends up in the module's constants.
"""

from __future__ import annotations

import json
import re

import pytest

from workflows.core.errors import BuildError
from workflows.patterns.appsync.js import ResolverSpecError, resolver_code


def _constant(code: str, name: str) -> object:
    match = re.search(rf"^const {name} = (.*);$", code, re.MULTILINE)
    assert match, f"const {name} not found"
    return json.loads(match.group(1))


def test_module_imports_only_appsync_utils() -> None:
    code = resolver_code("tenant_users")
    imports = [line for line in code.splitlines() if line.startswith("import ") or " require(" in line]
    assert imports == ['import { util } from "@aws-appsync/utils";']
    assert "export function request(ctx)" in code
    assert "export function response(ctx)" in code


def test_constants_carry_the_spec() -> None:
    code = resolver_code("tenant_users", arguments=["id", "email"], stash_key="usersArn", context_keys=["tenantRoleArn"])
    assert _constant(code, "MACHINE") == "tenant_users"
    assert _constant(code, "STASH_KEY") == "usersArn"
    assert _constant(code, "CONTEXT_KEYS") == ["tenantRoleArn"]
    assert _constant(code, "ARGUMENT_NAMES") == ["id", "email"]
    assert "pick(ctx.arguments || {}, ARGUMENT_NAMES)" in code


def test_all_arguments_when_none() -> None:
    code = resolver_code("tenant_users")
    assert _constant(code, "ARGUMENT_NAMES") is None
    assert "arguments: ctx.arguments || {}," in code


def test_empty_argument_list_is_allowed() -> None:
    assert _constant(resolver_code("m", arguments=[]), "ARGUMENT_NAMES") == []


@pytest.mark.parametrize(
    ("kwargs", "rule", "path", "fragment"),
    [
        ({"machine": "bad name"}, "bad-name", "machine", "machine name 'bad name'"),
        ({"machine": "x" * 81}, "bad-name", "machine", "must match"),
        ({"machine": "m", "arguments": "id"}, "not-a-list", "arguments", "got the string 'id'"),
        ({"machine": "m", "arguments": ["id", "1st"]}, "bad-name", "arguments[1]", "'1st' is not a GraphQL name"),
        ({"machine": "m", "arguments": ["id", "id"]}, "duplicate", "arguments[1]", "'id' is listed twice"),
        ({"machine": "m", "arguments": ['a"); util.error("x']}, "bad-name", "arguments[0]", "not a GraphQL name"),
        ({"machine": "m", "context_keys": []}, "empty", "context_keys", "at least one key"),
        ({"machine": "m", "context_keys": ["tenant-id"]}, "bad-name", "context_keys[0]", "'tenant-id'"),
        ({"machine": "m", "stash_key": "arn of machine"}, "bad-name", "stash_key", "must be a JS identifier"),
    ],
)
def test_bad_spec_is_refused_with_a_named_error(kwargs: dict, rule: str, path: str, fragment: str) -> None:
    machine = kwargs.pop("machine")
    with pytest.raises(ResolverSpecError) as info:
        resolver_code(machine, **kwargs)
    assert isinstance(info.value, BuildError)
    assert info.value.rules == {rule}
    assert info.value.issues[0].path == path
    assert fragment in str(info.value)


def test_resolver_refuses_a_bad_machine_name() -> None:
    with pytest.raises(ResolverSpecError, match="../evil"):
        resolver_code("../evil")
