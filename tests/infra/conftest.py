"""One synth per session, into a temporary folder, with CDK's built-in validation off and cdk-nag on.

asl/ and appsync/ are what infra deploys; while asl/ is still empty (the lead builds it), the catalog is
built into a temporary folder by ``workflows.golden.build`` -- the code behind ``workflows build`` --
which writes asl/ and, beside it, appsync/, so the tests judge the same files a build would commit.
``SAAS_WORKFLOWS_ASL_DIR`` points the tests at another built asl folder (its appsync/ sits beside it).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")


@dataclass
class Synth:
    asl_dir: Path
    outdir: Path
    template: dict
    stack: object           # infra.stack.SaasWorkflowsStack
    app: object             # aws_cdk.App
    assembly: object        # the CloudAssembly
    templates: list[Path]   # every *.template.json written, nested assemblies included


@pytest.fixture(scope="session")
def asl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from infra.sources import ASL_DIR

    chosen = os.environ.get("SAAS_WORKFLOWS_ASL_DIR")  # e.g. a `workflows --asl-dir DIR build` of a work in progress
    if chosen:
        return Path(chosen)
    if any(ASL_DIR.glob("*.asl.json")):
        return ASL_DIR
    from infra.sources import PROJECT
    from workflows.golden import build

    built = tmp_path_factory.mktemp("build") / "asl"
    build(PROJECT.with_asl_dir(built))  # writes built/*.asl.json and built/../appsync/*.js
    return built


@pytest.fixture(scope="session")
def synth(asl_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app(str(outdir), asl_dir=asl_dir, validation=False, nag=True)
    assembly = app.synth()  # raises ValidationFailed on any unacknowledged cdk-nag finding
    template = json.loads((outdir / "SaasWorkflows.template.json").read_text(encoding="utf-8"))
    return Synth(asl_dir, outdir, template, stack, app, assembly, sorted(outdir.rglob("*.template.json")))
