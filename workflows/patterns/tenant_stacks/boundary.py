"""The tenant roles' permissions boundary: DynamoDB item actions on the app table, the role's own keys only.

Why a boundary on top of the role's own policy: the role's policy is written by the tenant template, and
whoever can change the template object could grant a tenant role anything. A boundary is a managed policy
the platform stack owns; a role's effective permissions are what both its policies and its boundary allow
(https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html), and the lifecycle
machines may create or change tenant roles only with this boundary (``iam:PermissionsBoundary``).

Why the role's ``TenantId`` tag (``${aws:PrincipalTag/TenantId}``): one boundary serves every tenant, so it
names "the role's own keys" by a policy variable, as the role's own policy names them by the TenantId
parameter. A role without the tag matches no key: the condition's variable does not resolve.

A plain function (no CDK): the platform stack renders it with the table's ARN, the local fixtures put the
same document in moto's IAM.
"""

from __future__ import annotations

from typing import Any

#: every DynamoDB action a tenant's role may take on the app table (the tenant template grants these too)
TENANT_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                  "dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem",
                  "dynamodb:ConditionCheckItem")
#: the tag the tenant template puts on each tenant role, and the boundary reads
TENANT_TAG = "TenantId"
BOUNDARY_SID = "OwnItemsOnly"


def own_keys(tenant: str) -> list[str]:
    """Partition keys of one tenant: the id itself and ``<id>#...`` (``#`` separates key parts)."""
    return [tenant, f"{tenant}#*"]


def boundary_document(table_arn: str) -> dict[str, Any]:
    """The boundary's policy document for the app table ``table_arn``."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": BOUNDARY_SID,
        "Effect": "Allow",
        "Action": list(TENANT_ACTIONS),
        "Resource": table_arn,
        "Condition": {"ForAllValues:StringLike": {
            "dynamodb:LeadingKeys": own_keys("${aws:PrincipalTag/" + TENANT_TAG + "}")}},
    }]}
