"""A team's own tests, run by pytester against its project on the in-process engine (the default).

Nothing in the user's folder mentions the plugin: the fixtures come through the ``pytest11`` entry point.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.notes_project import USER_TEST_COUNT, USER_TESTS, copy_project


def test_user_tests_pass_on_the_in_process_engine(pytester: pytest.Pytester, notes_project: Path) -> None:
    copy_project(notes_project, pytester.path)
    pytester.makepyfile(test_notes=USER_TESTS)
    assert not (pytester.path / "conftest.py").exists()
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=USER_TEST_COUNT)

