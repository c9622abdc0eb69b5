"""moto's internal logs, off the terminal unless asked for.

moto logs every task failure it turns into an ASL error (with its whole parse tree) and every
unexpected exception at ERROR level; with no logging configured, Python prints those on stderr.
A command that reports the execution's error and cause itself (``workflows run``, ``workflows
local``, the demo, a bench) does not want them there. Every ``LocalEngine`` (so the runner, the
endpoint and any script) therefore keeps them quiet by default; ``set_moto_logs(verbose=True)`` (a CLI's ``--verbose``) brings them back.
"""

from __future__ import annotations

import logging

MOTO_LOGGER = "moto"
_verbose = False


def set_moto_logs(verbose: bool) -> None:
    """Show moto's logs (``verbose=True``: WARNING and above, Python's default) or drop them."""
    global _verbose
    _verbose = verbose
    apply_moto_logs()


def apply_moto_logs() -> None:
    """Apply the current choice (quiet unless ``set_moto_logs(True)``); the runner and endpoint call it."""
    logging.getLogger(MOTO_LOGGER).setLevel(logging.NOTSET if _verbose else logging.CRITICAL)


def moto_logs_verbose() -> bool:
    return _verbose
