"""The product's own workflows, registered by name (names are the asl/ file names).

Every module in this package except ``registry`` is a catalog module; importing them registers
their workflows. Adding a workflow = adding a decorated function to a module here.
"""

from __future__ import annotations

import importlib
import pkgutil

from . import registry
from .registry import Resolver, Workflow, registered, workflow

__all__ = ["Resolver", "Workflow", "all_workflows", "resolvers", "workflow"]


def all_workflows() -> dict[str, Workflow]:
    """Import every catalog module, then return the registry sorted by name."""
    for info in pkgutil.iter_modules(__path__):
        if info.name != "registry" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    return registered()


def resolvers() -> dict[str, Resolver]:
    """Workflow name -> GraphQL field, for every AppSync resolver machine of the catalog."""
    all_workflows()
    return registry.resolvers()

