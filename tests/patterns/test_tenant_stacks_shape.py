"""The tenant stack machines' shape: what AWS needs that moto does not check."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import cfn_lint
from workflows.project import example_project
from workflows.patterns.tenant_stacks import tenant_template

NAMES = ("tenant-stack-create", "tenant-stack-delete", "tenant-stack-update")
ROOT = Path(__file__).resolve().parents[2]


def states(asl: dict):
    """Every state with the States object it lives in (a classified call's task lives in a Parallel branch)."""
    for name, state in asl["States"].items():
        yield name, state, asl["States"]
        for branch in state.get("Branches", []):
            yield from states(branch)
        if "ItemProcessor" in state:
            yield from states(state["ItemProcessor"])


@pytest.mark.parametrize("name", NAMES)
def test_registered_standard_and_throttle_safe(name: str) -> None:
    machine = example_project().workflows()[name].build()
    machine.validate()
    asl = machine.to_asl()
    for state_name, state, level in states(asl):
        resource = state.get("Resource", "")
        if ":cloudformation:" in resource and "Retry" not in state:
            # a classified call: every error it catches goes to a triage that rethrows only throttling
            triage = level[state["Catch"][0]["Next"]]
            assert triage["Type"] == "Choice", state_name
            assert level[triage["Choices"][0]["Next"]]["Error"] == "CloudFormation.Throttling", state_name
        elif ":cloudformation:" in resource:
            retry = state["Retry"][0]
            assert retry["ErrorEquals"] == ["CloudFormation.CloudFormationException"], state_name
            assert retry["JitterStrategy"] == "FULL" and retry["MaxDelaySeconds"] <= 60, state_name
        if state.get("Type") == "Parallel" and "Retry" in state:  # classified calls: only real throttling is retried
            assert state["Retry"][0]["ErrorEquals"] == ["CloudFormation.Throttling"]
            assert state["Retry"][0]["JitterStrategy"] == "FULL"
        elif state.get("Type") == "Parallel":  # patient calls: throttling beyond retries becomes data
            inner = state["Branches"][0]["States"][state["Branches"][0]["StartAt"]]
            assert inner["Type"] == "Parallel" and inner["Catch"][0]["ErrorEquals"] == ["CloudFormation.Throttling"]


@pytest.mark.parametrize("name", [
    "tenant-stack-create", "tenant-stack-delete",
    "tenant-stack-update",
])
def test_every_dynamodb_step_retries_throttling(name: str) -> None:
    """Issue 15 defect 4: throttling and transient errors of every DynamoDB step are retried with backoff."""
    asl = example_project().workflows()[name].build().to_asl()
    unretried = []
    for state_name, state, _ in states(asl):
        resource = state.get("Resource", "")
        if ":dynamodb:" in resource:
            retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
            family = "DynamoDb" if ":aws-sdk:" in resource else "DynamoDB"
            if not {f"{family}.ProvisionedThroughputExceededException", f"{family}.ThrottlingException"} <= retried:
                unretried.append(state_name)
    assert unretried == []


def test_update_pages_through_a_bounded_distributed_map() -> None:
    asl = example_project().workflows()["tenant-stack-update"].build().to_asl()
    page = asl["States"]["UpdatePage"]
    assert page["ItemProcessor"]["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert page["MaxConcurrency"] in range(1, 21), "bounded concurrency respects CloudFormation limits"
    # crashed children are counted and recorded by the parent, not allowed to fail the page (AWS would)
    assert page["ToleratedFailurePercentage"] == 100
    # Arguments are objects (cfn-lint types them so): the first page from the start, later pages from the cursor,
    # each at most a page and at most the rest of the wave
    first, more = (asl["States"][s]["Arguments"] for s in ("ScanTenants", "ScanMoreTenants"))
    assert "ExclusiveStartKey" not in first and more["ExclusiveStartKey"] == "{% $states.input.rollout.cursor %}"
    assert all("$min([100, " in a["Limit"] for a in (first, more))
    # a later page from the cursor; the rest pass's first page (after the marked canaries') from the start
    go_on = asl["States"]["PagesLeftInExecution"]
    assert [c["Next"] for c in go_on["Choices"]] == ["StartSuccessor", "ScanMoreTenants"]
    assert go_on["Default"] == "ScanTenants"


def test_role_name_is_random() -> None:
    asl = example_project().workflows()["tenant-stack-create"].build().to_asl()
    assert asl["States"]["ChooseRoleName"]["Parameters"] == {"value.$": "States.UUID()"}
    create = asl["States"]["CreateTenantStack"]["Branches"][0]["States"]["CreateStack"]
    params = create["Parameters"]["Parameters"]
    assert {"ParameterKey": "RoleName", "ParameterValue.$": "$.roleName.value"} in params


@pytest.mark.skipif(shutil.which("npx") is None, reason="node/npx is not installed")
def test_asl_validator_accepts_all(tmp_path: Path) -> None:
    args = ["npx", "--no-install", "asl-validator"]
    for name in NAMES:  # one run judges every file it is given (one node start instead of one per machine)
        path = tmp_path / f"{name}.json"
        path.write_text(example_project().workflows()[name].build().substituted())
        args += ["--json-path", str(path)]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count(" is valid") == len(NAMES), done.stdout


def test_template_passes_cfn_lint(tmp_path: Path) -> None:
    path = tmp_path / "tenant-stack.json"
    path.write_text(tenant_template())
    findings = cfn_lint.lint_paths([path])  # cfn-lint's defaults, in this process (tests/cfn_lint.py)
    assert cfn_lint.anything(findings) == {}, cfn_lint.report(findings)
    outputs = json.loads(tenant_template())["Outputs"]
    assert outputs["TenantRoleArn"]["Value"] == {"Fn::GetAtt": ["TenantRole", "Arn"]}
