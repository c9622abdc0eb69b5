"""Test tenants from a tenant template, on moto's CloudFormation and IAM (no engine needed)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from workflows.local.adaptations import install_all
from workflows.patterns.tenant_stacks import tenant_template
from workflows.testing.targets import Target
from workflows.testing.tenants import Tenants, TenantSetupError


@pytest.fixture
def target() -> Iterator[Target]:
    install_all()  # as the engine and the endpoint do (cfn_role_policies: the role's policy is JSON)
    with mock_aws():
        session = boto3.Session(region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        yield Target("endpoint", "us-east-1", "123456789012", session.client, shared=True)


def test_a_shared_targets_tenants_are_suffixed_and_deleted_with_the_module(target: Target) -> None:
    made = Tenants(target, tenant_template(), "orders")
    acme = made.create("acme")
    assert acme.id.startswith("acme-") and len(acme.id) == len("acme-") + 6
    assert acme.stack_name == f"tenant-{acme.id}"
    iam = target.client("iam")
    role = iam.get_role(RoleName=acme.role_arn.rsplit("/", 1)[-1])["Role"]
    policy = json.dumps(iam.get_role_policy(RoleName=role["RoleName"], PolicyName="tenant-items")["PolicyDocument"])
    assert f'"{acme.id}#*"' in policy and "table/orders" in policy  # AppTableName came from the target
    made.delete_all()
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=role["RoleName"])
    assert len(made) == 0


def test_bad_ids_and_templates_are_named(target: Target) -> None:
    with pytest.raises(TenantSetupError, match="tenant id 'a#b'"):
        Tenants(target, tenant_template(), "app-table").create("a#b")
    without_output = json.loads(tenant_template())
    del without_output["Outputs"]
    with pytest.raises(TenantSetupError, match="no TenantRoleArn output"):
        Tenants(target, json.dumps(without_output), "app-table").create("acme")
