"""A project of someone else's in a temporary folder, built as its team would build it.

Several test packages need one (a CDK app's, a fixtures user's): each keeps its own sources and schema;
writing them and running ``workflows --project ROOT build`` in a process of its own is this module's."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path


def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path relative to ``root`` → text, dedented) below ``root``, making folders."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def build_project(root: Path) -> None:
    """``workflows --project ROOT build`` as a user runs it: a separate process, its golden files written."""
    built = subprocess.run([sys.executable, "-m", "workflows", "--project", str(root), "build"],
                           capture_output=True, text=True, timeout=120)
    assert built.returncode == 0, built.stderr
