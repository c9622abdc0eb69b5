"""A role made by CloudFormation has JSON inline policies (adaptation cfn_role_policies)."""

from __future__ import annotations

import json

import pytest
from moto.iam.models import Role

from workflows.local.adaptations import cfn_role_policies
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError

TEMPLATE = {"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
    "RoleName": "made-by-stack", "Path": "/tenant-role/",
    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]},
    "Policies": [{"PolicyName": "items", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}}]}}}}


def test_inline_policy_of_a_stack_role_is_json() -> None:
    with LocalEngine() as engine:
        engine.client("cloudformation").create_stack(StackName="s", TemplateBody=json.dumps(TEMPLATE))
        raw = engine.client("iam").get_role_policy(RoleName="made-by-stack", PolicyName="items")["PolicyDocument"]
        assert isinstance(raw, dict) and raw["Statement"][0]["Action"] == "dynamodb:GetItem"


def test_install_names_itself_when_moto_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(Role, "put_policy")
    with pytest.raises(EngineAdaptationError, match="cfn_role_policies"):
        cfn_role_policies.install()


def _role_stack_template(policies: dict[str, str], trust_principal: str = "arn:aws:iam::123456789012:root") -> str:
    template = json.loads(json.dumps(TEMPLATE))
    props = template["Resources"]["R"]["Properties"]
    props["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["AWS"] = trust_principal
    props["Policies"] = [{"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": action, "Resource": "*"}]}} for name, action in policies.items()]
    return json.dumps(template)


def _policies(engine: LocalEngine) -> dict[str, str]:
    iam = engine.client("iam")
    names = iam.list_role_policies(RoleName="made-by-stack")["PolicyNames"]
    return {n: iam.get_role_policy(RoleName="made-by-stack", PolicyName=n)["PolicyDocument"]["Statement"][0]["Action"]
            for n in names}


def test_stack_update_changes_adds_and_removes_the_roles_inline_policies() -> None:
    """AWS::IAM::Role ``Policies`` update with no interruption: the role ends with the new template's
    policies; the ones the stack made and no longer lists are deleted; one put outside the stack stays
    (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html)."""
    with LocalEngine() as engine:
        cfn = engine.client("cloudformation")
        cfn.create_stack(StackName="s", TemplateBody=_role_stack_template(
            {"items": "dynamodb:GetItem", "old": "s3:GetObject"}))
        engine.client("iam").put_role_policy(RoleName="made-by-stack", PolicyName="by-hand", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}))
        cfn.update_stack(StackName="s", TemplateBody=_role_stack_template(
            {"items": "dynamodb:PutItem", "new": "sns:Publish"}, trust_principal="arn:aws:iam::123456789012:role/other"))
        assert _policies(engine) == {"items": "dynamodb:PutItem", "new": "sns:Publish", "by-hand": "sqs:SendMessage"}
        trust = engine.client("iam").get_role(RoleName="made-by-stack")["Role"]["AssumeRolePolicyDocument"]
        assert trust["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::123456789012:role/other"
        cfn.update_stack(StackName="s", TemplateBody=_role_stack_template({}))
        assert _policies(engine) == {"by-hand": "sqs:SendMessage"}


def test_moto_still_keeps_old_policies_on_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pin: moto's own update leaves the old policy (the reason for this adaptation). When moto
    applies ``Policies`` on update itself, this fails: drop part 2 of the adaptation."""
    with LocalEngine() as engine:  # installs the adaptations; then moto's own update is put back
        patched = Role.__dict__["update_from_cloudformation_json"]
        monkeypatch.setattr(Role, "update_from_cloudformation_json", classmethod(patched.__func__.__wrapped__.__func__))
        cfn = engine.client("cloudformation")
        cfn.create_stack(StackName="s", TemplateBody=_role_stack_template({"items": "dynamodb:GetItem"}))
        cfn.update_stack(StackName="s", TemplateBody=_role_stack_template({"other": "sns:Publish"}))
        assert _policies(engine) == {"items": "dynamodb:GetItem"}


@pytest.mark.parametrize("method", ["create_from_cloudformation_json", "update_from_cloudformation_json"])
def test_install_names_itself_when_moto_changes_the_cloudformation_hooks(monkeypatch: pytest.MonkeyPatch,
                                                                       method: str) -> None:
    monkeypatch.setattr(Role, method, classmethod(lambda cls, other: None))
    with pytest.raises(EngineAdaptationError, match="cfn_role_policies"):
        cfn_role_policies.install()
