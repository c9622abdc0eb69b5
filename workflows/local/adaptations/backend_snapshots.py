"""Adaptation: the IAM role and CloudFormation stack tables iterate over a snapshot.

moto 5.2.5 iterates live dict views of its backends in Python loops: ``IAMBackend.create_role``
checks the name with ``[role for role in self.get_roles() if ...]`` (``get_roles`` returns
``self.roles.values()``), ``get_role``/``get_role_by_arn`` loop over it too, and CloudFormation's
``create_stack``/``describe_stacks``/``get_stack`` loop over ``self.stacks.values()``. When another
thread adds a role or a stack meanwhile (every tenant stack makes a role), the loop raises
``RuntimeError: dictionary changed size during iteration``; the Task calling CreateStack then fails
``States.Runtime`` and the stack stays CREATE_IN_PROGRESS. Measured: 1-2 of 100 concurrent
tenant-stack-create runs failed so (issue 13 reported the same words).

The two tables become ``SnapshotDict``: a dict whose ``values()``/``items()``/``keys()`` and iteration
walk a copy taken in one C call (``list(...)`` of a dict holds the GIL throughout), so a loop never
sees the table change under it. Everything else is plain dict behaviour. The backends' ``__init__``
(also what ``reset`` runs) is wrapped, so a reset backend gets fresh SnapshotDicts.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Iterator

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.errors import EngineAdaptationError

NAME = "backend_snapshots"
# (module, backend class, attribute holding the table)
TABLES = (
    ("moto.iam.models", "IAMBackend", "roles"),
    ("moto.cloudformation.models", "CloudFormationBackend", "stacks"),
)


class SnapshotDict(dict):  # type: ignore[type-arg]
    """A dict whose iteration walks a copy taken atomically (no "changed size during iteration")."""

    def __iter__(self) -> Iterator[Any]:
        return iter(list(dict.keys(self)))

    def keys(self) -> list[Any]:  # type: ignore[override]
        return list(dict.keys(self))

    def values(self) -> list[Any]:  # type: ignore[override]
        return list(dict.values(self))

    def items(self) -> list[tuple[Any, Any]]:  # type: ignore[override]
        return list(dict.items(self))


def _init_wrapper(original: Callable[..., None], attrs: tuple[str, ...]) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        for attr in attrs:
            setattr(self, attr, SnapshotDict(getattr(self, attr)))

    return mark(__init__, NAME, original)


def install() -> None:
    """Make IAM's roles and CloudFormation's stacks SnapshotDicts in every backend made from now on."""
    for module_name, class_name, attr in TABLES:
        backend = require_attr(NAME, import_module(NAME, module_name), class_name)
        init = require_attr(NAME, backend, "__init__")
        if is_patched(init, NAME):
            continue
        if f"self.{attr}" not in inspect.getsource(init):
            raise EngineAdaptationError(NAME, f"{class_name}.__init__ no longer sets self.{attr}; re-check the table")
        backend.__init__ = _init_wrapper(init, (attr,))
