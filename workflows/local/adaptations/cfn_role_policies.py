"""Inline policies of roles made by CloudFormation are stored as JSON, as IAM stores them.

moto 5.2.5's ``Role.create_from_cloudformation_json`` hands the template's ``PolicyDocument`` dict
straight to ``Role.put_policy``, which keeps it as given; GetRolePolicy then returns its Python repr
(single quotes), which is not JSON. Tenant roles are made by the tenant stack, and the Credentials
adaptation reads their policies to authorize each task, so the document must be the JSON IAM keeps.
"""

from __future__ import annotations

import json
from typing import Any

from workflows.local.adaptations import _patching

ADAPTATION = "cfn_role_policies"


def install() -> None:
    models = _patching.import_module(ADAPTATION, "moto.iam.models")
    role_cls = _patching.require_attr(ADAPTATION, models, "Role")
    original = _patching.require_attr(ADAPTATION, role_cls, "put_policy")
    if _patching.is_patched(original, ADAPTATION):
        return
    _patching.require_params(ADAPTATION, original, ("policy_name", "policy_json"))

    def put_policy(self: Any, policy_name: str, policy_json: Any) -> None:
        if not isinstance(policy_json, str):
            policy_json = json.dumps(policy_json)
        original(self, policy_name, policy_json)

    role_cls.put_policy = _patching.mark(put_policy, ADAPTATION, original)
