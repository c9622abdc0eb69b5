"""The golden gate: `workflows check` passes on the committed tree and names every difference, the schema's
disagreements with the resolver machines included."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from workflows.cli import main
from workflows.golden import SUFFIX, check, contract_problems, schema_text
from workflows.project import load_project

ROOT = Path(__file__).resolve().parents[2]
ASL = ROOT / "asl"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_committed_asl_matches_the_catalog() -> None:
    code, out = run("--asl-dir", str(ASL), "check")
    assert code == 0, out
    names = {p.name[: -len(SUFFIX)] for p in ASL.glob(f"*{SUFFIX}")}
    assert names == set(load_project(ROOT).select()), "every registered workflow has exactly one file"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "asl"
    shutil.copytree(ASL, target)
    if (ROOT / "appsync").is_dir():
        shutil.copytree(ROOT / "appsync", tmp_path / "appsync")
    return target


def test_check_fails_naming_an_edited_file(tmp_path: Path) -> None:
    asl = _copy(tmp_path)
    files = sorted(asl.glob(f"*{SUFFIX}"))
    assert files, "the catalog compiles to at least one file"
    victim = files[0]
    data = json.loads(victim.read_text())
    data["Comment"] = "edited by hand"
    victim.write_text(json.dumps(data, indent=2) + "\n")
    code, out = run("--asl-dir", str(asl), "check")
    assert code == 1
    assert f"stale: {victim.name[: -len(SUFFIX)]}" in out


def test_check_fails_on_a_whitespace_only_change(tmp_path: Path) -> None:
    asl = _copy(tmp_path)
    victim = sorted(asl.glob(f"*{SUFFIX}"))[-1]
    victim.write_bytes(victim.read_bytes().rstrip(b"\n"))
    code, out = run("--asl-dir", str(asl), "check")
    assert code == 1 and "stale:" in out


def test_check_fails_naming_a_stray_and_a_missing_file(tmp_path: Path) -> None:
    asl = _copy(tmp_path)
    (asl / "stray.asl.json").write_text("{}\n")
    removed = sorted(asl.glob(f"*{SUFFIX}"))[0]
    removed.unlink()
    code, out = run("--asl-dir", str(asl), "check")
    assert code == 1
    assert "extra: stray.asl.json" in out
    assert f"missing: {removed.name[: -len(SUFFIX)]}" in out


def test_build_writes_exactly_what_check_expects(tmp_path: Path) -> None:
    asl = tmp_path / "asl"
    code, out = run("--asl-dir", str(asl), "build")
    assert code == 0, out
    for path in ASL.glob(f"*{SUFFIX}"):
        assert (asl / path.name).read_bytes() == path.read_bytes(), path.name
    for path in (ROOT / "appsync").glob("*.js"):
        assert (tmp_path / "appsync" / path.name).read_bytes() == path.read_bytes(), path.name
    assert run("--asl-dir", str(asl), "check")[0] == 0


def test_check_fails_naming_an_edited_resolver(tmp_path: Path) -> None:
    asl = _copy(tmp_path)
    resolvers = sorted((tmp_path / "appsync").glob("*.js"))
    assert resolvers, "the catalog has AppSync resolver machines"
    resolvers[0].write_text(resolvers[0].read_text().replace("util.error", "util.appendError"))
    (tmp_path / "appsync" / "stray.js").write_text("export function request() {}\n")
    code, out = run("--asl-dir", str(asl), "check")
    assert code == 1
    assert f"stale: {resolvers[0].name}" in out and "extra: appsync/stray.js" in out


def test_a_whole_build_removes_the_files_of_a_workflow_that_is_gone_and_a_named_build_does_not(
        tmp_path: Path) -> None:
    asl = _copy(tmp_path)
    (asl / f"renamed-away{SUFFIX}").write_text("{}")
    (tmp_path / "appsync" / "renamed-away.js").write_text("")
    assert run("--asl-dir", str(asl), "build", sorted(load_project(ROOT).select())[0])[0] == 0
    assert (asl / f"renamed-away{SUFFIX}").exists()
    code, out = run("--asl-dir", str(asl), "build")
    assert code == 0 and f"removed {asl / ('renamed-away' + SUFFIX)}" in out
    assert not (asl / f"renamed-away{SUFFIX}").exists() and not (tmp_path / "appsync" / "renamed-away.js").exists()
    assert run("--asl-dir", str(asl), "check")[0] == 0


def test_build_of_an_unknown_name_fails(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--asl-dir", str(tmp_path), "build", "no-such-flow"])
    assert result.exit_code != 0 and "unknown workflow(s): no-such-flow" in result.output


def test_list_show_and_graph() -> None:
    code, out = run("list")
    assert code == 0
    first = sorted(load_project(ROOT).select())[0]
    assert out.splitlines()[0].split()[0] == first
    code, out = run("show", first)
    assert code == 0 and out.encode() == (ASL / f"{first}{SUFFIX}").read_bytes()
    code, out = run("graph", first)
    assert code == 0 and out.startswith("flowchart TD")
    code, out = run("graph", first, "--format", "dot")
    assert code == 0 and out.startswith("digraph machine {") and out.rstrip().endswith("}")


def test_check_holds_the_schema_to_the_resolver_machines(tmp_path: Path) -> None:
    project = load_project(ROOT)
    assert contract_problems(project) == []  # the committed schema.graphql agrees
    edited = tmp_path / "schema.graphql"
    edited.write_text(project.schema.read_text().replace("getUser(id: ID!): User", "getUser(userId: ID!): User!")
                      .replace("  logins: Int!\n}\n\ntype UserPage", "  logins: Int!\n  team: String\n}\n\ntype UserPage"))
    problems = [str(p) for p in check(replace(project, schema=edited))]
    assert sorted(problems) == sorted([
        "contract: appsync-get-item: Query.getUser: the resolver forwards argument 'id', which the field does not "
        "declare (it declares: userId)",
        "contract: appsync-get-item: Query.getUser: argument 'userId' is declared but the resolver does not forward it "
        "(Resolver arguments: id)",
        "contract: appsync-get-item: Query.getUser is User!, but the machine may answer null there: it is null when no "
        "User has the id (get_item(..., not_found=\"error\") fails with Resolver.NotFound instead)",
    ] + [f"contract: {name}: Query.{field}.items[].team (String) is never in the machine's answer (it answers: "
         "id, email, name, admin, logins)" for name, field in (("appsync-query", "listUsers"),
                                                               ("appsync-export-users", "exportUsers"))] + [f"contract: {name}: Mutation.{field}.team (String) is never in the machine's answer (it answers: id, email, "
         "name, admin, logins)" for name, field in (("appsync-delete-item", "deleteUser"),
                                                    ("appsync-put-item", "putUser"),
                                                    ("appsync-put-unique", "registerUser"),
                                                    ("appsync-update-item", "updateUser"))])


def test_the_generated_schema_of_the_example_passes_the_check(tmp_path: Path) -> None:
    project = load_project(ROOT)
    generated = tmp_path / "schema.graphql"
    generated.write_text(schema_text(project))
    assert contract_problems(replace(project, schema=generated)) == []
    assert contract_problems(replace(project, schema=tmp_path / "absent.graphql")) == []  # no schema, no contract
