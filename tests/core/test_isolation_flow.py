"""Tenant isolation is proved on the data flow: the role a task runs under must be the execution
input's ``identity.resolverContext.tenantRoleArn``, carried unchanged through every state before it.

Each refusal is reported at the task (rule ``tenant-isolation``) and names the state(s) that lose
the role before it. The definitions are hand-written ASL so that each carrier is judged alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workflows.core import Credentials, Issue, Pass, StateMachine, Task, validate_definition

RULE = "tenant-isolation"
ROLE_PATH = "$.identity.resolverContext.tenantRoleArn"
ROLE_JSONATA = "{% $states.input.identity.resolverContext.tenantRoleArn %}"
ADMIN = "arn:aws:iam::123456789012:role/admin"
ROOT = Path(__file__).resolve().parents[2]


def get(role: str = ROLE_PATH, **fields: Any) -> dict[str, Any]:
    """A JSONPath data task whose role is read from ``role``."""
    return {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "t", "Key": {}}, "Credentials": {"RoleArn.$": role}} | fields


def jget(role: str = ROLE_JSONATA, **fields: Any) -> dict[str, Any]:
    """A JSONata data task whose role is the expression ``role``."""
    return {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Arguments": {"TableName": "t", "Key": {}}, "Credentials": {"RoleArn": role}} | fields


def chain(*states: tuple[str, dict[str, Any]], ql: str | None = None) -> dict[str, Any]:
    """A level whose states run in the given order (Next/End filled in where not given)."""
    out: dict[str, Any] = {}
    for i, (name, state) in enumerate(states):
        state = dict(state)
        if state["Type"] not in ("Choice", "Succeed", "Fail") and "Next" not in state and "End" not in state:
            state.update({"Next": states[i + 1][0]} if i + 1 < len(states) else {"End": True})
        out[name] = state
    level: dict[str, Any] = {"StartAt": states[0][0], "States": out}
    return level | ({"QueryLanguage": ql} if ql else {})


def issues(definition: dict[str, Any]) -> list[Issue]:
    return validate_definition(definition, "m", tenant_scoped=True)


def allowed(definition: dict[str, Any]) -> None:
    assert issues(definition) == []


def refused(definition: dict[str, Any], path: str, *mentions: str) -> str:
    """The only issue is the isolation rule at ``path``; its message mentions each of ``mentions``."""
    found = issues(definition)
    assert [(i.machine, i.rule, i.path) for i in found] == [("m", RULE, path)], found
    text = str(found[0])
    assert text.startswith(f"m: {path}: ") and text.endswith(f"[{RULE}]")
    for mention in mentions:
        assert mention in found[0].message, found[0].message
    return found[0].message


def admin_pass(result_path: str = ROLE_PATH) -> dict[str, Any]:
    return {"Type": "Pass", "Result": ADMIN, "ResultPath": result_path}


# -- the finding -----------------------------------------------------------------------------------
def test_a_pass_that_overwrites_the_role_before_a_task_is_refused() -> None:
    """The user's finding (green before this lint): the text of RoleArn.$ is right, a Pass replaced the value."""
    admin = Pass("Admin", result=ADMIN, result_path=ROLE_PATH)
    task = Task.dynamodb("getItem", "Get", parameters={"TableName": "${T}", "Key": {}},
                         credentials=Credentials.from_path(ROLE_PATH))
    machine = StateMachine("scoped", start=admin >> task, tenant_scoped=True, placeholders={"T": "t"})
    found = validate_definition(machine.to_asl(), machine.name, placeholders=machine.placeholders,
                                tenant_scoped=True)
    assert [(i.machine, i.rule, i.path) for i in found] == [("scoped", RULE, "Get")]
    assert "Admin (Result, ResultPath)" in found[0].message
