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
