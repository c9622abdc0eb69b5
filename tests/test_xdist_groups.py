"""tests.xdist_groups: tests marked with one xdist_group run on one worker (a CDK synth is made once)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GROUPED = "import pytest, time\npytestmark = pytest.mark.xdist_group('g')\n" + "".join(
    f"def test_{i}():\n    time.sleep(0.05)\n" for i in range(4))


def test_loadgroup_puts_a_group_on_one_worker(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).resolve().parents[1]))
    pytester.makepyfile(test_a=GROUPED, test_b=GROUPED.replace("test_", "test_b_"))
    # the controller in this process (the workers are processes of their own, finding tests/ on PYTHONPATH:
    # which worker runs what is the point). Hypothesis's plugin is left out: it has no part in grouping, and at
    # the end of a session it imports hypothesis whole (about 1 s in each worker).
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "no:hypothesispytest",
                                          "-p", "tests.xdist_groups", "-n", "2", "--dist", "loadgroup", "-v")
    result.assert_outcomes(passed=8)
    workers = set(re.findall(r"\[(gw\d)\].*PASSED.*@g", result.stdout.str()))
    assert len(workers) == 1, result.stdout.str()


def test_the_longest_modules_are_collected_first_in_their_listed_order(pytester: pytest.Pytester,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import xdist_groups

    pytester.makepyfile(test_a="def test_a1(): pass\ndef test_a2(): pass\n",
                        test_b="def test_b1(): pass\n", test_c="def test_c1(): pass\ndef test_c2(): pass\n")
    items, _ = pytester.inline_genitems()
    monkeypatch.setattr(xdist_groups, "LONG_FIRST", ("test_c.py", "test_b.py"))
    xdist_groups.long_first(items)
    assert [item.name for item in items] == ["test_c1", "test_c2", "test_b1", "test_a1", "test_a2"]


def test_every_listed_long_module_exists() -> None:
    """A renamed or removed module would silently stop being scheduled first."""
    from tests import xdist_groups

    root = Path(__file__).resolve().parents[1]
    assert [m for m in xdist_groups.LONG_FIRST if not (root / m).is_file()] == []
