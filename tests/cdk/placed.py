"""A project whose lifecycle machines place tenant stacks in other accounts, and its app synthesized.

The machines stand in for ``AccountPlacement`` (issue 15): they use the placement contract only --
``${TenantAccounts}``, CloudFormation calls with ``Credentials`` of
``arn:aws:iam::<account>:role/${ProvisioningRoleName}``, the boundary
``arn:aws:iam::<account>:policy/${TenantBoundaryName}`` -- beside the example's resolver and pipe machines,
so infra/app.py deploys the project as it is. The app runs in a process of its own (as ``cdk synth`` runs
it): the example's own ``tenant-stack-*`` machines are registered in this process under the same names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.projects import build_project, write_files

REPO = Path(__file__).resolve().parents[2]
ACCOUNTS = ["111111111111", "222222222222"]
PLATFORM = "999999999999"
CONTEXT = {"saas:tenantAccounts": ACCOUNTS, "saas:platformAccount": PLATFORM}
PYPROJECT = """\
[project]
name = "placed"
version = "0.0.1"

[tool.saas-workflows]
workflows = ["workflows.examples.users.machines.appsync", "workflows.examples.users.machines.features",
             "workflows.examples.users.machines.pipes", "placed_flows"]
asl = "asl"
appsync = "appsync"
schema = "schema.graphql"
"""
FLOWS = '''\
from workflows.core import Credentials, Pass, StateMachine, Task
from workflows.registry import workflow

PLACEHOLDERS = {"TenantsTable": "tenants", "AppTable": "app-table", "AppTableArn": "app-table",
                "TemplateBucket": "templates",
                "TemplateKey": "tenant-stack.json", "TenantCallers": "arn:aws:iam::123456789012:role/callers",
                "TenantAccounts": "111111111111", "ProvisioningRoleName": "provisioning",
                "TenantBoundaryName": "boundary"}
PROVISIONER = {"RoleArn.$": "States.Format('arn:aws:iam::{}:role/${ProvisioningRoleName}', $.account)"}


def _machine(name, chain, used):
    return StateMachine(name, chain, placeholders={k: PLACEHOLDERS[k] for k in used})


@workflow("tenant-stack-create")
def create() -> StateMachine:
    place = Pass("Place", parameters={
        "tenantId.$": "$.tenantId",
        "account.$": "States.ArrayGetItem(States.StringSplit('${TenantAccounts}', ','), 0)"})
    stack = Task.sdk("cloudformation", "createStack", "CreateStack", credentials=PROVISIONER, parameters={
        "StackName.$": "States.Format('tenant-{}', $.tenantId)",
        "TemplateURL": "https://${TemplateBucket}.s3.amazonaws.com/${TemplateKey}",
        "Parameters": [
            {"ParameterKey": "TenantId", "ParameterValue.$": "$.tenantId"},
            {"ParameterKey": "AppTableName", "ParameterValue": "${AppTable}"},
            {"ParameterKey": "TenantCallerRoleArns", "ParameterValue": "${TenantCallers}"},
            {"ParameterKey": "PermissionsBoundaryArn",
             "ParameterValue.$": "States.Format('arn:aws:iam::{}:policy/${TenantBoundaryName}', $.account)"}],
        "Capabilities": ["CAPABILITY_NAMED_IAM"]}, result_path="$.stack")
    record = Task.dynamodb("updateItem", "RecordAccount", parameters={
        "TableName": "${TenantsTable}", "Key": {"pk": {"S.$": "$.tenantId"}},
        "UpdateExpression": "SET account = :a", "ExpressionAttributeValues": {":a": {"S.$": "$.account"}}})
    return _machine("tenant-stack-create", place.next(stack).next(record),
                    ("TenantsTable", "AppTable", "TemplateBucket", "TemplateKey", "TenantCallers",
                     "TenantAccounts", "ProvisioningRoleName", "TenantBoundaryName"))


@workflow("tenant-stack-delete")
def delete() -> StateMachine:
    purge = Task.dynamodb("deleteItem", "PurgeOne", credentials=Credentials.from_path("$.roleArn"), parameters={
        "TableName": "${AppTableArn}", "Key": {"pk": {"S.$": "$.tenantId"}, "sk": {"S": "profile"}}},
        result_path=None)
    stack = Task.sdk("cloudformation", "deleteStack", "DeleteStack", credentials=PROVISIONER, parameters={
        "StackName.$": "States.Format('tenant-{}', $.tenantId)"}, result_path=None)
    return _machine("tenant-stack-delete", purge.next(stack), ("AppTableArn", "ProvisioningRoleName"))
'''
#: the app as infra/app.py builds it, run the way `cdk synth` runs an app (context from the environment)
APP = """\
import json, os, sys
from infra.app import build_app
from workflows.project import load_project

app, stack = build_app(sys.argv[1], project=load_project(sys.argv[2]), validation=False, nag=True,
                       context=json.loads(sys.argv[3]))
app.synth()
"""


def write_placed_project(root: Path):
    """The project's files, the example's schema, then ``workflows --project ROOT build``."""
    from workflows.project import load_project

    write_files(root, {"pyproject.toml": PYPROJECT, "placed_flows/__init__.py": FLOWS})
    shutil.copy(REPO / "schema.graphql", root / "schema.graphql")
    build_project(root)
    return load_project(root)


def synth_app(outdir: Path, project_root: Path, context: dict) -> subprocess.CompletedProcess:
    """infra/app.py's ``build_app`` for the project, in a process of its own, into ``outdir``."""
    env = os.environ | {"JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
                        "PYTHONPATH": os.pathsep.join([str(REPO), str(project_root)])}
    return subprocess.run([sys.executable, "-c", APP, str(outdir), str(project_root), json.dumps(context)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
