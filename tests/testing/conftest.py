"""The notes project, built once per worker for the plugin tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.testing.notes_project import write_project


@pytest.fixture(scope="session")
def notes_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("notes-project"))
