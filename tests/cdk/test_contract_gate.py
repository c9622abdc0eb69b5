"""`workflows check` and the CDK stack agree on the GraphQL contract: a schema the check refuses is not
deployed either (issue 14, item 5: the stack checked only that each resolver's field exists, so the
issue-11 trap -- listSets(nextPageKey) wired to a query that reads nextToken -- synthesized and would have
returned page 1 forever)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.patterns.sets_project import TRAP_MACHINES, TRAP_SCHEMA, write_project
from workflows import golden
from workflows.project import load_project


def test_the_stack_refuses_what_workflows_check_refuses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import aws_cdk as cdk

    from workflows.cdk import AuthSettings, SourceError, TenantApiStack

    project = load_project(write_project(tmp_path, monkeypatch, machines=TRAP_MACHINES, schema=TRAP_SCHEMA))
    golden.build(project)
    refused = [str(p) for p in golden.check(project)]
    assert any("argument 'nextPageKey' is forwarded, but the machine does not read it" in p for p in refused)
    app = cdk.App(outdir=str(tmp_path / "cdk.out"))
    with pytest.raises(SourceError) as caught:
        TenantApiStack(app, "Trap", project=project, auth=AuthSettings(issuer="https://idp/", audience="trap"))
    message = str(caught.value)
    assert "schema.graphql disagrees with the resolver machines (run `workflows check`)" in message
    assert "argument 'nextPageKey' is forwarded, but the machine does not read it" in message
