"""The synthesized tenant template: the parameters the lifecycle machines pass, deployable by moto's CloudFormation,
lint-free by cfn-lint; its role trusts only the machines that run tenant tasks and carries the platform's boundary."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import boto3
from moto import mock_aws

from tests import cfn_lint
from workflows.cdk.tenant_template import TENANT_ACTIONS, synth_tenant_template
from workflows.patterns.tenant_stacks import TEMPLATE_PARAMETERS, boundary_document

CALLERS = "arn:aws:iam::123456789012:role/resolvers-a,arn:aws:iam::123456789012:role/resolvers-b"
BOUNDARY = "arn:aws:iam::123456789012:policy/tenant-boundary"


def test_parameters_match_what_the_lifecycle_machines_pass() -> None:
    template = json.loads(synth_tenant_template())
    assert tuple(template["Parameters"]) == TEMPLATE_PARAMETERS
    assert "BootstrapVersion" not in template["Parameters"] and "Rules" not in template  # bootstrapless
    role = template["Resources"]["TenantRole"]["Properties"]
    assert role["Path"] == "/tenant-role/" and role["RoleName"] == {"Ref": "RoleName"}
    [policy] = role["Policies"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Action"] == list(TENANT_ACTIONS)
    keys = statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
    assert keys[0] == {"Ref": "TenantId"} and "#*" in json.dumps(keys[1])


def test_the_role_trusts_only_the_caller_roles_and_carries_the_boundary() -> None:
    """Issue 12 item 6: not the account root (any principal allowed sts:AssumeRole), not the Step Functions
    service (it assumes execution roles; a task's role is assumed by the execution role,
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html).
    Item 7: the boundary the platform stack owns."""
    role = json.loads(synth_tenant_template())["Resources"]["TenantRole"]["Properties"]
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust == {"Effect": "Allow", "Principal": {"AWS": {"Fn::Split": [",", {"Ref": "TenantCallerRoleArns"}]}},
                     "Action": "sts:AssumeRole"}
    assert ":root" not in json.dumps(role) and "states.amazonaws.com" not in json.dumps(role)
    assert role["PermissionsBoundary"] == {"Ref": "PermissionsBoundaryArn"}
    assert role["Tags"] == [{"Key": "TenantId", "Value": {"Ref": "TenantId"}}]  # what the boundary keys on


def test_cfn_lint_finds_nothing_in_the_template(tmp_path: Path) -> None:
    path = tmp_path / "tenant-stack.json"
    path.write_text(synth_tenant_template(), encoding="utf-8")
    findings = cfn_lint.lint_paths([path])
    assert cfn_lint.anything(findings) == {}, cfn_lint.report(findings)


def test_moto_cloudformation_deploys_it() -> None:
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        cfn.create_stack(StackName="tenant-acme", TemplateBody=synth_tenant_template(),
                         Parameters=[{"ParameterKey": "TenantId", "ParameterValue": "acme"},
                                     {"ParameterKey": "RoleName", "ParameterValue": "r-3f1c"},
                                     {"ParameterKey": "TenantCallerRoleArns", "ParameterValue": CALLERS},
                                     {"ParameterKey": "PermissionsBoundaryArn", "ParameterValue": BOUNDARY}],
                         Capabilities=["CAPABILITY_NAMED_IAM"])
        [stack] = cfn.describe_stacks(StackName="tenant-acme")["Stacks"]
        assert stack["StackStatus"] == "CREATE_COMPLETE"
        [output] = stack["Outputs"]
        assert output["OutputKey"] == "TenantRoleArn"
        assert output["OutputValue"].endswith(":role/tenant-role/r-3f1c")
        iam = boto3.client("iam", region_name="us-east-1")
        document = iam.get_role_policy(RoleName="r-3f1c", PolicyName="tenant-items")["PolicyDocument"]
        if isinstance(document, str):  # moto 5.2.5 keeps a CloudFormation inline policy as a Python repr
            document = ast.literal_eval(document)
        keys = document["Statement"][0]["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        assert keys == ["acme", "acme#*"]
        role = iam.get_role(RoleName="r-3f1c")["Role"]
        assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == BOUNDARY
        trust = role["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Principal"] == {"AWS": CALLERS.split(",")}


def test_the_boundary_is_lint_free_and_keys_on_the_roles_tag(tmp_path: Path) -> None:
    document = boundary_document("arn:aws:dynamodb:us-east-1:123456789012:table/app")
    [statement] = document["Statement"]
    assert statement["Action"] == list(TENANT_ACTIONS)
    assert statement["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"] == [
        "${aws:PrincipalTag/TenantId}", "${aws:PrincipalTag/TenantId}#*"]
    path = tmp_path / "boundary.json"
    path.write_text(json.dumps({"Resources": {"Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "PolicyDocument": document}}}}), encoding="utf-8")
    findings = cfn_lint.lint_paths([path])
    assert cfn_lint.anything(findings) == {}, cfn_lint.report(findings)


def test_committed_tenant_template_is_the_cdk_synth() -> None:
    """Tests and the demo deploy workflows/patterns/templates/tenant-stack.json without CDK installed; it
    must be exactly what CDK synthesizes. Regenerate explicitly with
    `python -m workflows.cdk.tenant_template > workflows/patterns/templates/tenant-stack.json`."""
    from workflows.cdk.tenant_template import synth_tenant_template
    from workflows.patterns.tenant_stacks import tenant_template

    assert tenant_template() == synth_tenant_template()
