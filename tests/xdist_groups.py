"""A pytest plugin for this suite: ``--dist loadgroup`` grouping that works under pytest 9.2."""

from __future__ import annotations

import pytest


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Make ``--dist loadgroup`` group again under pytest 9.2: xdist 3.8 appends ``@group`` to
    ``item._nodeid``, but pytest 9.2 reads a node's id from ``item._id``, so without this every marked
    test was scheduled alone (a CDK synth per worker instead of one). Copies the suffixed id over."""
    from _pytest.nodeid import coerce_node_id

    for item in items:
        suffixed = item.__dict__.get("_nodeid")
        if isinstance(suffixed, str) and "@" in suffixed and item.nodeid != suffixed:
            item._id = coerce_node_id(suffixed)
