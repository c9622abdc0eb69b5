"""The AppSync resolver machines of the example domain: a tenant's Users, unique by email.

Each name is a GraphQL field's machine (``resolver=`` names the field and the arguments its generated
APPSYNC_JS resolver forwards) (see workflows.patterns.appsync for the shapes). They
use JSONata, the shape where a get is one state with its unmarshalling included.

Every write of ``email`` goes through the unique put: ``putUser`` (appsync-put-item) and
``registerUser`` (appsync-put-unique) both write a constraint record per email in the same
transaction, so no path can store a duplicate or change a registered email without the cleanup
learning of it. ``registerUser`` creates only (an existing id fails with ``Resolver.AlreadyExists``
and the user is left as it was); ``putUser`` is the explicit upsert (``upsert=True``). A plain ``appsync.put_item`` on ``USERS`` is a BuildError (``USERS.unique``);
``updateUser`` may not change ``email`` either.
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.registry import Resolver, workflow
from workflows.core import JSONATA, StateMachine
from workflows.patterns import appsync
from workflows.patterns.appsync import Normalize, TenantTable
from workflows.patterns.appsync import cleanup_filter


@dataclass
class User:
    """A tenant's user; ``email`` is unique within the tenant."""

    id: str
    email: str
    name: str
    admin: bool
    logins: int


#: one address, one user: ``Ana@x.io`` and ``ana@x.io`` collide; a non-ASCII address is refused (see Normalize)
USERS = TenantTable(User, query_language=JSONATA, unique={"email": Normalize.EMAIL})
UPDATABLE = ("name", "admin", "logins")
UNIQUE = ("email",)
#: The stream filter of the pipe that feeds appsync-unique-cleanup (infra/app.py passes it to workflows.cdk).
CLEANUP_FILTER = cleanup_filter(USERS, UNIQUE)


@workflow("appsync-get-item", resolver=Resolver("Query", "getUser", ("id",)))
def get_item() -> StateMachine:
    return appsync.get_item(USERS, "appsync-get-item")


@workflow("appsync-put-item", resolver=Resolver("Mutation", "putUser", ("input",)))
def put_item() -> StateMachine:
    return appsync.put_unique(USERS, "appsync-put-item", upsert=True)


@workflow("appsync-update-item", resolver=Resolver("Mutation", "updateUser", ("id", "input")))
def update_item() -> StateMachine:
    return appsync.update_item(USERS, "appsync-update-item", UPDATABLE)


@workflow("appsync-delete-item", resolver=Resolver("Mutation", "deleteUser", ("id",)))
def delete_item() -> StateMachine:
    return appsync.delete_item(USERS, "appsync-delete-item")


@workflow("appsync-query", resolver=Resolver("Query", "listUsers", ("nextToken", "prefix", "limit")))
def query() -> StateMachine:
    return appsync.query_items(USERS, "appsync-query")


@workflow("appsync-put-unique", resolver=Resolver("Mutation", "registerUser", ("input",)))
def put_unique() -> StateMachine:
    return appsync.put_unique(USERS, "appsync-put-unique", UNIQUE)


@workflow("appsync-unique-cleanup")
def unique_cleanup() -> StateMachine:
    return appsync.unique_cleanup(USERS, "appsync-unique-cleanup", UNIQUE)
