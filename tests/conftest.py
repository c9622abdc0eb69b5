"""Project-wide test configuration: the local engine's fixtures for every test package, and pytester
(pytest's own fixture for testing plugins) for tests/testing. The fixtures of workflows.testing need no
line here: pytest loads them through the package's ``pytest11`` entry point."""

pytest_plugins = ["workflows.local.pytest_plugin", "pytester", "tests.xdist_groups"]

