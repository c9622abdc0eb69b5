"""A project whose lifecycle machines place tenant stacks in other accounts, and its app synthesized.

The machines are the library's own, built with ``placement=AccountPlacement(...)`` (issue 15): create,
delete, the rollout and the single-tenant update, beside the example's resolver and pipe machines, so
infra/app.py deploys the project as it is. The app runs in a process of its own (as ``cdk synth`` runs
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
from workflows.core import StateMachine
from workflows.patterns.tenant_stacks import (
    AccountPlacement, tenant_stack_create, tenant_stack_delete, tenant_stack_update, tenant_stack_update_one,
)
from workflows.registry import workflow

PLACEMENT = AccountPlacement(tenants_per_account=900)


@workflow("tenant-stack-create")
def create() -> StateMachine:
    return tenant_stack_create(placement=PLACEMENT)


@workflow("tenant-stack-delete")
def delete() -> StateMachine:
    return tenant_stack_delete(placement=PLACEMENT)


@workflow("tenant-stack-update")
def update() -> StateMachine:
    return tenant_stack_update(placement=PLACEMENT)


@workflow("tenant-stack-update-one")
def update_one() -> StateMachine:
    return tenant_stack_update_one(placement=PLACEMENT)
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
