"""A small project of someone else's -- not the example -- and one synth of its own CDK app per session.

The project lives in a temporary folder: its pyproject ``[tool.saas-workflows]``, one entity with a get
resolver, its own schema.graphql, and its asl/ and appsync/ written by the ``workflows build`` command
(run as a separate process, as a user would). Its CDK app is the README's, run as ``cdk synth`` runs it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.projects import build_project, write_files
from workflows.project import Project, load_project

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

STACK = "MyApi"   # the README's
README = Path(__file__).resolve().parents[2] / "README.md"
JWKS = {"keys": []}
MACHINE = "shop-get-product"
PYPROJECT = """\
[project]
name = "shop"
version = "0.0.1"

[tool.saas-workflows]
workflows = ["shop_flows"]
asl = "build/asl"
appsync = "build/appsync"
schema = "api/schema.graphql"
"""
FLOWS = f'''\
from dataclasses import dataclass

from workflows.core import JSONATA, StateMachine
from workflows.patterns import appsync
from workflows.patterns.appsync import TenantTable
from workflows.registry import Resolver, workflow


@dataclass
class Product:
    id: str
    title: str
    price: int


PRODUCTS = TenantTable(Product, query_language=JSONATA)


@workflow("{MACHINE}", resolver=Resolver("Query", "getProduct", ("id",)))
def get_product() -> StateMachine:
    return appsync.get_item(PRODUCTS, "{MACHINE}")
'''
SCHEMA = """\
type Product {
  id: ID!
  title: String!
  price: Int!
}

type Query {
  getProduct(id: ID!): Product
}
"""


def write_project(root: Path) -> Project:
    """The project's files, then ``workflows --project ROOT build`` in a process of its own."""
    write_files(root, {"pyproject.toml": PYPROJECT, "shop_flows/__init__.py": "", "shop_flows/products.py": FLOWS,
                       "api/schema.graphql": SCHEMA})
    build_project(root)
    return load_project(root)


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return write_project(tmp_path_factory.mktemp("shop"))


def readme_app() -> str:
    """The README's CDK app for a project: the one ```python block that makes a TenantApiStack."""
    [block] = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
               if "TenantApiStack(" in b]
    return block


@dataclass
class ShopSynth:
    project: Project
    outdir: Path
    template: dict
    templates: list[Path]   # every *.template.json written
    seconds: float          # the app's whole run: start, construction, cdk-nag, synth


@pytest.fixture(scope="session")
def shop_synth(shop: Project, tmp_path_factory: pytest.TempPathFactory) -> ShopSynth:
    """The README's app, saved as the shop's app.py and run the way ``cdk synth`` runs it: ``python3 app.py``
    in the project folder, the output folder in CDK_OUTDIR (CDK's built-in validation off, for speed)."""
    (shop.root / "app.py").write_text(readme_app(), encoding="utf-8")
    (shop.root / "jwks.json").write_text(json.dumps(JWKS), encoding="utf-8")
    outdir = tmp_path_factory.mktemp("shop.cdk.out")
    env = os.environ | {"CDK_OUTDIR": str(outdir), "CDK_VALIDATION": "false"}
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "app.py"], cwd=shop.root, env=env, capture_output=True, text=True,
                         timeout=300)
    seconds = time.perf_counter() - start
    assert run.returncode == 0, run.stderr  # an unacknowledged cdk-nag finding fails the synth
    template = json.loads((outdir / f"{STACK}.template.json").read_text(encoding="utf-8"))
    return ShopSynth(shop, outdir, template, sorted(outdir.rglob("*.template.json")), seconds)
