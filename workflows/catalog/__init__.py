"""The product's own workflows, registered by name (names are the asl/ file names).

Every module in this package except ``registry`` is a catalog module; importing them registers
their workflows. Adding a workflow = adding a decorated function to a module here.
"""

from __future__ import annotations

import importlib
import pkgutil

from .registry import Resolver, Workflow, registered, resolvers, workflow

__all__ = ["Resolver", "Workflow", "all_workflows", "resolvers", "workflow"]


def all_workflows() -> dict[str, Workflow]:
    """Import every catalog module, then return the registry sorted by name."""
    for info in pkgutil.iter_modules(__path__):
        if info.name != "registry" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return registered()
