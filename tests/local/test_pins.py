"""The adaptations patch moto internals: the versions they were written against are pinned."""

from importlib.metadata import version


def test_moto_is_the_adapted_version() -> None:
    assert version("moto") == "5.2.5"


def test_jsonata_python_is_the_adapted_version() -> None:
    assert version("jsonata-python") == "0.7.1"


def test_jlens_is_the_version_the_differential_test_passed_on() -> None:
    """The engine's JSONata evaluator; tests/local/test_jsonata_engines.py compares it with jsonata-python."""
    assert version("jlens") == "0.25.0"
