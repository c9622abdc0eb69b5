"""Adaptation: each ASL parse gets its own QueryLanguage scope stack (moto 5.2.5 shares one).

moto's ``Preprocessor`` declares ``_query_language_per_scope: list = []`` at class level, so every
parse in the process pushes and pops the same list. Two executions parsed at once (each execution
parses its definition in its own worker thread) read each other's scope: a JSONPath state was
refused as JSONata ("Unsupported declaration in QueryLanguage=JSONPath block") and the worker
thread died before ``ExecutionStarted`` — the execution stayed RUNNING forever, with no history.
A parse that raised also left its scopes on the shared list, so later, one-at-a-time parses saw a
stale QueryLanguage and failed the same way. The fix is at the narrowest point: the attribute
becomes per-instance (a property creating the list on first use), so no lock is needed.
"""

from __future__ import annotations

from typing import Any

from workflows.local.adaptations._patching import PATCH_MARK, import_module, require_attr
from workflows.local.errors import EngineAdaptationError

NAME = "parser_scopes"
_MODULE = "moto.stepfunctions.parser.asl.parse.preprocessor"
_ATTR = "_query_language_per_scope"
_SLOT = "_workflows_query_language_per_scope"


def _get(self: Any) -> list[Any]:
    scopes = self.__dict__.get(_SLOT)
    if scopes is None:
        scopes = self.__dict__[_SLOT] = []
    return scopes


def _set(self: Any, value: list[Any]) -> None:
    self.__dict__[_SLOT] = value


def _per_instance() -> property:
    prop = property(_get, _set, doc="This parse's QueryLanguage scopes (per instance, not per class).")
    setattr(_get, PATCH_MARK, NAME)
    return prop


def install() -> None:
    """Make ``Preprocessor._query_language_per_scope`` per instance (idempotent)."""
    preprocessor = require_attr(NAME, import_module(NAME, _MODULE), "Preprocessor")
    current = preprocessor.__dict__.get(_ATTR)
    if isinstance(current, property) and getattr(current.fget, PATCH_MARK, None) == NAME:
        return
    if not isinstance(current, list):
        raise EngineAdaptationError(
            NAME, f"'Preprocessor.{_ATTR}' is no longer a class-level list (got {type(current).__name__}); re-check"
        )
    setattr(preprocessor, _ATTR, _per_instance())
