"""The first quick-start command installs no extras: the CLI and the demo must not import test or infra packages."""

from __future__ import annotations

import subprocess
import sys

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split('.')[0] in {'pytest', '_pytest', 'hypothesis', 'cfnlint', 'aws_cdk', 'cdk_nag', 'jwt'}:
            raise ImportError('not in the base install: ' + name)
sys.meta_path.insert(0, Block())
import workflows.cli, workflows.examples.users.demo, workflows.local.server, workflows.local.runner
from workflows.project import example_project
print(len(example_project().workflows()))
"""


def test_cli_and_demo_import_without_extras() -> None:
    result = subprocess.run([sys.executable, "-c", BLOCKER], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 12
