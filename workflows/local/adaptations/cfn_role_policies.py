"""Inline policies of roles made by CloudFormation: stored as JSON, and changed by a stack update.

1. moto 5.2.5's ``Role.create_from_cloudformation_json`` hands the template's ``PolicyDocument``
   dict straight to ``Role.put_policy``, which keeps it as given; GetRolePolicy then returns its
   Python repr (single quotes), which is not JSON. Tenant roles are made by the tenant stack, and the
   Credentials adaptation reads their policies to authorize each task, so the document must be the
   JSON IAM keeps.
2. moto 5.2.5's ``Role.update_from_cloudformation_json`` only calls ``update_role`` (description):
   an UpdateStack whose template changes a role's ``Policies`` leaves the old inline policies in
   place. CloudFormation updates ``Policies`` with no interruption: each policy of the new template is
   put, and the ones the stack made that the new template no longer lists are deleted
   (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html,
   ``Policies``: "Update requires: No interruption"). Policies put on the role outside the stack
   (PutRolePolicy) are not the stack's and stay, as in AWS. ``AssumeRolePolicyDocument`` is updated
   the same way (also "No interruption"). The names the stack made are kept on the role object.
"""

from __future__ import annotations

import json
from typing import Any

from workflows.local.adaptations import _patching

ADAPTATION = "cfn_role_policies"
_MANAGED = "_workflows_stack_policies"  # names of the inline policies the stack put on the role


def _template_policies(cloudformation_json: dict[str, Any]) -> dict[str, Any]:
    return {p["PolicyName"]: p["PolicyDocument"] for p in cloudformation_json.get("Properties", {}).get("Policies") or []}


def _create(original: Any) -> Any:
    def create_from_cloudformation_json(cls: Any, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        role = original.__func__(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        setattr(role, _MANAGED, set(_template_policies(cloudformation_json)))
        return role

    return classmethod(_patching.mark(create_from_cloudformation_json, ADAPTATION, original))


def _update(original: Any) -> Any:
    def update_from_cloudformation_json(cls: Any, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str, region_name: str) -> Any:
        role = original.__func__(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name)
        wanted = _template_policies(cloudformation_json)
        for name in sorted(getattr(original_resource, _MANAGED, set()) - set(wanted)):
            if name in role.policies:
                role.delete_policy(name)
        for name, document in wanted.items():
            role.put_policy(name, document)
        setattr(role, _MANAGED, set(wanted))
        trust = cloudformation_json.get("Properties", {}).get("AssumeRolePolicyDocument")
        if trust is not None:
            role.assume_role_policy_document = trust if isinstance(trust, str) else json.dumps(trust)
        return role

    return classmethod(_patching.mark(update_from_cloudformation_json, ADAPTATION, original))


def install() -> None:
    models = _patching.import_module(ADAPTATION, "moto.iam.models")
    role_cls = _patching.require_attr(ADAPTATION, models, "Role")
    original = _patching.require_attr(ADAPTATION, role_cls, "put_policy")
    _patching.require_attr(ADAPTATION, role_cls, "delete_policy")
    if not _patching.is_patched(original, ADAPTATION):
        _patching.require_params(ADAPTATION, original, ("policy_name", "policy_json"))

        def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
            if not isinstance(policy_json, str):
                policy_json = json.dumps(policy_json)
            original(self, policy_name, policy_json)

        role_cls.put_policy = _patching.mark(put_policy, ADAPTATION, original)
    create = _patching.require_attr(ADAPTATION, role_cls, "create_from_cloudformation_json")
    if not _patching.is_patched(create, ADAPTATION):
        _patching.require_params(ADAPTATION, create, ("resource_name", "cloudformation_json", "account_id", "region_name"))
        role_cls.create_from_cloudformation_json = _create(create)
    update = _patching.require_attr(ADAPTATION, role_cls, "update_from_cloudformation_json")
    if not _patching.is_patched(update, ADAPTATION):
        _patching.require_params(ADAPTATION, update, (
            "original_resource", "new_resource_name", "cloudformation_json", "account_id", "region_name"))
        role_cls.update_from_cloudformation_json = _update(update)
