"""The synthesized tenant template: the parameters the lifecycle machines pass, deployable by moto's CloudFormation."""

from __future__ import annotations

import ast
import json

import boto3
from moto import mock_aws

from workflows.cdk.tenant_template import TENANT_ACTIONS, synth_tenant_template
from workflows.patterns.tenant_stacks import TEMPLATE_PARAMETERS


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


def test_moto_cloudformation_deploys_it() -> None:
    with mock_aws():
        cfn = boto3.client("cloudformation", region_name="us-east-1")
        cfn.create_stack(StackName="tenant-acme", TemplateBody=synth_tenant_template(),
                         Parameters=[{"ParameterKey": "TenantId", "ParameterValue": "acme"},
                                     {"ParameterKey": "RoleName", "ParameterValue": "r-3f1c"}],
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


def test_committed_tenant_template_is_the_cdk_synth() -> None:
    """Tests and the demo deploy workflows/patterns/templates/tenant-stack.json without CDK installed; it
    must be exactly what CDK synthesizes. Regenerate explicitly with
    `python -m workflows.cdk.tenant_template > workflows/patterns/templates/tenant-stack.json`."""
    from workflows.cdk.tenant_template import synth_tenant_template
    from workflows.patterns.tenant_stacks import tenant_template

    assert tenant_template() == synth_tenant_template()
