"""Property: whenever the isolation lint accepts a task, the role it reads at run time IS the caller's.

Random chains of carriers (JSONPath and JSONata Pass states that keep, move, copy, overwrite or
rebuild the role, or assign it to a variable) end in a task reading one of several places. The
lint judges the chain; the local engine runs the same chain with the task replaced by a Pass that
outputs what the task's RoleArn would read. An accepted chain must yield the caller's role (or
fail before it): the analysis is checked against an independent interpreter, not against itself.
Each example is one execution (~0.2 s), so examples stay modest.
"""

from __future__ import annotations

from itertools import count
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from workflows.core import validate_definition
from workflows.local.engine import LocalEngine

CALLER = "arn:aws:iam::123456789012:role/tenant-a"
ADMIN = "arn:aws:iam::123456789012:role/admin"
ROLE_PATH = "$.identity.resolverContext.tenantRoleArn"
INPUT = {"identity": {"resolverContext": {"tenantRoleArn": CALLER, "tenantId": "a"}},
         "arguments": {"role": ADMIN, "identity": {"resolverContext": {"tenantRoleArn": ADMIN}}}}


def jsonata(output: Any) -> dict[str, Any]:
    return {"Type": "Pass", "QueryLanguage": "JSONata", "Output": output}


CARRIERS: list[dict[str, Any]] = [
    *({"Type": "Pass", "Result": ADMIN, "ResultPath": p} for p in (
        ROLE_PATH, "$.identity", "$.identity.resolverContext", "$.identity.resolverContext.tenantId", "$.note",
        "$.ctx.tenantRoleArn", "$.copy")),
    {"Type": "Pass", "Parameters": {"identity.$": "$.identity", "n": 1}},
    {"Type": "Pass", "Parameters": {"ctx.$": "$.identity.resolverContext", "identity.$": "$.identity"}},
    {"Type": "Pass", "Parameters": {"identity.$": "$.arguments.identity", "ctx.$": "$.identity.resolverContext"}},
    {"Type": "Pass", "Parameters": {"copy.$": ROLE_PATH, "identity.$": "$.identity", "arguments.$": "$.arguments"}},
    {"Type": "Pass", "Parameters": {"copy.$": "$.arguments.role", "identity.$": "$.identity"}},
    {"Type": "Pass", "ResultPath": "$.identity",
     "Parameters": {"resolverContext.$": "$.arguments.identity.resolverContext"}},
    {"Type": "Pass", "InputPath": "$.arguments"},
    {"Type": "Pass", "OutputPath": "$"},
    {"Type": "Pass", "Assign": {"role.$": ROLE_PATH}},
    {"Type": "Pass", "Assign": {"role.$": "$.arguments.role"}},
    {"Type": "Pass", "Assign": {"role.$": "$.copy"}},
    jsonata("{% $states.input %}"),
    jsonata("{% $merge([$states.input, {'note': 1}]) %}"),
    jsonata("{% $merge([$states.input, $states.input.arguments]) %}"),
    jsonata("{% $merge([$states.input, {'identity': $states.input.arguments.identity}]) %}"),
    jsonata({"identity": "{% $states.input.identity %}", "arguments": "{% $states.input.arguments %}"}),
    jsonata({"identity": "{% $states.input.arguments.identity %}",
             "ctx": "{% $states.input.identity.resolverContext %}"}),
    {"Type": "Pass", "QueryLanguage": "JSONata",
     "Assign": {"role": "{% $states.input.identity.resolverContext.tenantRoleArn %}"}},
    {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"role": "{% $states.input.arguments.role %}"}},
]
RUNS = count()
READS = [ROLE_PATH, "$.ctx.tenantRoleArn", "$.copy", "$role",
         "$$.Execution.Input.identity.resolverContext.tenantRoleArn"]


def chain(states: list[dict[str, Any]], last: dict[str, Any]) -> dict[str, Any]:
    names = [f"S{i}" for i in range(len(states))] + ["Last"]
    body = {name: dict(state) | {"Next": names[i + 1]} for i, (name, state) in enumerate(zip(names, states))}
    return {"StartAt": names[0], "States": body | {"Last": last | {"End": True}}}


@pytest.fixture(scope="module")
def engine() -> Iterator[LocalEngine]:
    with LocalEngine() as local:
        yield local


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(carriers=st.lists(st.sampled_from(range(len(CARRIERS))), min_size=1, max_size=4),
       read=st.sampled_from(READS))
@example(carriers=[CARRIERS.index({"Type": "Pass", "Assign": {"role.$": ROLE_PATH}})], read="$role")
@example(carriers=[8], read="$.ctx.tenantRoleArn")
@example(carriers=[CARRIERS.index(jsonata("{% $merge([$states.input, $states.input.arguments]) %}"))], read=ROLE_PATH)
@example(carriers=[CARRIERS.index({"Type": "Pass", "InputPath": "$.arguments"})], read=ROLE_PATH)
def test_an_accepted_task_runs_under_the_callers_role(engine: LocalEngine, carriers: list[int], read: str) -> None:
    states = [CARRIERS[i] for i in carriers]
    task = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
            "Parameters": {"TableName": "t", "Key": {}}, "Credentials": {"RoleArn.$": read}}
    issues = validate_definition(chain(states, task), "m", tenant_scoped=True)
    if issues:
        assert [i.rule for i in issues] == ["tenant-isolation"]
        return
    name = f"iso-{next(RUNS)}"
    engine.create_state_machine(name, chain(states, {"Type": "Pass", "Parameters": {"role.$": read}}))
    result = engine.run(name, INPUT)
    if result.ok():  # a run that fails before the task never uses a role
        assert result.output["role"] == CALLER, (carriers, read)
