"""Feature gates: builder refusals, and gated resolver machines on the local engine in both query languages.

What must hold on the engine: a tenant without the feature gets ``Feature.NotEnabled`` naming it and the
execution enters NO Task state (no data call); with the feature it gets its data; a missing ``features``
key means none; the alternative branch is taken when the builder names one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.patterns.test_appsync_env import Env, make_env
from workflows.core import EXPRESS, JSONATA, JSONPATH, BuildError, Parallel, Pass, StateMachine
from workflows.local.engine import ExecutionResult, LocalEngine
from workflows.patterns import appsync
from workflows.patterns.appsync import TenantTable
from workflows.patterns.appsync.features import (FEATURE_NOT_ENABLED, FEATURES_KEY, check_gates, decode_features,
                                                 encode_features, gate_features, requires)


@dataclass
class Note:
    id: str
    title: str


def _layout(ql: str) -> TenantTable:
    return TenantTable(Note, query_language=ql)


def _tasks_entered(result: ExecutionResult) -> list[dict[str, Any]]:
    """History events of Task states entered or scheduled: any data call leaves one of these."""
    return [e for e in result.history if e["type"] in ("TaskStateEntered", "TaskScheduled")]


# -- builder refusals ----------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["a,b", "ex*port", "ex\\port", "", "has space", "x" * 65, "ex?port", "[x]",
                                  "-lead", 7, None])
def test_unencodable_feature_names_are_refused(name: Any) -> None:
    machine = appsync.get_item(_layout(JSONATA), "note-get")
    with pytest.raises(BuildError) as err:
        requires(name, machine)
    assert err.value.rules == {"feature-name"} and repr(name) in str(err.value)
    with pytest.raises(BuildError):
        encode_features([name])


def test_encode_refuses_a_bare_string() -> None:
    with pytest.raises(BuildError, match="collection"):
        encode_features("export")


def test_requires_gates_a_machine_only() -> None:
    with pytest.raises(BuildError, match="StateMachine"):
        requires("export", Pass("NotAMachine"))  # type: ignore[arg-type]


def test_gate_after_a_state_is_refused() -> None:
    gated = requires("export", appsync.get_item(_layout(JSONPATH), "note-get"))
    late = StateMachine("note-late", start=Pass("Before") >> gated.chain, type=EXPRESS, tenant_scoped=True,
                        placeholders=gated.placeholders)
    with pytest.raises(BuildError) as err:
        check_gates(late)
    issue = err.value.issues[0]
    assert (issue.machine, issue.path, issue.rule) == ("note-late", "RequireExport", "feature-gate-first")
    with pytest.raises(BuildError, match="feature-gate-first"):  # gating it again does not hide it
        requires("reports", late)


def test_gate_inside_a_parallel_branch_is_refused() -> None:
    gated = requires("export", appsync.get_item(_layout(JSONPATH), "note-get"))
    nested = StateMachine("note-nested", start=Parallel("Both", branches=[gated.chain]), type=EXPRESS)
    with pytest.raises(BuildError) as err:
        check_gates(nested)
    assert err.value.issues[0].path == "Both/Branches[0]/RequireExport"


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_stacked_gates_are_first(ql: str) -> None:
    both = requires("export", requires("reports", appsync.get_item(_layout(ql), "note-get")))
    assert both.to_asl()["StartAt"] == "RequireExport" and gate_features(both) == ("export", "reports")
    check_gates(both)
    both.validate()  # the isolation lint (tenant_scoped) and every other rule still hold


def test_a_gated_alternative_machine_is_first_too() -> None:
    # JSONata resolver machines share only identical states (Rejected), so two of them can be joined;
    # JSONPath ones both have a different CheckTenantContext, refused as a duplicate name
    layout = _layout(JSONATA)
    both = requires("export", requires("reports", appsync.get_item(layout, "note-get")))
    alternative = requires("basic", appsync.delete_item(layout, "note-delete"))
    either = requires("pro", appsync.get_item(layout, "note-get"), otherwise=alternative)
    assert gate_features(either) == ("pro", "basic")
    check_gates(either)
    either.validate()


def test_joining_two_jsonpath_resolver_machines_is_a_named_refusal() -> None:
    layout = _layout(JSONPATH)
    with pytest.raises(BuildError, match="duplicate-name"):
        requires("pro", appsync.get_item(layout, "note-get"), otherwise=appsync.delete_item(layout, "note-delete"))


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_gate_is_the_first_state_and_the_machine_is_otherwise_unchanged(ql: str) -> None:
    plain = appsync.get_item(_layout(ql), "note-get")
    gated = requires("export", plain)
    before, after = plain.to_asl(), gated.to_asl()
    assert after["StartAt"] == "RequireExport" and after["States"]["RequireExport"]["Type"] == "Choice"
    assert {k: v for k, v in after["States"].items() if k not in ("RequireExport", "ExportNotEnabled")} == before["States"]
    assert after["States"]["ExportNotEnabled"] == {
        "Type": "Fail", "Error": FEATURE_NOT_ENABLED, "Cause": "feature export is not enabled for this tenant"}
    assert (gated.type, gated.query_language, gated.tenant_scoped, gated.placeholders) == (
        plain.type, plain.query_language, plain.tenant_scoped, plain.placeholders)


def test_encoding() -> None:
    assert encode_features([]) == ","
    assert encode_features(["reports", "export", "export"]) == ",export,reports,"
    assert decode_features(",export,reports,") == ("export", "reports")
    assert decode_features(None) == () and decode_features(",") == () and decode_features(5) == ()


# -- on the engine, both query languages ----------------------------------------------------------
@pytest.fixture
def env(local_engine: LocalEngine) -> Env:
    return make_env(local_engine)


def _ctx(env: Env, tenant: str, features: Any = ...) -> dict[str, Any]:
    ctx = env.ctx(tenant)
    if features is not ...:
        ctx["identity"]["resolverContext"][FEATURES_KEY] = features
    return ctx


def _seed(env: Env, ql: str) -> None:
    env.deploy(appsync.put_item(_layout(ql), "note-put"))
    result = env.engine.run("note-put", env.ctx("ta") | {"arguments": {"input": {"id": "n1", "title": "t"}}})
    assert result.ok(), result.cause


NOT_GRANTED = [
    pytest.param(..., id="no-features-key"),
    pytest.param(",", id="none"),
    pytest.param(",reports,", id="other-feature"),
    pytest.param(",exports,pre-export,export-x,", id="names-that-contain-it"),
    pytest.param("export", id="not-comma-delimited"),
    pytest.param("", id="empty-string"),
    pytest.param(None, id="null"),
    pytest.param(["export"], id="not-a-string"),
]


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
@pytest.mark.parametrize("features", NOT_GRANTED)
def test_tenant_without_the_feature_fails_before_any_data_call(env: Env, ql: str, features: Any) -> None:
    env.deploy(requires("export", appsync.get_item(_layout(ql), "note-get")))
    result = env.engine.run("note-get", _ctx(env, "ta", features) | {"arguments": {"id": "n1"}})
    assert (result.status, result.error) == ("FAILED", FEATURE_NOT_ENABLED)
    assert "export" in result.cause
    assert _tasks_entered(result) == [] and result.state_names == ("RequireExport", "ExportNotEnabled")


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
@pytest.mark.parametrize("features", [",export,", ",a,export,z,", encode_features(["export", "reports"])])
def test_tenant_with_the_feature_gets_its_data(env: Env, ql: str, features: str) -> None:
    _seed(env, ql)
    env.deploy(requires("export", appsync.get_item(_layout(ql), "note-get")))
    result = env.engine.run("note-get", _ctx(env, "ta", features) | {"arguments": {"id": "n1"}})
    assert result.ok(), result.cause
    assert result.output == {"id": "n1", "title": "t"}
    assert result.state_names[0] == "RequireExport" and _tasks_entered(result)


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_the_gate_does_not_weaken_isolation(env: Env, ql: str) -> None:
    """With the feature, another tenant's role is still refused by IAM."""
    _seed(env, ql)
    env.deploy(requires("export", appsync.get_item(_layout(ql), "note-get")))
    ctx = _ctx(env, "ta", ",export,")
    ctx["identity"]["resolverContext"]["tenantRoleArn"] = env.roles["tb"]
    result = env.engine.run("note-get", ctx | {"arguments": {"id": "n1"}})
    assert result.error == "Tenant.AccessDenied"
    assert result.cause.startswith("DynamoDB.AccessDeniedException: ")


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_the_alternative_branch_is_taken_when_named(env: Env, ql: str) -> None:
    _seed(env, ql)
    layout = _layout(ql)
    if ql == JSONATA:
        fallback = Pass("ExportUnavailable", output={"id": "n1", "title": "(upgrade to export)"})
    else:
        fallback = Pass("ExportUnavailable", result={"id": "n1", "title": "(upgrade to export)"})
    env.deploy(requires("export", appsync.get_item(layout, "note-get"), otherwise=fallback))
    without = env.engine.run("note-get", _ctx(env, "ta") | {"arguments": {"id": "n1"}})
    assert without.ok(), without.cause
    assert without.output == {"id": "n1", "title": "(upgrade to export)"}
    assert without.state_names == ("RequireExport", "ExportUnavailable") and _tasks_entered(without) == []
    granted = env.engine.run("note-get", _ctx(env, "ta", ",export,") | {"arguments": {"id": "n1"}})
    assert granted.output == {"id": "n1", "title": "t"}


def test_an_alternative_machine_runs_under_the_same_isolation(env: Env) -> None:
    """``otherwise`` may be another resolver machine: a tenant without ``pro`` deletes instead of reading."""
    ql = JSONATA
    _seed(env, ql)
    layout = _layout(ql)
    env.deploy(requires("pro", appsync.get_item(layout, "note-get"),
                        otherwise=appsync.delete_item(layout, "note-delete")))
    result = env.engine.run("note-get", _ctx(env, "ta", ",basic,") | {"arguments": {"id": "n1"}})
    assert result.ok(), result.cause
    assert result.output == {"id": "n1", "title": "t"} and "DeleteNote" in result.state_names
    again = env.engine.run("note-get", _ctx(env, "ta", ",pro,") | {"arguments": {"id": "n1"}})
    assert again.ok() and again.output is None  # deleted by the alternative


@pytest.mark.parametrize("ql", [JSONPATH, JSONATA])
def test_stacked_gates_need_every_feature(env: Env, ql: str) -> None:
    _seed(env, ql)
    env.deploy(requires("export", requires("reports", appsync.get_item(_layout(ql), "note-get"))))
    only_export = env.engine.run("note-get", _ctx(env, "ta", ",export,") | {"arguments": {"id": "n1"}})
    assert only_export.error == FEATURE_NOT_ENABLED and "reports" in only_export.cause
    assert _tasks_entered(only_export) == []
    both = env.engine.run("note-get", _ctx(env, "ta", ",export,reports,") | {"arguments": {"id": "n1"}})
    assert both.ok(), both.cause


def test_asl_validator_accepts_gated_machines(tmp_path) -> None:
    """An independent judge: AWS's ASL rules as asl-validator knows them, both languages, with an alternative."""
    from tests.core.test_judges import _asl_validator

    paths = []
    for ql in (JSONPATH, JSONATA):
        layout = _layout(ql)
        fallback = Pass("ExportUnavailable", **({"output": {}} if ql == JSONATA else {"result": {}}))
        for machine in (requires("export", requires("reports", appsync.query_items(layout, "note-query"))),
                        requires("export", appsync.put_item(layout, "note-put"), otherwise=fallback)):
            paths.append(tmp_path / f"{ql}-{machine.name}.json")
            paths[-1].write_text(machine.substituted())
    result = _asl_validator(paths)
    assert result.returncode == 0 and result.stdout.count("is valid") == len(paths), result.stdout + result.stderr


def test_the_generated_resolver_of_a_gated_machine_forwards_features() -> None:
    import json
    import re

    from workflows.golden import resolver_texts
    from workflows.project import example_project

    flows = example_project().workflows()
    gated = {name: flow for name, flow in flows.items() if flow.resolver and gate_features(flow.build())}
    assert gated, "the example project has a gated resolver"
    for text in resolver_texts(gated).values():
        keys = json.loads(re.search(r"const CONTEXT_KEYS = (\[.*?\]);", text).group(1))
        optional = re.search(r"const OPTIONAL_CONTEXT_KEYS = (\[.*?\]);", text)
        assert FEATURES_KEY in keys + (json.loads(optional.group(1)) if optional else [])
