"""A team's own tests, run by pytester against its project on the in-process engine (the default).

Nothing in the user's folder mentions the plugin: the fixtures come through the ``pytest11`` entry point.
The README's example runs here too, verbatim, in the same pytest run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.invoice_project import USER_TEST_COUNT, USER_TESTS, copy_project, readme_example


def test_user_tests_and_the_readme_example_pass_on_the_in_process_engine(pytester: pytest.Pytester,
                                                                         invoice_project: Path) -> None:
    copy_project(invoice_project, pytester.path)
    example = readme_example()
    pytester.makepyfile(test_invoices=USER_TESTS, test_readme=example)
    assert not (pytester.path / "conftest.py").exists()
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=USER_TEST_COUNT + example.count("\ndef test_"))
    assert len(example.strip().splitlines()) <= 15
