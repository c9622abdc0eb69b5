"""Errors raised by the local engine.

They are separate from moto's own exceptions so callers can tell "the engine could not be set up
or used" apart from "the state machine failed" (which is a normal ExecutionResult, not an error).
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class for engine misuse (unknown machine, bad mock config, timeout...)."""


class EngineAdaptationError(EngineError):
    """A moto internal that an adaptation relies on has moved or changed shape.

    Raised by ``install()`` so that a moto upgrade fails loudly instead of silently running
    un-adapted behaviour.
    """

    def __init__(self, adaptation: str, detail: str) -> None:
        self.adaptation = adaptation
        self.detail = detail
        super().__init__(
            f"moto adaptation '{adaptation}' cannot be applied: {detail} "
            "(moto internals changed? the engine is pinned to moto==5.2.5)"
        )


class MockConfigError(EngineError):
    """A Step Functions Local mock configuration is malformed or does not name a test case."""


class ExecutionTimeoutError(EngineError):
    """A STANDARD execution did not finish within the engine's wait timeout."""
