"""IAM roles and CloudFormation stacks can be added while another thread walks the table.

moto 5.2.5 loops over live dict views (``create_role`` over ``get_roles()``, ``create_stack`` and
``get_stack`` over ``stacks.values()``); a role or stack added by another thread meanwhile raised
"dictionary changed size during iteration": 1-2 of 100 concurrent tenant-stack-create executions
failed ``States.Runtime`` with those words (issue 13, divergence 12). The loop-while-adding below is
that interleaving made deterministic.
"""

from __future__ import annotations

import pytest
from moto.cloudformation.models import cloudformation_backends
from moto.iam.models import IAMBackend, iam_backends

from workflows.local.adaptations import backend_snapshots
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError

ACCOUNT = "123456789012"
TRUST = '{"Version": "2012-10-17", "Statement": []}'


def _add_roles_while_walking(iam: IAMBackend) -> int:
    iam.create_role("first", TRUST, "/", None, "", [], None)
    walked = 0
    for role in iam.get_roles():  # what create_role/get_role do, while another thread creates one
        walked += 1
        iam.create_role(f"made-during-{role.name}", TRUST, "/", None, "", [], None)
    return walked


def test_roles_added_while_another_loop_walks_them() -> None:
    with LocalEngine():
        assert _add_roles_while_walking(iam_backends[ACCOUNT]["aws"]) == 1
        assert {r.name for r in iam_backends[ACCOUNT]["aws"].get_roles()} == {"first", "made-during-first"}


def test_stacks_added_while_another_loop_walks_them() -> None:
    with LocalEngine() as engine:
        engine.client("cloudformation").create_stack(StackName="s0", TemplateBody='{"Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}')
        backend = cloudformation_backends[ACCOUNT][engine.region]
        walked = [stack.name for stack in backend.stacks.values() if not backend.stacks.setdefault("other", stack) is None]
        assert walked == ["s0"]


def test_moto_alone_still_breaks_the_loop() -> None:
    """Pin: moto's own table is a plain dict; when it stops failing, drop the adaptation."""
    with LocalEngine():
        iam = iam_backends[ACCOUNT]["aws"]
        iam.roles = dict(iam.roles)
        with pytest.raises(RuntimeError, match="dictionary changed size during iteration"):
            _add_roles_while_walking(iam)


def test_install_names_itself_when_moto_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    def __init__(self: object, region_name: str, account_id: str) -> None:  # sets no roles table
        pass

    monkeypatch.setattr(IAMBackend, "__init__", __init__)
    with pytest.raises(EngineAdaptationError, match="backend_snapshots"):
        backend_snapshots.install()
