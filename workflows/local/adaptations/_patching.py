"""Small helpers shared by the adaptations: locate moto internals or fail with a named error.

Every adaptation goes through ``resolve``/``require_attr`` so that a moved module, renamed class
or changed signature becomes an ``EngineAdaptationError`` naming the adaptation, never an
``AttributeError`` deep in a test or, worse, a silently un-patched engine.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from types import ModuleType
from typing import Any, Callable, Iterable

from workflows.local.errors import EngineAdaptationError

PATCH_MARK = "__workflows_adaptation__"


def import_module(adaptation: str, name: str) -> ModuleType:
    """Import a moto module, naming the adaptation if it no longer exists."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise EngineAdaptationError(adaptation, f"module '{name}' not importable ({exc})") from exc


def require_attr(adaptation: str, owner: Any, attr: str) -> Any:
    """Return ``owner.attr`` or raise ``EngineAdaptationError`` naming what is missing."""
    if not hasattr(owner, attr):
        owner_name = getattr(owner, "__name__", type(owner).__name__)
        raise EngineAdaptationError(adaptation, f"'{owner_name}.{attr}' no longer exists")
    return getattr(owner, attr)


def require_params(adaptation: str, func: Callable[..., Any], params: Iterable[str]) -> None:
    """Check that ``func`` still takes the parameters our wrapper passes or reads."""
    actual = inspect.signature(func).parameters
    missing = [p for p in params if p not in actual]
    if missing:
        raise EngineAdaptationError(
            adaptation, f"'{func.__qualname__}' lost parameter(s) {missing}; has {list(actual)}"
        )


def is_patched(func: Any, adaptation: str | None = None) -> bool:
    """True when ``func`` is (or wraps) a wrapper of ``adaptation`` (any, if None).

    Walks the ``__wrapped__`` chain, so two adaptations wrapping the same method stay idempotent.
    """
    seen = 0
    while func is not None and seen < 20:
        tag = getattr(func, PATCH_MARK, None)
        if tag is not None and (adaptation is None or tag == adaptation):
            return True
        func = getattr(func, "__wrapped__", None) if tag is not None else None
        seen += 1
    return False


def mark(func: Callable[..., Any], adaptation: str, original: Any) -> Callable[..., Any]:
    """Tag a wrapper with the adaptation name and the function it wraps."""
    setattr(func, PATCH_MARK, adaptation)
    func.__wrapped__ = original  # type: ignore[attr-defined]
    return func


def replace_references(prefix: str, original: Any, replacement: Any) -> list[str]:
    """Rebind every module-level reference to ``original`` under ``prefix`` to ``replacement``.

    moto modules import helpers by name (``from x import f``), so patching only the defining
    module would miss them. Returns the names of the modules that were rebound.
    """
    rebound: list[str] = []
    for mod_name, module in list(sys.modules.items()):
        if module is None or not mod_name.startswith(prefix):
            continue
        for attr, value in list(vars(module).items()):
            if value is original:
                setattr(module, attr, replacement)
                rebound.append(f"{mod_name}.{attr}")
    return rebound
