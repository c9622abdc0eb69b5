"""A user's CDK app deploys its own project, and only it: its machines, its resolvers, its schema.

Judged by what we did not write: cfn-lint on the synthesized template and cdk-nag (AwsSolutions) at synth.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import cfn_lint
from tests.cdk.conftest import MACHINE, STACK


pytestmark = pytest.mark.xdist_group("shop-synth")  # one synth per session, on one worker


def of_type(synth, kind: str) -> dict[str, dict]:
    return {k: v for k, v in synth.template["Resources"].items() if v["Type"] == kind}


def test_only_its_own_machines_are_deployed_byte_for_byte(shop_synth) -> None:
    machines = of_type(shop_synth, "AWS::StepFunctions::StateMachine")
    assert [m["Properties"]["StateMachineName"] for m in machines.values()] == [f"{STACK}-{MACHINE}"]
    [props] = [m["Properties"] for m in machines.values()]
    built = shop_synth.project.asl_dir / f"{MACHINE}.asl.json"
    assert props["DefinitionString"] == built.read_text(encoding="utf-8")
    assert props["StateMachineType"] == "EXPRESS"
    [app_table] = [k for k, v in of_type(shop_synth, "AWS::DynamoDB::Table").items()
                   if "StreamSpecification" in v["Properties"]]
    assert props["DefinitionSubstitutions"] == {"AppTable": {"Ref": app_table}}


def test_only_its_own_resolvers_and_schema(shop_synth) -> None:
    resolvers = of_type(shop_synth, "AWS::AppSync::Resolver").values()
    assert [(r["Properties"]["TypeName"], r["Properties"]["FieldName"]) for r in resolvers] == [("Query", "getProduct")]
    [function] = of_type(shop_synth, "AWS::AppSync::FunctionConfiguration").values()
    assert function["Properties"]["Code"] == (shop_synth.project.appsync_dir / f"{MACHINE}.js").read_text(encoding="utf-8")
    [schema] = of_type(shop_synth, "AWS::AppSync::GraphQLSchema").values()
    assert schema["Properties"]["Definition"] == shop_synth.project.schema.read_text(encoding="utf-8")
    text = json.dumps(shop_synth.template)
    for example in ("getUser", "putUser", "appsync-get-item", "pipes-flatten-stream", "tenant-stack-create"):
        assert example not in text, example


def test_no_lifecycle_or_pipe_without_their_machines(shop_synth) -> None:
    """A project without lifecycle machines gets no template bucket (nor its 22 MB deploy handler); no
    machine named for a pipe, no pipe."""
    kinds = {r["Type"] for r in shop_synth.template["Resources"].values()}
    assert not kinds & {"AWS::S3::Bucket", "Custom::CDKBucketDeployment", "AWS::Pipes::Pipe", "AWS::Events::Rule"}
    assert [p.name for p in shop_synth.templates] == [f"{STACK}.template.json"]  # no tenant template assembly


def test_the_authorizer_is_bundled_from_the_package(shop_synth) -> None:
    import workflows.cdk.authorizer as packaged

    [function] = [f["Properties"] for f in of_type(shop_synth, "AWS::Lambda::Function").values()
                  if f["Properties"].get("Handler") == "handler.handler"]
    folder = shop_synth.outdir / f"asset.{function['Code']['S3Key'].removesuffix('.zip')}"
    source = Path(packaged.__file__).parent
    assert sorted(p.name for p in folder.iterdir()) == ["__init__.py", "handler.py", "rs256.py"]
    for name in ("handler.py", "rs256.py"):
        assert (folder / name).read_bytes() == (source / name).read_bytes(), name


def test_cfn_lint_finds_no_errors(shop_synth) -> None:
    findings = cfn_lint.lint_paths(shop_synth.templates)
    assert cfn_lint.errors(findings) == {}, cfn_lint.report(findings)


def test_cdk_nag_ran_and_found_nothing_unacknowledged(shop_synth) -> None:
    """The README's app adds the checks; the stack's own reviewed acknowledgments cover its design."""
    report = json.loads((shop_synth.outdir / "validation-report.json").read_text(encoding="utf-8"))
    [nag] = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success" and nag["violations"] == []
