"""A tenant stack made before the trust and boundary parameters existed is updated onto them.

CloudFormation refuses ``UsePreviousValue`` for a parameter the stack's previous template did not have
("Invalid input for parameter key ... Cannot specify usePreviousValue as true for a parameter key not in
the previous template", UpdateStack, https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_Parameter.html);
so the update child passes the platform's values (``TenantCallerRoleArns``, ``PermissionsBoundaryArn``)
on every update and keeps only the tenant's own parameters. moto 5.2.5 does not apply a role's changed
trust or boundary on UpdateStack (its ``Role.update_from_cloudformation_json`` updates the description
only), so this checks what the machine asks CloudFormation: the stack's parameters after the update.
"""

from __future__ import annotations

import json

import pytest

from tests.patterns.tenant_stacks_fakes import (  # noqa: F401
    PLATFORM_VALUES, StackScript, cfn_error_names, deploy_template, stack_script,
)
from workflows.local.engine import LocalEngine
from workflows.local.pytest_plugin import create_table
from workflows.patterns.tenant_stacks import PLACEHOLDERS, tenant_stack_update, tenant_template

TABLE = PLACEHOLDERS["TenantsTable"]


def template_before_issue_12() -> str:
    """The tenant template as it was: three parameters, the account root trusted, no boundary."""
    template = json.loads(tenant_template())
    for name in PLATFORM_VALUES:
        del template["Parameters"][name]
    role = template["Resources"]["TenantRole"]["Properties"]
    del role["PermissionsBoundary"]
    role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::123456789012:root"}
    return json.dumps(template)


@pytest.fixture
def engine(local_engine: LocalEngine, stack_script: StackScript) -> LocalEngine:
    create_table(local_engine, TABLE, sk=None)
    machine = tenant_stack_update()
    local_engine.create_state_machine(machine.name, machine.substituted())
    return local_engine


def test_a_stack_from_the_old_template_gets_the_callers_and_the_boundary(engine: LocalEngine) -> None:
    old_url = deploy_template(engine, template_before_issue_12())
    cfn = engine.client("cloudformation")
    cfn.create_stack(StackName="tenant-acme", TemplateURL=old_url, Capabilities=["CAPABILITY_NAMED_IAM"],
                     Parameters=[{"ParameterKey": "TenantId", "ParameterValue": "acme"},
                                 {"ParameterKey": "RoleName", "ParameterValue": "r-acme"},
                                 {"ParameterKey": "AppTableName", "ParameterValue": PLACEHOLDERS["AppTable"]}])
    engine.client("dynamodb").put_item(TableName=TABLE, Item={
        "pk": {"S": "acme"}, "stackName": {"S": "tenant-acme"}, "status": {"S": "ACTIVE"}})
    deploy_template(engine)  # the current template: the upload that starts the rollout
    result = engine.run("tenant-stack-update", {"detail": {"bucket": {"name": PLACEHOLDERS["TemplateBucket"]},
                                                           "object": {"key": PLACEHOLDERS["TemplateKey"]}}})
    assert result.ok(), (result.error, result.cause)
    assert {k: result.output[k] for k in ("updated", "unchanged", "failedCount", "failed")} == {
        "updated": 1, "unchanged": 0, "failedCount": 0, "failed": []}
    [stack] = cfn.describe_stacks(StackName="tenant-acme")["Stacks"]
    parameters = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert parameters == {"TenantId": "acme", "RoleName": "r-acme", "AppTableName": PLACEHOLDERS["AppTable"],
                          **PLATFORM_VALUES}
