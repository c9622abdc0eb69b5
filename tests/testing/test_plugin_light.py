"""The plugin is installed for every pytest run of a project, so loading it must cost nothing."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from workflows.testing.calls import resolver_input
from workflows.testing.endpoint import EndpointStartError, LocalProcess
from workflows.testing.tenants import Tenant

HEAVY = ("moto", "boto3", "botocore", "graphql", "workflows.local", "workflows.core", "workflows.project")


def test_the_entry_point_names_the_plugin() -> None:
    [plugin] = [e for e in entry_points(group="pytest11") if e.value.startswith("workflows.")]
    assert plugin.value == "workflows.testing.plugin"


def test_loading_the_plugin_imports_nothing_heavy() -> None:
    code = ("import sys, workflows.testing.plugin\n"
            f"print(sorted({{m.split('.')[0] if not m.startswith('workflows') else m for m in sys.modules "
            f"if m.startswith({HEAVY!r})}}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_resolver_input_forwards_only_the_resolvers_arguments() -> None:
    tenant = Tenant("acme", "arn:aws:iam::123456789012:role/tenant-role/r")
    sent = resolver_input(tenant, {"id": "1", "extra": 2}, ("id", "input"))
    assert sent == {"identity": {"resolverContext": {"tenantId": "acme", "tenantRoleArn": tenant.role_arn}},
                    "arguments": {"id": "1"}}
    assert resolver_input({"tenantId": "x", "other": 1}, None)["identity"] == {"resolverContext": {"tenantId": "x"}}
    assert tenant.claiming("globex").resolver_context == {"tenantId": "globex", "tenantRoleArn": tenant.role_arn}


def test_an_endpoint_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(EndpointStartError, match=r"exited with 1 before it was ready:\n.*no pyproject.toml"):
        LocalProcess(tmp_path, timeout=60).start()


def test_a_folder_without_a_project_fails_the_fixture_with_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_x="def test_x(sfn_project):\n    pass\n")
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*saas-workflows fixtures: no pyproject.toml with [[]tool.saas-workflows[]]*"])
    assert "Traceback" not in result.stdout.str()
