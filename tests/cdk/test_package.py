"""workflows.cdk as an extra: its dependencies, its package data, and what it needs to import."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

from setuptools import find_packages

REPO = Path(__file__).resolve().parents[2]
WITHOUT_CDK = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {'aws_cdk', 'constructs', 'cdk_nag', 'jsii'}:
            raise ModuleNotFoundError('blocked: ' + name, name=name)
sys.meta_path.insert(0, Block())
import workflows.cdk, workflows.cdk.sources, workflows.cdk.task_permissions
from workflows.cdk.authorizer import handler
print('TenantApiStack' in workflows.cdk.__all__, 'aws_cdk' in sys.modules)
try:
    from workflows.cdk import TenantApiStack
except ModuleNotFoundError as exc:
    print(exc)
"""


def test_the_cdk_extra_and_the_infra_alias() -> None:
    requires = importlib.metadata.requires("saas-workflows") or []
    cdk = sorted(r.split("==")[0] for r in requires if r.endswith('extra == "cdk"'))
    assert cdk == ["aws-cdk-lib", "cdk-nag", "constructs"]
    base = [r.split("==")[0] for r in requires if "extra ==" not in r]
    assert "graphql-core" in base  # the schema file is read by `workflows check` and the constructs alike
    assert [r for r in requires if r.endswith('extra == "infra"')] == ['saas-workflows[cdk]; extra == "infra"']


def test_the_authorizer_ships_in_the_package() -> None:
    assert "workflows.cdk.authorizer" in find_packages(str(REPO), include=["workflows*"])
    import workflows.cdk.api as api

    assert {p.name for p in api.AUTHORIZER_DIR.iterdir()} >= {"handler.py", "rs256.py"}
    assert api.AUTHORIZER_DIR.parent == Path(api.__file__).parent  # inside the installed package, not infra/


def test_the_package_imports_without_cdk_and_names_the_extra_when_a_construct_is_used() -> None:
    """Importing workflows.cdk (and the Lambda code, the ASL readers) starts no CDK; a construct without the
    extra says which install command gives it."""
    run = subprocess.run([sys.executable, "-c", WITHOUT_CDK], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "True False"
    assert "workflows.cdk needs the cdk extra" in lines[1] and 'pip install "saas-workflows[cdk]"' in lines[1]


def test_every_exported_name_resolves() -> None:
    import workflows.cdk

    for name in workflows.cdk.__all__:
        assert getattr(workflows.cdk, name) is not None, name


AS_DEPLOYED = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] == 'workflows':
            raise ModuleNotFoundError('not in the Lambda: ' + name, name=name)
sys.meta_path.insert(0, Block())
sys.path.insert(0, sys.argv[1])
import handler
print(handler.handler({'authorizationToken': 'not.a.jwt'}))
"""


def test_the_authorizer_runs_from_its_asset_folder_alone() -> None:
    """As deployed, the asset folder is the Lambda's root and the workflows package is not there."""
    import workflows.cdk.api as api

    run = subprocess.run([sys.executable, "-c", AS_DEPLOYED, str(api.AUTHORIZER_DIR)], capture_output=True,
                         text=True, timeout=60, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "{'isAuthorized': False}"
