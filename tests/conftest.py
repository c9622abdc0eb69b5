"""Project-wide test configuration: the local engine's fixtures for every test package."""

pytest_plugins = ["workflows.local.pytest_plugin"]
