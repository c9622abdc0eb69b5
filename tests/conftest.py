"""Project-wide test configuration: the local engine's fixtures for every test package, and pytester
(pytest's own fixture for testing plugins) for tests/testing. The fixtures of workflows.testing need no
line here: pytest loads them through the package's ``pytest11`` entry point."""

pytest_plugins = ["workflows.local.pytest_plugin", "pytester", "tests.xdist_groups"]



def pytest_configure(config: object) -> None:
    """Collect garbage less often in every test process (the controller and each xdist worker).

    The engine allocates millions of short-lived objects (ANTLR tokens, botocore dicts, history events);
    at Python's default (a young collection every 700 net allocations) the collector took 11.0 s of the
    48.4 s of CPU of the rollout and placement modules, 6,010 collections. At 50,000 it took 4.7 s of
    41.3 s, 61 collections, for 7 % more peak memory (measured with gc.callbacks, one process).
    """
    import gc

    gc.set_threshold(50_000, 20, 100)


def pytest_sessionfinish(session: object) -> None:
    """One full collection at the end of a process's session, then every survivor frozen.

    pytest's unraisable-exception plugin collects five times at unconfigure (to report what a
    finalizer raised); over a worker's heap of moto backends and engines each full collection took
    about a second. The collection here still runs every finalizer while that plugin is listening, and
    the frozen heap makes its five collections nearly free.
    """
    import gc

    gc.collect()
    gc.freeze()
