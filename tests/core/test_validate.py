"""One test per validation rule: the issue names the machine, the state path and the rule."""

from __future__ import annotations

import copy

import pytest

from workflows.core import BuildError, Credentials, Pass, StateMachine, Task, validate_definition


def base() -> dict:
    return {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Succeed"}}}


def issues_for(definition: dict, **kw) -> list:
    return validate_definition(definition, "m", **kw)


def only(definition: dict, rule: str, path: str, **kw) -> str:
    found = issues_for(definition, **kw)
    assert [(i.rule, i.path) for i in found] == [(rule, path)], found
    assert found[0].machine == "m"
    text = str(found[0])
    assert text.startswith(f"m: {path}: ") and text.endswith(f"[{rule}]")
    return text


def test_a_valid_definition_has_no_issues() -> None:
    assert issues_for(base()) == []


def test_unknown_next_target() -> None:
    d = base()
    d["States"]["A"]["Next"] = "Nope"
    found = issues_for(d)
    assert ("unknown-target", "A") in [(i.rule, i.path) for i in found]
    assert any("Next 'Nope'" in i.message for i in found)


def test_unknown_start_at_and_default() -> None:
    d = base()
    d["StartAt"] = "Missing"
    assert "unknown-target" in {i.rule for i in issues_for(d)}
    d = {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
        {"Variable": "$.x", "StringEquals": "a", "Next": "S"}], "Default": "Gone"}, "S": {"Type": "Succeed"}}}
    only(d, "unknown-target", "C")


def test_unreachable_state() -> None:
    d = base()
    d["States"]["Orphan"] = {"Type": "Succeed"}
    only(d, "unreachable", "Orphan")


def test_state_that_can_reach_no_terminal_state() -> None:
    d = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}}
    found = issues_for(d)
    assert {(i.rule, i.path) for i in found} == {("no-terminal", "A"), ("no-terminal", "B")}


def test_next_and_end_together_or_neither() -> None:
    d = base()
    d["States"]["A"]["End"] = True
    assert "both Next and End" in only(d, "next-end", "A")
    d = base()
    del d["States"]["A"]["Next"]
    d["States"]["B"] = {"Type": "Succeed"}
    found = issues_for(d)
    assert ("next-end", "A") in [(i.rule, i.path) for i in found]


def test_terminal_states_take_no_next() -> None:
    d = base()
    d["States"]["B"]["Next"] = "A"
    assert "next-end" in {i.rule for i in issues_for(d)}


def test_duplicate_state_names_across_branches_and_processors() -> None:
    d = {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
        {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}},
        {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
            "StartAt": "X", "States": {"X": {"Type": "Pass", "End": True}}}}}}]}}}
    text = only(d, "duplicate-name", "P/Branches[1]/M/ItemProcessor/X")
    assert "also at P/Branches[0]/X" in text


def test_field_not_allowed_for_state_type() -> None:
    d = base()
    d["States"]["B"]["Resource"] = "arn:x"
    assert "Succeed states have no field Resource" in only(d, "field-not-allowed", "B")


def test_field_not_allowed_for_query_language() -> None:
    d = base()
    d["QueryLanguage"] = "JSONata"
    d["States"]["A"]["Parameters"] = {"a": 1}
    only(d, "field-query-language", "A")
    d = base()
    d["States"]["A"]["Output"] = {"a": 1}
    only(d, "field-query-language", "A")


def test_jsonpath_state_inside_jsonata_machine() -> None:
    d = base()
    d["QueryLanguage"] = "JSONata"
    d["States"]["A"]["QueryLanguage"] = "JSONPath"
    only(d, "query-language", "A")


def test_dollar_key_needs_a_path_or_intrinsic() -> None:
    d = base()
    d["States"]["A"]["Parameters"] = {"a.$": "not a path"}
    assert "Parameters.a.$" in only(d, "dollar-key", "A")
    d["States"]["A"]["Parameters"] = {"a.$": 3}
    only(d, "dollar-key", "A")


def test_jsonpath_syntax() -> None:
    d = base()
    d["States"]["A"]["InputPath"] = "$.a b"
    assert "not valid JSONPath" in only(d, "jsonpath-syntax", "A")


def test_reference_path_where_required() -> None:
    d = base()
    d["States"]["A"]["ResultPath"] = "$.items[*].x"
    assert "Reference Path" in only(d, "reference-path", "A")


def test_unclosed_jsonata() -> None:
    d = base()
    d["QueryLanguage"] = "JSONata"
    d["States"]["A"]["Output"] = "{% $states.input"
    assert "unclosed" in only(d, "jsonata-syntax", "A")
    d["States"]["A"]["Output"] = "{% $states.input.( %}"
    assert "does not compile" in only(d, "jsonata-syntax", "A")


def test_intrinsic_arity() -> None:
    d = base()
    d["States"]["A"]["Parameters"] = {"a.$": "States.ArrayGetItem($.x)"}
    assert "takes 2 argument(s), got 1" in only(d, "intrinsic-arity", "A")
    d["States"]["A"]["Parameters"] = {"a.$": "States.Format('{} and {}', $.x)"}
    only(d, "intrinsic-arity", "A")


def test_state_names_over_80_characters() -> None:
    long = "N" * 81
    d = {"StartAt": long, "States": {long: {"Type": "Succeed"}}}
    assert "81 characters" in only(d, "state-name-length", long)


def test_credentials_without_role_arn() -> None:
    d = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem",
                                          "Credentials": {"Role": "x"}, "End": True}}}
    only(d, "credentials", "T")


def test_choice_rule_needs_one_operator() -> None:
    d = {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [
        {"Variable": "$.x", "StringEquals": "a", "NumericEquals": 1, "Next": "S"}]}, "S": {"Type": "Succeed"}}}
    only(d, "choice-rule", "C")


def test_placeholders_must_be_declared_and_used() -> None:
    d = base()
    d["States"]["A"]["Parameters"] = {"t": "${AppTable}"}
    assert "AppTable" in only(d, "placeholder", "(machine)", placeholders={})
    only(base(), "placeholder", "(machine)", placeholders={"Unused": "x"})


def test_tenant_isolation_lint() -> None:
    get = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True,
           "Parameters": {"TableName": "t", "Key": {}}}
    d = {"StartAt": "Get", "States": {"Get": dict(get)}}
    assert "Credentials" in only(d, "tenant-isolation", "Get", tenant_scoped=True)
    d["States"]["Get"]["Credentials"] = {
        "RoleArn.$": "States.Format('arn:aws:iam::123456789012:role/tenant-role/{}', $.tenantId)"}
    assert "must not build a role ARN" in only(d, "tenant-isolation", "Get", tenant_scoped=True)
    d["States"]["Get"]["Credentials"] = {"RoleArn": "arn:aws:iam::123456789012:role/fixed"}
    only(d, "tenant-isolation", "Get", tenant_scoped=True)
    d["States"]["Get"]["Credentials"] = {"RoleArn.$": "$.identity.resolverContext.tenantRoleArn"}
    assert issues_for(d, tenant_scoped=True) == []
    assert issues_for({"StartAt": "Get", "States": {"Get": dict(get)}}) == [], "only tenant-scoped machines"


def test_tenant_isolation_lint_refuses_caller_controlled_or_missing_roles() -> None:
    def scoped(task: dict) -> list:
        return issues_for({"StartAt": "T", "States": {"T": task}}, tenant_scoped=True)

    base_task = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True,
                 "Parameters": {"TableName": "t", "Key": {}}}
    # a role the caller sends in its own arguments is not the authorizer's
    assert scoped(base_task | {"Credentials": {"RoleArn.$": "$.arguments.resolverContext.tenantRoleArn"}})
    assert scoped(base_task | {"QueryLanguage": "JSONata", "Parameters": None} | {
        "Credentials": {"RoleArn": "{% $states.input.arguments.resolverContext.tenantRoleArn %}"}})
    # every task, not only data services: an STS call without the tenant role is refused too
    sts = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sts:assumeRole", "End": True,
           "Parameters": {"RoleArn": "arn:aws:iam::123456789012:role/x", "RoleSessionName": "s"}}
    assert [i.rule for i in scoped(sts)] == ["tenant-isolation"]
    ok = {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True, "QueryLanguage": "JSONata",
          "Arguments": {"TableName": "t", "Key": {}},
          "Credentials": {"RoleArn": "{% $states.input.identity.resolverContext.tenantRoleArn %}"}}
    assert scoped(ok) == []


def test_machine_validate_raises_with_every_issue() -> None:
    task = Task.dynamodb("getItem", "Get", parameters={"TableName": "${T}", "Key": {}})
    machine = StateMachine("scoped", start=task, tenant_scoped=True)
    with pytest.raises(BuildError) as err:
        machine.validate()
    assert err.value.rules == {"placeholder", "tenant-isolation"}
    assert all(i.machine == "scoped" for i in err.value.issues)
    ok = StateMachine("scoped", start=Task.dynamodb("getItem", "Get", parameters={"TableName": "${T}", "Key": {}},
                                                    credentials=Credentials.from_path(
                                                        "$.identity.resolverContext.tenantRoleArn")),
                      tenant_scoped=True, placeholders={"T": "t"})
    ok.validate()


def test_nested_levels_are_validated_with_their_path() -> None:
    d = {"StartAt": "M", "States": {"M": {"Type": "Map", "End": True, "ItemProcessor": {
        "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "Next": "Gone"}}}}}}
    only(d, "unknown-target", "M/ItemProcessor/W")


def test_validation_does_not_mutate_its_input() -> None:
    d = base()
    before = copy.deepcopy(d)
    issues_for(d)
    assert d == before


def test_builder_errors_name_the_state() -> None:
    with pytest.raises(BuildError) as err:
        Task.sdk("cloudformation", "describeStacks", "DescribeStack", parameters={"StackNme": "x"})
    assert str(err.value) == ("DescribeStack: DescribeStacks has no argument StackNme; did you mean StackName? "
                              "[sdk-argument]")
    with pytest.raises(BuildError, match="did you mean 'describeStacks'"):
        Task.sdk("cloudformation", "describeStack", "DescribeStack")
    with pytest.raises(BuildError, match="needs Key"):
        Task.dynamodb("getItem", "Get", parameters={"TableName": "t"})
    with pytest.raises(BuildError, match="did you mean 'putItem'"):
        Task.dynamodb("putItems", "Put")
    with pytest.raises(BuildError, match="unknown AWS service 'dynamodbb'; did you mean 'dynamodb'"):
        Task.sdk("dynamodbb", "getItem", "Get")


def test_nested_sdk_arguments_are_checked() -> None:
    with pytest.raises(BuildError, match=r"GetItem.Key|AttributeValue|has no argument"):
        Task.dynamodb("getItem", "Get", parameters={"TableName": "t", "Key": {"pk": {"Str": "x"}}})
    assert Pass("P").name == "P"
