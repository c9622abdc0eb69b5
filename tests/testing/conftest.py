"""The invoices project, built once per worker for the plugin tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.invoice_project import write_project


@pytest.fixture(scope="session")
def invoice_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("invoice-project"))
