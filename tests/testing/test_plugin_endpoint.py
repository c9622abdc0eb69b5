"""The same user tests against `workflows local` running in another process (--sfn-endpoint, or the env var).

One endpoint per module: started as users start it (a subprocess on a free port, ready when it says so),
stopped at the end; the module is one xdist group, so it starts once, not once per worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from tests.testing.invoice_project import USER_TEST_COUNT, USER_TESTS, copy_project
from workflows.testing.endpoint import LocalProcess

pytestmark = pytest.mark.xdist_group("plugin-endpoint")


@pytest.fixture(scope="module")
def endpoint(invoice_project: Path) -> Iterator[str]:
    with LocalProcess(invoice_project) as url:
        yield url


def test_user_tests_pass_against_workflows_local(pytester: pytest.Pytester, invoice_project: Path,
                                                 endpoint: str) -> None:
    copy_project(invoice_project, pytester.path)
    pytester.makepyfile(test_invoices=USER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q", f"--sfn-endpoint={endpoint}")
    result.assert_outcomes(passed=USER_TEST_COUNT)
    # the tests ran there: their tenants' stacks and items are in the endpoint's services
    client = boto3.client("cloudformation", endpoint_url=endpoint, region_name="us-east-1",
                          aws_access_key_id="x", aws_secret_access_key="x", config=Config(inject_host_prefix=False))
    stacks = client.list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in stacks if s["StackName"].startswith("tenant-tenant-a-")} == {"DELETE_COMPLETE"}
    items = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="x",
                         aws_secret_access_key="x").scan(TableName="app-table")["Items"]
    assert {i["sk"]["S"] for i in items} >= {"INVOICE#i1", "INVOICE#i2", "INVOICE#i3"}


def test_the_environment_variable_names_the_endpoint_too(pytester: pytest.Pytester, invoice_project: Path,
                                                         endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    copy_project(invoice_project, pytester.path)
    pytester.makepyfile(test_where="""
        def test_where(sfn_target):
            assert sfn_target.kind == "endpoint"
            assert sfn_target.description == %r
    """ % endpoint)
    monkeypatch.setenv("WORKFLOWS_SFN_ENDPOINT", endpoint)
    pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q").assert_outcomes(passed=1)
