"""A pytest plugin for this suite: ``--dist loadgroup`` grouping that works under pytest 9.2, and the
longest modules handed out first."""

from __future__ import annotations

import pytest

# Modules whose tests are the longest single work units (10-25 s of one worker each, measured with
# --durations=0). xdist hands work out in collection order (groups first, largest first), so one of
# these collected last kept one worker busy alone at the end of the run; first, they overlap the rest.
LONG_FIRST = (
    "tests/test_readme_walkthrough.py",
    "tests/local/test_concurrency.py",
    "tests/test_scaffold.py",
    "tests/patterns/test_tenant_stacks_update.py",
    "tests/patterns/test_tenant_stacks_rollout.py",
    "tests/testing/test_coverage.py",
    "tests/patterns/test_tenant_stacks_placement.py",
)


def long_first(items: list[pytest.Item]) -> None:
    """Reorder ``items`` in place: LONG_FIRST's modules in that order, then the rest as collected."""
    rank = {module: i for i, module in enumerate(LONG_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))  # stable


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Make ``--dist loadgroup`` group again under pytest 9.2: xdist 3.8 appends ``@group`` to
    ``item._nodeid``, but pytest 9.2 reads a node's id from ``item._id``, so without this every marked
    test was scheduled alone (a CDK synth per worker instead of one). Copies the suffixed id over.
    Then the longest modules go first (every worker sorts the same collection the same way)."""
    from _pytest.nodeid import coerce_node_id

    for item in items:
        suffixed = item.__dict__.get("_nodeid")
        if isinstance(suffixed, str) and "@" in suffixed and item.nodeid != suffixed:
            item._id = coerce_node_id(suffixed)
    long_first(items)
