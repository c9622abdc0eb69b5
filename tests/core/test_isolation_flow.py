"""Tenant isolation is proved on the data flow: the role a task runs under must be the execution
input's ``identity.resolverContext.tenantRoleArn``, carried unchanged through every state before it.

Each refusal is reported at the task (rule ``tenant-isolation``) and names the state(s) that lose
the role before it. The definitions are hand-written ASL so that each carrier is judged alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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


# -- Pass Result / ResultPath ----------------------------------------------------------------------
@pytest.mark.parametrize("result_path", [ROLE_PATH, "$.identity", "$.identity.resolverContext", "$",
                                         "$.identity.resolverContext.tenantRoleArn.inner"])
def test_result_path_over_the_role_is_refused(result_path: str) -> None:
    refused(chain(("Admin", admin_pass(result_path)), ("Get", get())), "Get", "Admin (Result, ResultPath)")


@pytest.mark.parametrize("result_path", ["$.identity.resolverContext.tenantId", "$.audit", None])
def test_result_path_beside_the_role_keeps_it(result_path: str | None) -> None:
    allowed(chain(("Note", admin_pass(result_path)), ("Get", get())))  # type: ignore[arg-type]


def test_a_pass_without_result_path_replaces_its_input_with_the_result() -> None:
    refused(chain(("Admin", {"Type": "Pass", "Result": {"identity": {"resolverContext": {"tenantRoleArn": ADMIN}}}}),
                  ("Get", get())), "Get", "Admin (Result)")


# -- Parameters ------------------------------------------------------------------------------------
def test_parameters_that_rebuild_identity_from_a_literal_are_refused() -> None:
    rebuild = {"Type": "Pass", "Parameters": {"identity": {"resolverContext": {"tenantRoleArn": ADMIN}},
                                              "arguments.$": "$.arguments"}}
    refused(chain(("Rebuild", rebuild), ("Get", get())), "Get", "Rebuild (Parameters)")


def test_parameters_that_build_the_role_with_an_intrinsic_are_refused() -> None:
    built = {"Type": "Pass", "Parameters": {
        "role.$": "States.Format('{}', $.identity.resolverContext.tenantRoleArn)"}}
    refused(chain(("Build", built), ("Get", get("$.role"))), "Get", "reaches this task from: Build (Parameters)")


def test_parameters_that_copy_the_context_carry_the_role_to_the_new_place() -> None:
    allowed(chain(("Copy", {"Type": "Pass", "Parameters": {"identity.$": "$.identity", "n": 1}}), ("Get", get())))
    allowed(chain(("Copy", {"Type": "Pass", "Parameters": {"ctx.$": "$.identity.resolverContext"}}),
                  ("Get", get("$.ctx.tenantRoleArn"))))
    allowed(chain(("Copy", {"Type": "Pass", "Parameters": {"all.$": "$"}}),
                  ("Get", get("$.all.identity.resolverContext.tenantRoleArn"))))


def test_parameters_where_a_literal_and_a_path_share_a_key_are_refused() -> None:
    both = {"Type": "Pass", "Parameters": {"identity.$": "$.identity",
                                           "identity": {"resolverContext": {"tenantRoleArn": ADMIN}}}}
    refused(chain(("Both", both), ("Get", get())), "Get", "Both (Parameters)")


# -- ResultSelector, InputPath, OutputPath ---------------------------------------------------------
def assume(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sts:assumeRole",
            "Parameters": {"RoleArn": ADMIN, "RoleSessionName": "s"},
            "Credentials": {"RoleArn.$": ROLE_PATH}} | fields


def test_result_selector_and_result_path_over_identity_are_refused() -> None:
    selector = {"resolverContext": {"tenantRoleArn.$": "$.AssumedRoleUser.Arn"}}
    refused(chain(("Assume", assume(ResultSelector=selector, ResultPath="$.identity")), ("Get", get())),
            "Get", "Assume (ResultSelector, ResultPath)")
    allowed(chain(("Assume", assume(ResultSelector=selector, ResultPath="$.sts")), ("Get", get())))


def test_a_task_result_replaces_the_input_unless_result_path_places_it() -> None:
    refused(chain(("Assume", assume()), ("Get", get())), "Get", "Assume (its result replaces its input)")
    allowed(chain(("Assume", assume(ResultPath=None)), ("Get", get())))


def test_output_path_that_drops_identity_is_refused() -> None:
    refused(chain(("Narrow", {"Type": "Pass", "OutputPath": "$.arguments"}), ("Get", get())),
            "Get", "Narrow (OutputPath)")
    allowed(chain(("Keep", {"Type": "Pass", "OutputPath": "$"}), ("Get", get())))


def test_input_path_moves_the_role_and_a_task_reads_it_where_it_moved() -> None:
    allowed(chain(("Narrow", {"Type": "Pass", "InputPath": "$.identity"}),
                  ("Get", get("$.resolverContext.tenantRoleArn"))))
    # a task's own InputPath: RoleArn.$ must hold the role whichever input it is read from
    refused(chain(("Get", get(InputPath="$.arguments"))), "Get", "no state carries the role there")


# -- JSONata Output --------------------------------------------------------------------------------
@pytest.mark.parametrize("output", [
    '{% $merge([$states.input, {"identity": {"resolverContext": {"tenantRoleArn": "' + ADMIN + '"}}}]) %}',
    "{% $merge([$states.input, $states.input.arguments]) %}",
    '{% $states.input ~> |identity.resolverContext|{"tenantRoleArn": "' + ADMIN + '"}| %}',
    '{% ($states := {"input": {"identity": {"resolverContext": {"tenantRoleArn": "x"}}}}; $states.input) %}',
    "{% $states.input.arguments.flag ? $states.input : {'identity': $states.input.arguments} %}",
    "{% $states.input.identity.resolverContext.tenantRoleArn ? $states.input : $states.input.arguments %}",
    "{% ($merge := function($parts){ $parts[1] }; $merge([$states.input, {'page': 1}])) %}",
    "{% $merge([$states.input, {$states.input.arguments.key: {'resolverContext': {'tenantRoleArn': 'x'}}}]) %}",
    {"identity": {"resolverContext": {"tenantRoleArn": ADMIN}}},
    {"identity": "{% $states.input.arguments %}"},
])
def test_jsonata_output_that_may_replace_the_role_is_refused(output: Any) -> None:
    refused(chain(("Shape", {"Type": "Pass", "Output": output}), ("Get", jget()), ql="JSONata"),
            "Get", "Shape (Output)")


@pytest.mark.parametrize("output", [
    "{% $states.input %}",
    {"identity": "{% $states.input.identity %}", "page": 1},
    "{% {'identity': $states.input.identity, 'n': 1} %}",
    "{% $merge([$states.input, {'page': 1}]) %}",
    "{% $merge([{'page': 1}, $states.input]) %}",
    "{% ($n := 1; $states.input) %}",
    "{% $states.input.arguments.flag ? $states.input : {'identity': $states.input.identity} %}",
])
def test_jsonata_output_that_provably_keeps_the_role_is_allowed(output: Any) -> None:
    allowed(chain(("Shape", {"Type": "Pass", "Output": output}), ("Get", jget()), ql="JSONata"))


def test_a_jsonata_task_result_replaces_the_input_unless_output_keeps_it() -> None:
    first = jget(Arguments={"TableName": "t", "Key": {}})
    refused(chain(("First", first), ("Get", jget()), ql="JSONata"), "Get", "First (its result replaces its input)")
    allowed(chain(("First", first | {"Output": "{% $states.input %}"}), ("Get", jget()), ql="JSONata"))


# -- variables -------------------------------------------------------------------------------------
def test_a_variable_assigned_from_the_untouched_context_is_allowed() -> None:
    allowed(chain(("Keep", {"Type": "Pass", "Assign": {"role.$": ROLE_PATH}}),
                  ("Admin", admin_pass()), ("Get", get("$role"))))
    allowed(chain(("Keep", {"Type": "Pass", "Assign": {"role": ROLE_JSONATA}}),
                  ("Drop", {"Type": "Pass", "Output": {}}), ("Get", jget("{% $role %}")), ql="JSONata"))
    allowed(chain(("Keep", {"Type": "Pass", "Assign": {"ctx.$": "$.identity.resolverContext"}}),
                  ("Get", get("$ctx.tenantRoleArn"))))


@pytest.mark.parametrize("value", [ADMIN, "{% $states.input.arguments.role %}", "{% 'arn:aws:iam::1:role/' & 'x' %}"])
def test_a_variable_assigned_from_a_literal_or_the_arguments_is_refused_jsonata(value: str) -> None:
    refused(chain(("Keep", {"Type": "Pass", "Assign": {"role": value}}), ("Get", jget("{% $role %}")),
                  ql="JSONata"), "Get", "$role may hold something else, assigned by: Keep (Assign)")


@pytest.mark.parametrize("assign", [{"role": ADMIN}, {"role.$": "$.arguments.role"}])
def test_a_variable_assigned_from_a_literal_or_the_arguments_is_refused_jsonpath(assign: dict[str, str]) -> None:
    refused(chain(("Keep", {"Type": "Pass", "Assign": assign}), ("Get", get("$role"))),
            "Get", "assigned by: Keep (Assign)")


def test_a_variable_reassigned_before_the_task_is_refused() -> None:
    message = refused(chain(("Keep", {"Type": "Pass", "Assign": {"role.$": ROLE_PATH}}),
                            ("Swap", {"Type": "Pass", "Assign": {"role.$": "$.arguments.role"}}),
                            ("Get", get("$role"))), "Get", "Swap (Assign)")
    assert "Keep (Assign)" in message  # every setter is named; Swap is the wrong one


def test_a_variable_assigned_inside_a_parallel_or_map_is_not_trusted_after_it() -> None:
    """Whether inner states may set an outer variable or only their own, the name is not trusted."""
    keep = ("Keep", {"Type": "Pass", "Assign": {"role.$": ROLE_PATH}})
    swap = chain(("Swap", {"Type": "Pass", "Assign": {"role.$": "$.arguments.role"}}))
    refused(chain(keep, ("Both", {"Type": "Parallel", "Branches": [swap], "ResultPath": None}), ("Get", get("$role"))),
            "Get", "Swap (Assign)")
    refused(chain(keep, ("Each", each(chain(("Read", get("$role", ResultPath=None)),
                                            ("Swap", {"Type": "Pass", "Assign": {"role.$": "$.arguments.role"}}))))),
            "Each/ItemProcessor/Read", "Swap (Assign)")
    allowed(chain(keep, ("Both", {"Type": "Parallel", "Branches": [chain(("Plain", {"Type": "Pass"}))],
                                  "ResultPath": None}), ("Get", get("$role"))))


def test_a_variable_nobody_assigns_is_refused() -> None:
    refused(chain(("Get", get("$role"))), "Get", "no state assigns $role")


# -- Map -------------------------------------------------------------------------------------------
def each(processor: dict[str, Any], jsonata: bool = False, **fields: Any) -> dict[str, Any]:
    items = {"Items": "{% $states.input.arguments.items %}"} if jsonata else {"ItemsPath": "$.arguments.items"}
    return {"Type": "Map", "ItemProcessor": processor} | items | fields


def test_a_map_whose_item_selector_copies_the_context_is_allowed() -> None:
    selector = {"ctx.$": "$.identity.resolverContext", "item.$": "$$.Map.Item.Value"}
    allowed(chain(("Each", each(chain(("Get", get("$.ctx.tenantRoleArn"))), ItemSelector=selector))))
    allowed(chain(("Each", each(chain(("Get", jget())), jsonata=True,
                                ItemSelector={"identity": "{% $states.input.identity %}",
                                              "item": "{% $states.context.Map.Item.Value %}"})), ql="JSONata"))


def test_a_map_whose_item_selector_builds_the_role_is_refused() -> None:
    selector = {"ctx": {"tenantRoleArn.$": "$$.Map.Item.Value.role"}}
    refused(chain(("Each", each(chain(("Get", get("$.ctx.tenantRoleArn"))), ItemSelector=selector))),
            "Each/ItemProcessor/Get", "Each (ItemSelector)")


def test_inside_a_map_without_item_selector_the_input_is_the_item() -> None:
    refused(chain(("Each", each(chain(("Get", get()))))), "Each/ItemProcessor/Get",
            "Each (no ItemSelector: each item is the input)")


def test_the_execution_input_is_the_item_in_a_distributed_map() -> None:
    context = "$$.Execution.Input.identity.resolverContext.tenantRoleArn"
    allowed(chain(("Each", each(chain(("Get", get(context)))))))
    distributed = chain(("Get", get(context))) | {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}}
    refused(chain(("Each", each(distributed))), "Each/ItemProcessor/Get")


# -- Parallel --------------------------------------------------------------------------------------
def test_a_parallel_branch_that_overwrites_the_role_is_refused() -> None:
    both = {"Type": "Parallel", "ResultPath": "$.branches", "Branches": [
        chain(("Plain", get())), chain(("Admin", admin_pass()), ("Get", get()))]}
    refused(chain(("Both", both)), "Both/Branches[1]/Get", "Both/Branches[1]/Admin (Result, ResultPath)")


def test_a_parallel_that_rebuilds_its_branches_input_is_refused() -> None:
    both = {"Type": "Parallel", "Parameters": {"identity": {"resolverContext": {"tenantRoleArn": ADMIN}}},
            "ResultPath": "$.branches", "Branches": [chain(("Get", get()))]}
    refused(chain(("Both", both)), "Both/Branches[0]/Get", "Both (Parameters)")


def test_the_parallel_result_replaces_or_joins_the_input_per_result_path() -> None:
    branches = [chain(("Plain", {"Type": "Pass"})), chain(("Admin", admin_pass()))]
    refused(chain(("Both", {"Type": "Parallel", "Branches": branches}), ("Get", get())),
            "Get", "Both (its result replaces its input)")
    allowed(chain(("Both", {"Type": "Parallel", "Branches": branches, "ResultPath": "$.b"}), ("Get", get())))
    # each branch's output is at its index of the result
    allowed(chain(("Both", {"Type": "Parallel", "Branches": branches, "OutputPath": "$[0]"}), ("Get", get())))
    refused(chain(("Both", {"Type": "Parallel", "Branches": branches, "OutputPath": "$[1]"}), ("Get", get())),
            "Get", "Admin")


# -- Catch -----------------------------------------------------------------------------------------
def guarded(catcher: dict[str, Any], ql: str | None = None) -> dict[str, Any]:
    first = (jget if ql else get)(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handle"} | catcher])
    return chain(("First", first), ("Done", {"Type": "Succeed"}), ("Handle", jget() if ql else get()), ql=ql)


def test_a_catch_whose_result_path_overwrites_identity_is_refused() -> None:
    refused(guarded({"ResultPath": "$.identity"}), "Handle", "First (Catch[0].ResultPath")
    refused(guarded({}), "Handle", "Catch[0]: the error replaces the input")
    allowed(guarded({"ResultPath": "$.error"}))


def test_a_jsonata_catch_output_must_keep_the_role() -> None:
    refused(guarded({"Output": "{% $states.errorOutput %}"}, ql="JSONata"), "Handle", "First (Catch[0].Output")
    allowed(guarded({"Output": "{% $merge([$states.input, {'error': $states.errorOutput}]) %}"}, ql="JSONata"))


# -- joins and loops -------------------------------------------------------------------------------
def test_a_join_keeps_only_what_every_path_carries() -> None:
    route = {"Type": "Choice", "Choices": [{"Variable": "$.arguments.admin", "IsPresent": True, "Next": "Admin"}],
             "Default": "Get"}
    refused(chain(("Route", route), ("Admin", admin_pass()), ("Get", get())), "Get", "Admin (Result, ResultPath)")
    route["Choices"][0]["Next"] = "Note"
    allowed(chain(("Route", route), ("Note", admin_pass("$.note")), ("Get", get())))


def test_a_jsonata_choice_output_on_one_rule_is_judged_on_that_path() -> None:
    route = {"Type": "Choice", "Default": "Get", "Choices": [
        {"Condition": "{% $exists($states.input.arguments.admin) %}", "Next": "Get",
         "Output": {"identity": {"resolverContext": {"tenantRoleArn": ADMIN}}}}]}
    refused(chain(("Route", route), ("Get", jget()), ql="JSONata"), "Get", "Route")


def loop(back: dict[str, Any], task: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check -> Get -> Back -> Check, until $.done exists."""
    check = {"Type": "Choice", "Choices": [{"Variable": "$.done", "IsPresent": True, "Next": "Done"}],
             "Default": "Get"}
    return chain(("Check", check), ("Get", task or get(ResultPath="$.page")), ("Back", back | {"Next": "Check"}),
                 ("Done", {"Type": "Succeed"}))


def test_a_state_reached_twice_is_judged_on_the_second_pass_too() -> None:
    """On the first visit Get has the caller's role; Back overwrites it for the next round."""
    refused(loop(admin_pass()), "Get", "Back (Result, ResultPath)")
    allowed(loop(admin_pass("$.round")))


def test_a_task_in_a_loop_that_replaces_its_own_input_is_refused() -> None:
    refused(loop({"Type": "Pass"}, get()), "Get", "Get (its result replaces its input)")


def test_a_loop_through_a_variable_is_iterated_to_the_fixed_point() -> None:
    start = {"Type": "Pass", "Assign": {"role.$": ROLE_PATH}}
    swap = {"Type": "Pass", "Assign": {"role.$": "$.arguments.role"}}
    definition = loop(swap, get("$role", ResultPath="$.page"))
    definition["States"]["Start"] = start | {"Next": "Check"}
    definition["StartAt"] = "Start"
    refused(definition, "Get", "Back (Assign)")
    definition["States"]["Back"]["Assign"] = {"role.$": "$$.Execution.Input.identity.resolverContext.tenantRoleArn"}
    allowed(definition)


# -- what may be read ------------------------------------------------------------------------------
def test_the_execution_input_in_the_context_object_is_always_the_callers() -> None:
    allowed(chain(("Admin", admin_pass()), ("Get", get("$$.Execution.Input.identity.resolverContext.tenantRoleArn"))))
    allowed(chain(("Drop", {"Type": "Pass", "Output": {}}),
                  ("Get", jget("{% $states.context.Execution.Input.identity.resolverContext.tenantRoleArn %}")),
                  ql="JSONata"))
    refused(chain(("Get", get("$$.Execution.Input.arguments.role"))), "Get")


@pytest.mark.parametrize("role", ["$.identity.resolverContext.tenantId", "$.identity.resolverContext",
                                  "$..tenantRoleArn", "$.arguments.tenantRoleArn"])
def test_only_the_tenant_role_key_of_resolver_context_is_a_role(role: str) -> None:
    refused(chain(("Get", get(role))), "Get", "no state carries the role there")


def test_an_unreachable_task_cannot_be_proved() -> None:
    definition = chain(("Get", get()))
    definition["States"]["Orphan"] = get(End=True)
    found = issues(definition)
    assert ("unreachable", "Orphan") in [(i.rule, i.path) for i in found]
    assert [i.message for i in found if i.rule == RULE and i.path == "Orphan"] == [
        f"RoleArn.$ {ROLE_PATH!r} is not provably the caller's role (the execution input's "
        "identity.resolverContext.tenantRoleArn, unchanged on every path to this task): the state is not "
        "reached from StartAt"]


# -- the catalog -----------------------------------------------------------------------------------
def resolver_machines() -> list[str]:
    """Every machine AppSync resolves (``appsync/<name>.js``): those are the tenant-scoped ones."""
    return sorted(p.name[:-3] for p in (ROOT / "appsync").glob("*.js"))


@pytest.mark.parametrize("name", resolver_machines())
def test_every_resolver_machine_of_the_catalog_passes(name: str) -> None:
    definition = json.loads((ROOT / "asl" / f"{name}.asl.json").read_text(encoding="utf-8"))
    assert validate_definition(definition, name, tenant_scoped=True) == []


def test_the_catalog_has_resolver_machines_to_judge() -> None:
    assert len(resolver_machines()) >= 6
