"""One synth of the example app (infra/app.py) per session, into a temporary folder, CDK's built-in
validation off and cdk-nag on.

asl/ and appsync/ are what infra deploys; while asl/ is still empty, the example project is built into a
temporary folder by ``workflows.golden.build`` -- the code behind ``workflows build`` -- which writes asl/
and, beside it, appsync/, so the tests judge the same files a build would commit.
``SAAS_WORKFLOWS_ASL_DIR`` points the tests at another built asl folder (its appsync/ sits beside it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from workflows.project import Project, load_project

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Synth:
    project: Project        # the example project, its asl/ possibly a temporary build
    outdir: Path
    template: dict
    stack: object           # workflows.cdk.TenantApiStack
    app: object             # aws_cdk.App
    assembly: object        # the CloudAssembly
    templates: list[Path]   # every *.template.json written, nested assemblies included

    @property
    def asl_dir(self) -> Path:
        return self.project.asl_dir


@pytest.fixture(scope="session")
def example(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """The example project as infra/app.py deploys it, with a built asl/."""
    project = load_project(REPO)
    chosen = os.environ.get("SAAS_WORKFLOWS_ASL_DIR")  # e.g. a `workflows --asl-dir DIR build` of a work in progress
    if chosen:
        return project.with_asl_dir(Path(chosen))
    if any(project.asl_dir.glob("*.asl.json")):
        return project
    from workflows.golden import build

    built = project.with_asl_dir(tmp_path_factory.mktemp("build") / "asl")
    build(built)  # writes asl/*.asl.json and ../appsync/*.js
    return built


@pytest.fixture(scope="session")
def synth(example: Project, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.app import STACK_NAME, build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app(str(outdir), project=example, validation=False, nag=True)
    assembly = app.synth()  # raises ValidationFailed on any unacknowledged cdk-nag finding
    template = json.loads((outdir / f"{STACK_NAME}.template.json").read_text(encoding="utf-8"))
    return Synth(example, outdir, template, stack, app, assembly, sorted(outdir.rglob("*.template.json")))
