"""A feature-gated resolver of the example domain: ``exportUsers`` runs only for tenants with ``export``.

Why a separate module: the gate is a plan decision, not part of how Users are stored. The machine is
the ordinary page query with bigger pages behind ``requires("export", ...)``: a tenant whose record
in the tenants table lacks ``export`` gets ``Feature.NotEnabled`` before any data call.
"""

from __future__ import annotations

from workflows.core import StateMachine
from workflows.examples.users.machines.appsync import USERS
from workflows.patterns import appsync
from workflows.patterns.appsync.features import requires
from workflows.registry import Resolver, workflow

#: The feature a tenant's plan must include to export its users.
EXPORT = "export"
EXPORT_PAGE_SIZE = 100


@workflow("appsync-export-users", resolver=Resolver("Query", "exportUsers", ("nextToken", "limit")))
def export_users() -> StateMachine:
    return requires(EXPORT, appsync.query_items(USERS, "appsync-export-users", page_size=EXPORT_PAGE_SIZE,
                                                     prefix=None))
