"""One synth per session, into a temporary folder, with CDK's built-in validation off and cdk-nag on.

asl/ is what infra deploys; while it is still empty (the lead builds it), the catalog is built into a
temporary folder with the same CLI so the tests judge the same files ``workflows build`` would write.
``SAAS_WORKFLOWS_ASL_DIR`` points the tests at another built folder (catalog changes not yet in asl/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    built = tmp_path_factory.mktemp("asl")
    subprocess.run([str(Path(sys.executable).parent / "workflows"), "--asl-dir", str(built), "build"], check=True,
                   capture_output=True)
    return built


@pytest.fixture(scope="session")
def synth(asl_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.app import build_app

    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = build_app(str(outdir), asl_dir=asl_dir, validation=False, nag=True)
    assembly = app.synth()  # raises ValidationFailed on any unacknowledged cdk-nag finding
    template = json.loads((outdir / "SaasWorkflows.template.json").read_text(encoding="utf-8"))
    return Synth(asl_dir, outdir, template, stack, app, assembly, sorted(outdir.rglob("*.template.json")))
