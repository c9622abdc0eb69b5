"""Unnamed executions get unique UUID names; explicit names are kept and still collide."""

import uuid

import pytest
from botocore.exceptions import ClientError

from workflows.local.engine import LocalEngine

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


def test_unnamed_executions_get_distinct_uuid_names(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("m", PASS)
    sfn = local_engine.client("stepfunctions")
    first = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    second = sfn.start_execution(stateMachineArn=arn)["executionArn"]
    assert first != second
    name = sfn.describe_execution(executionArn=first)["name"]
    assert str(uuid.UUID(name)) == name and first.endswith(":" + name)


def test_explicit_name_is_kept_and_reuse_is_rejected(local_engine: LocalEngine) -> None:
    arn = local_engine.create_state_machine("m", PASS)
    result = local_engine.run("m", {}, name="run-1")
    assert result.execution_arn.endswith(":m:run-1")
    with pytest.raises(ClientError, match="ExecutionAlreadyExists"):
        local_engine.client("stepfunctions").start_execution(stateMachineArn=arn, name="run-1", input='{"other": 1}')
