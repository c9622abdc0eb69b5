"""Settings for a process the engine runs in that the ``workflows`` command owns (run, local, demo).

Why the garbage collector is tuned there: an execution allocates hundreds of thousands of short-lived
objects (botocore requests and responses, history events, moto's evaluation frames), and Python's
default young-generation threshold (700 net allocations) made the collector walk the whole growing
heap of moto backends thousands of times per run. At 50,000 the demo took 3.9-4.2 s of user CPU
instead of 4.5-5.1 s (two alternating runs each); the 23 % GC share of the engine-heavy test modules
fell to 11 %. A library must not change its host's collector, so ``LocalEngine`` itself never calls this.
"""

from __future__ import annotations

import gc

ENGINE_GC_THRESHOLD = (50_000, 20, 100)


def tune_for_engine() -> None:
    """Collect garbage less often in a process whose main work is running the engine."""
    gc.set_threshold(*ENGINE_GC_THRESHOLD)
