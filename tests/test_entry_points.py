"""The project's own entry points run quietly under Node 20: jsii's end-of-life banner (30 lines of '!!' on
stderr at `import aws_cdk`) is silenced by the entry point itself, not only by CI's environment (issue 14).
The scaffold's template app does the same (tests/test_scaffold.py synthesizes it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
SILENCE = "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"


def test_infra_app_imports_aws_cdk_without_the_node_banner() -> None:
    env = {k: v for k, v in os.environ.items() if k != SILENCE}
    code = "import runpy; runpy.run_path('infra/app.py', run_name='imported')"  # its imports, not a synth
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env=env)
    assert result.returncode == 0, result.stderr
    assert "end-of-life" not in result.stderr and "!!!!" not in result.stderr, result.stderr[:500]
