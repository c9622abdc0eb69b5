"""The engine commands tune the collector of their own process; importing the library never does."""

from __future__ import annotations

import gc
import subprocess
import sys

from workflows.local import process

PROBE = """
import gc, sys
before = gc.get_threshold()
import workflows.local.engine, workflows.testing.plugin, workflows.cli
after_import = gc.get_threshold()
from workflows.cli import main
try:
    main(["run", "pipes-flatten-stream", "--input", "-"], standalone_mode=False)
except SystemExit:
    pass
print(before == after_import, gc.get_threshold())
"""


def test_run_tunes_its_process_and_imports_leave_the_host_alone() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], input='{"Records": []}', capture_output=True, text=True,
                          timeout=120)
    last = done.stdout.strip().splitlines()[-1]
    assert last == f"True {process.ENGINE_GC_THRESHOLD}", done.stdout + done.stderr


def test_tune_for_engine_sets_the_threshold() -> None:
    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        process.tune_for_engine()
        assert gc.get_threshold() == process.ENGINE_GC_THRESHOLD
    finally:
        gc.set_threshold(*saved)
