"""Tenant stacks in several accounts (issue 15, "Beyond one account"): the CDK side.

One synth of infra/app.py with two tenant accounts, for a project whose lifecycle machines are the
library's built with ``placement=AccountPlacement(...)`` (tests/cdk/placed.py); judged by the templates,
cfn-lint and cdk-nag. Each tenant account is a cell: its own app table (the platform's name, keys and
stream), its boundary over that table, its provisioning role. Without the context the example's app is
what it was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests import cfn_lint
from tests.cdk.placed import ACCOUNTS, CONTEXT, PLATFORM, synth_app, write_placed_project
from workflows.cdk.accounts import TenantAccounts, TenantAccountsError
from workflows.cdk.lifecycle import BOUNDED_PROVISIONING, ROLE_PROVISIONING
from workflows.patterns.tenant_stacks.boundary import boundary_document

pytestmark = pytest.mark.xdist_group("placed-synth")  # one synth per module, on one worker

STACK = "SaasWorkflows"
PROVISIONING = [f"arn:aws:iam::{a}:role/saas-tenant-provisioning" for a in ACCOUNTS]
PLACED = ["tenant-stack-create", "tenant-stack-delete", "tenant-stack-update", "tenant-stack-update-one"]
LIFECYCLE = [f"arn:aws:iam::{PLATFORM}:role/{STACK}-{name}" for name in PLACED]
APP_TABLE = f"{STACK}-app-table"  # the fixed name with tenant accounts (no saas:appTableName in CONTEXT)


def text(value: object) -> object:
    """A template value as the deployed string, for reading (the partition is ``aws``)."""
    if isinstance(value, list):
        return [text(v) for v in value]
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return separator.join(str(text(p)) for p in parts)
    if isinstance(value, dict) and "Ref" in value:
        return "aws" if value["Ref"] == "AWS::Partition" else f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    if isinstance(value, dict):
        return {k: text(v) for k, v in value.items()}
    return value


def as_list(value: object) -> list:
    return value if isinstance(value, list) else [value]


@dataclass
class Placed:
    outdir: Path
    asl_dir: Path
    platform: dict
    accounts: dict[str, dict]   # account id -> its TenantAccountStack's template

    def of_type(self, template: dict, kind: str) -> dict[str, dict]:
        return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}

    def statements(self, template: dict) -> list[tuple[str, dict]]:
        """(policy logical id, statement) of every IAM policy of ``template``."""
        return [(key, statement) for key, policy in self.of_type(template, "AWS::IAM::Policy").items()
                for statement in policy["Properties"]["PolicyDocument"]["Statement"]]


@pytest.fixture(scope="module")
def placed(tmp_path_factory: pytest.TempPathFactory) -> Placed:
    project = write_placed_project(tmp_path_factory.mktemp("placed"))
    outdir = tmp_path_factory.mktemp("placed.cdk.out")
    run = synth_app(outdir, project.root, CONTEXT)
    assert run.returncode == 0, run.stderr[-5000:]  # an unacknowledged cdk-nag finding fails the synth
    load = lambda name: json.loads((outdir / f"{name}.template.json").read_text(encoding="utf-8"))  # noqa: E731
    return Placed(outdir, project.asl_dir, load(STACK), {a: load(f"{STACK}-Tenants-{a}") for a in ACCOUNTS})


def test_one_tenant_account_stack_per_account_with_its_account(placed) -> None:
    manifest = json.loads((placed.outdir / "manifest.json").read_text(encoding="utf-8"))
    stacks = {name: artifact["environment"] for name, artifact in manifest["artifacts"].items()
              if artifact["type"] == "aws:cloudformation:stack"}
    assert stacks == {STACK: f"aws://{PLATFORM}/unknown-region",
                      **{f"{STACK}-Tenants-{a}": f"aws://{a}/unknown-region" for a in ACCOUNTS}}


def test_the_provisioning_role_trusts_only_the_lifecycle_machine_roles(placed) -> None:
    roles = {props["RoleName"] for props in (r["Properties"] for r in
             placed.of_type(placed.platform, "AWS::IAM::Role").values()) if "RoleName" in props}
    assert roles == {arn.rsplit("/", 1)[1] for arn in LIFECYCLE}  # the platform names exactly those roles
    for account, template in placed.accounts.items():
        [role] = placed.of_type(template, "AWS::IAM::Role").values()
        assert role["Properties"]["RoleName"] == "saas-tenant-provisioning"
        [trust] = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        assert trust["Action"] == "sts:AssumeRole" and trust["Effect"] == "Allow"
        assert text(trust["Principal"]["AWS"]) == f"arn:aws:iam::{PLATFORM}:root"
        assert text(trust["Condition"]) == {"ArnEquals": {"aws:PrincipalArn": LIFECYCLE}}, account


def machine_of(key: str) -> str:
    """``WorkflowtenantstackupdateoneRoleDefaultPolicy...`` -> ``tenantstackupdateone``"""
    return key.removeprefix("Workflow").split("Role")[0]


def test_the_lifecycle_roles_may_assume_exactly_the_accounts_provisioning_roles(placed) -> None:
    """Not ``*``, not another role name; and their CloudFormation calls and the delete's purge Scan are
    not granted in the platform account (they are made, and authorized, in the tenant's account as the
    provisioning role)."""
    grants: dict[str, list] = {}
    for key, statement in placed.statements(placed.platform):
        resources = text(as_list(statement["Resource"]))
        if "sts:AssumeRole" in as_list(statement["Action"]) and any("provisioning" in r for r in resources):
            grants[key] = resources
            assert as_list(statement["Action"]) == ["sts:AssumeRole"]
        assert not any(a.startswith("cloudformation:") for a in as_list(statement["Action"])), key
        if "dynamodb:Scan" in as_list(statement["Action"]):  # the rollout scans the tenants table, no one the app's
            assert not [r for r in resources if "AppTable" in str(r)], key
    assert sorted(machine_of(key) for key in grants) == sorted(n.replace("-", "") for n in PLACED)
    assert all(resources == PROVISIONING for resources in grants.values())
    assumed = [r for _, s in placed.statements(placed.platform) if "sts:AssumeRole" in as_list(s["Action"])
               for r in text(as_list(s["Resource"]))]
    assert "*" not in assumed


def test_tenant_task_roles_may_assume_tenant_roles_in_every_account(placed) -> None:
    # the platform's own first (the stack's env names the platform account), then each tenant account's
    tenant_roles = [f"arn:aws:iam::{a}:role/tenant-role/*" for a in (PLATFORM, *ACCOUNTS)]
    callers = {key: text(as_list(s["Resource"])) for key, s in placed.statements(placed.platform)
               if "sts:AssumeRole" in as_list(s["Action"]) and any("tenant-role" in r for r in
                                                                   text(as_list(s["Resource"])))}
    # the resolvers, and the delete (its purge deletes each item as the tenant's role, in the tenant's account)
    assert any("appsyncgetitem" in key for key in callers) and any("tenantstackdelete" in key for key in callers)
    assert not [key for key in callers if machine_of(key) in ("tenantstackcreate", "tenantstackupdate",
                                                              "tenantstackupdateone")]
    assert all(resources == tenant_roles for resources in callers.values()), callers


def test_the_template_bucket_lets_exactly_the_provisioning_roles_read_the_template(placed) -> None:
    [policy] = placed.of_type(placed.platform, "AWS::S3::BucketPolicy").values()
    [read] = [s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert sorted(as_list(read["Action"])) == ["s3:GetObject", "s3:GetObjectVersion"]
    assert text(read["Resource"]).endswith(".Arn>/tenant-stack.json")
    assert text(read["Principal"]["AWS"]) == [f"arn:aws:iam::{a}:root" for a in ACCOUNTS]
    assert text(read["Condition"]) == {"ArnEquals": {"aws:PrincipalArn": PROVISIONING}}


def test_each_tenant_account_has_an_app_table_like_the_platforms(placed) -> None:
    """A cell: the tenant roles of an account resolve ``${AppTable}`` in their own account, so each tenant
    account holds a table of the same name, keys and stream as the platform's; no table admits another
    account (no resource policy)."""
    tables = {k: t["Properties"] for k, t in placed.of_type(placed.platform, "AWS::DynamoDB::Table").items()}
    [platform] = [t for t in tables.values() if "StreamSpecification" in t]
    assert platform["TableName"] == APP_TABLE
    assert not [t for t in tables.values() if "ResourcePolicy" in t]
    for account, template in placed.accounts.items():
        [table] = [t["Properties"] for t in placed.of_type(template, "AWS::DynamoDB::Table").values()]
        assert table == platform, account
        # the machines name it by the same deploy value: ${AppTable} is the table's name
        [machine] = [m["Properties"] for m in placed.of_type(placed.platform, "AWS::StepFunctions::StateMachine")
                     .values() if m["Properties"]["StateMachineName"] == f"{STACK}-tenant-stack-delete"]
        [app_table_key] = [k for k, t in tables.items() if t is platform]
        assert machine["DefinitionSubstitutions"]["AppTable"] == {"Ref": app_table_key}


def test_the_tenant_template_is_the_one_account_template(placed) -> None:
    """A tenant stack in a tenant account names the app table of its own account (``AWS::AccountId``):
    the template the platform uploads is the library's one template, byte for byte."""
    from workflows.patterns.tenant_stacks import tenant_template

    [template] = (placed.outdir / "assembly-SaasWorkflows-Templates-TenantTemplate").glob("*.template.json")
    document = json.loads(template.read_text(encoding="utf-8"))
    assert document == json.loads(tenant_template())
    [statement] = document["Resources"]["TenantRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert text(statement["Resource"]) == "arn:aws:dynamodb:<AWS::Region>:<AWS::AccountId>:table/<AppTableName>"


def test_tenant_roles_are_provisioned_only_with_the_accounts_boundary(placed) -> None:
    for account, template in placed.accounts.items():
        [boundary] = placed.of_type(template, "AWS::IAM::ManagedPolicy").values()
        assert boundary["Properties"]["ManagedPolicyName"] == "saas-tenant-boundary"
        document = boundary["Properties"]["PolicyDocument"]
        [table_key] = placed.of_type(template, "AWS::DynamoDB::Table")
        own_table = {"Fn::GetAtt": [table_key, "Arn"]}  # this account's app table, not the platform's
        assert document == {**boundary_document(own_table), "Version": "2012-10-17"}
        statements = [s for _, s in placed.statements(template)]
        tenant_roles = f"arn:aws:iam::{account}:role/tenant-role/*"
        [bounded] = [s for s in statements if as_list(s["Action"]) == list(BOUNDED_PROVISIONING)]
        assert text(bounded["Resource"]) == tenant_roles
        assert text(bounded["Condition"]) == {"StringEquals": {
            "iam:PermissionsBoundary": f"arn:aws:iam::{account}:policy/saas-tenant-boundary"}}
        [rest] = [s for s in statements if as_list(s["Action"]) == list(ROLE_PROVISIONING)]
        assert text(rest["Resource"]) == tenant_roles and "Condition" not in rest
        [stacks] = [s for s in statements if as_list(s["Action"])[0].startswith("cloudformation:")]
        assert stacks["Action"] == ["cloudformation:CreateStack", "cloudformation:DeleteStack",
                                    "cloudformation:DescribeStacks", "cloudformation:UpdateStack"]
        assert text(stacks["Resource"]) == f"arn:aws:cloudformation:<AWS::Region>:{account}:stack/tenant-*/*"
        # the delete's purge scans this account's app table for the tenant's keys (deletes: as the tenant)
        [scan] = [s for s in statements if as_list(s["Action"])[0].startswith("dynamodb:")]
        assert scan["Action"] == "dynamodb:Scan" and scan["Resource"] == own_table
        [read] = [s for s in statements if as_list(s["Action"])[0].startswith("s3:")]
        assert text(read["Condition"]) == {"StringEquals": {"s3:ResourceAccount": PLATFORM}}
        assert len(statements) == 5


def test_the_provisioning_role_does_what_the_local_tenant_accounts_let_it(placed) -> None:
    """The CDK derives the provisioning role's CloudFormation and DynamoDB actions from the placed machines'
    tasks; the local engine's tenant accounts (tests/patterns/tenant_stacks_fakes.py, which run those
    machines end to end) grant them by hand: both name the same actions, the Scan on the account's app table."""
    from tests.patterns.tenant_stacks_fakes import provisioning_policy

    def actions(statements: list[dict], prefixes: tuple[str, ...]) -> set[str]:
        return {a for s in statements for a in as_list(s["Action"]) if a.startswith(prefixes)}

    local = provisioning_policy(ACCOUNTS[0], "us-east-1")["Statement"]
    deployed = [s for _, s in placed.statements(placed.accounts[ACCOUNTS[0]])]
    assert actions(deployed, ("cloudformation:", "dynamodb:")) == actions(local, ("cloudformation:", "dynamodb:"))
    [local_scan] = [s for s in local if s["Action"] == "dynamodb:Scan"]
    assert local_scan["Resource"].endswith(":111111111111:table/app-table")  # that account's, not the platform's


def test_placed_machines_get_the_three_substitutions_and_their_asl_unchanged(placed) -> None:
    machines = {m["Properties"]["StateMachineName"]: m["Properties"]
                for m in placed.of_type(placed.platform, "AWS::StepFunctions::StateMachine").values()}
    create, delete = machines[f"{STACK}-tenant-stack-create"], machines[f"{STACK}-tenant-stack-delete"]
    assert {k: create["DefinitionSubstitutions"][k] for k in ("TenantAccounts", "ProvisioningRoleName",
                                                                "TenantBoundaryName")} == {
        "TenantAccounts": ",".join(ACCOUNTS), "ProvisioningRoleName": "saas-tenant-provisioning",
        "TenantBoundaryName": "saas-tenant-boundary"}
    # delete acts only in the account a row names: no ${TenantAccounts}
    assert set(delete["DefinitionSubstitutions"]) == {"TenantsTable", "AppTable", "ProvisioningRoleName",
                                                      "TenantBoundaryName"}
    for name, props in ((n, machines[f"{STACK}-{n}"]) for n in PLACED):
        assert props["DefinitionString"] == (placed.asl_dir / f"{name}.asl.json").read_text(encoding="utf-8")
    # machines that do not place tenant stacks get none of them
    assert not any({"TenantAccounts", "ProvisioningRoleName"} & set(p.get("DefinitionSubstitutions", {}))
                   for n, p in machines.items() if "tenant-stack" not in n)


def test_cfn_lint_finds_no_errors_in_the_accounts_stacks(placed) -> None:
    templates = [placed.outdir / f"{STACK}-Tenants-{a}.template.json" for a in ACCOUNTS]
    errors = cfn_lint.errors(cfn_lint.lint_paths([placed.outdir / f"{STACK}.template.json", *templates]))
    assert errors == {}, cfn_lint.report(errors)


def test_cdk_nag_judged_every_stack(placed) -> None:
    report = json.loads((placed.outdir / "validation-report.json").read_text(encoding="utf-8"))
    [nag] = [p for p in report["pluginReports"] if p["pluginName"] == "AwsSolutions"]
    assert nag["conclusion"] == "success" and nag["violations"] == []


def context(values: dict) -> SimpleNamespace:
    """A stand-in scope whose CDK context is ``values`` (``from_context`` reads ``node.try_get_context``)."""
    return SimpleNamespace(node=SimpleNamespace(try_get_context=values.get))


@pytest.mark.parametrize("values, message", [
    ({"saas:tenantAccounts": ["1111"]}, r"'1111' are not 12 digits"),
    ({"saas:tenantAccounts": "111111111111,abc"}, r"'abc' are not 12 digits"),
    ({"saas:tenantAccounts": ["111111111111", "111111111111"]}, r"111111111111 more than once"),
    ({"saas:tenantAccounts": {"a": 1}}, r"must be a list"),
    ({"saas:tenantAccounts": ACCOUNTS, "saas:provisioningRoleName": "no spaces"}, r"not an IAM role name"),
    ({"saas:tenantAccounts": ACCOUNTS, "saas:tenantBoundaryName": "a/b"}, r"not an IAM policy name"),
    ({"saas:tenantAccounts": ACCOUNTS, "saas:appTableName": "a b"}, r"saas:appTableName='a b' is not a DynamoDB"),
    ({"saas:tenantAccounts": [*ACCOUNTS, PLATFORM]}, r"names the platform account 999999999999"),
])
def test_bad_context_is_one_named_error(values: dict, message: str) -> None:
    with pytest.raises(TenantAccountsError, match=message):
        TenantAccounts.from_context(context({"saas:platformAccount": PLATFORM, **values}))


def test_tenant_accounts_need_the_platform_account() -> None:
    with pytest.raises(TenantAccountsError, match="saas:platformAccount"):
        TenantAccounts.from_context(context({"saas:tenantAccounts": ACCOUNTS}))


def test_the_app_refuses_bad_context_before_building(tmp_path) -> None:
    from infra.app import build_app

    with pytest.raises(TenantAccountsError, match="not 12 digits"):
        build_app(str(tmp_path), context={"saas:tenantAccounts": "12-34", "saas:platformAccount": PLATFORM})


def test_the_app_table_name_is_the_context_s_or_derived_from_the_stack() -> None:
    accounts = TenantAccounts.from_context(context({**CONTEXT, "saas:appTableName": "tenant-data"}))
    assert accounts is not None and accounts.table_name("Anything") == "tenant-data"
    assert TenantAccounts(platform=PLATFORM, accounts=tuple(ACCOUNTS)).table_name("Saas") == "Saas-app-table"
    with pytest.raises(TenantAccountsError, match=r"set saas:appTableName"):
        TenantAccounts(platform=PLATFORM, accounts=tuple(ACCOUNTS)).table_name("x" * 254)


def test_no_tenant_accounts_means_one_account() -> None:
    assert TenantAccounts.from_context(context({})) is None
    assert TenantAccounts.from_context(context({"saas:tenantAccounts": ""})) is None
    # `-c saas:tenantAccounts=111111111111,222222222222` gives a string
    parsed = TenantAccounts.from_context(context({**CONTEXT, "saas:tenantAccounts": ",".join(ACCOUNTS)}))
    assert parsed is not None and parsed.accounts == tuple(ACCOUNTS)


def test_without_tenant_accounts_the_example_app_is_unchanged(tmp_path) -> None:
    """No context: the same templates as an app built without the feature's context at all (an empty list
    is "none"), no tenant account stack, and nothing of the feature in the platform template."""
    from infra.app import build_app

    def synth(outdir: Path, extra: dict | None) -> dict[str, str]:
        app, _ = build_app(str(outdir), validation=False, nag=False, context=extra)
        app.synth()
        return {p.relative_to(outdir).as_posix(): p.read_text(encoding="utf-8") for p in outdir.rglob("*.template.json")}

    plain = synth(tmp_path / "plain", None)
    assert sorted(p.split("/")[0] for p in plain) == ["SaasWorkflows.template.json",
                                                      "assembly-SaasWorkflows-Templates-TenantTemplate"]
    assert synth(tmp_path / "empty", {"saas:tenantAccounts": [], "saas:platformAccount": PLATFORM}) == plain
    platform = json.loads(plain["SaasWorkflows.template.json"])
    assert not any("RoleName" in r["Properties"] for r in platform["Resources"].values()
                   if r["Type"] == "AWS::IAM::Role")
    # the app table's name stays CloudFormation's: a fixed name only comes with tenant accounts
    for trace in ("saas-tenant-provisioning", "ProvisioningRolesReadTheTemplate", "TenantAccounts", PLATFORM,
                  APP_TABLE, '"TableName"'):
        assert trace not in plain["SaasWorkflows.template.json"], trace


def test_tenant_accounts_without_placed_machines_are_refused(tmp_path) -> None:
    """The example's lifecycle machines provision in the platform account: naming tenant accounts for them
    would deploy roles nobody assumes."""
    from infra.app import build_app

    with pytest.raises(TenantAccountsError, match="no machine provisions in them"):
        build_app(str(tmp_path), context=CONTEXT)


def test_placed_machines_without_tenant_accounts_are_refused(placed, tmp_path) -> None:
    project_root = placed.asl_dir.parent
    run = synth_app(tmp_path, project_root, {})
    assert run.returncode != 0
    assert f"TenantAccountsError: machine(s) {', '.join(PLACED)} place tenant stacks in other " \
           "accounts but no tenant accounts are named (CDK context saas:tenantAccounts)" in run.stderr
