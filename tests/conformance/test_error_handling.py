"""Errors, Retry and timeouts (ASL spec "Errors", "Retrying after error", "Timeouts").

https://states-language.net/spec.html#errors and
https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html

Waits are instant in the engine; these tests pin that they still take (virtual) time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.conformance._run import execute
from workflows.local.engine import LocalEngine


def _time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def _wait_loop(rounds: int, seconds: int, timeout: int) -> dict[str, Any]:
    return {
        "TimeoutSeconds": timeout,
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": {"n": 0}, "Next": "Wait"},
            "Wait": {"Type": "Wait", "Seconds": seconds, "Next": "Count"},
            "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)"}, "Next": "Done?"},
            "Done?": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": rounds, "Next": "Done"}],
                "Default": "Wait",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def test_machine_timeout_fires_during_a_long_wait(local_engine: LocalEngine) -> None:
    """A machine's ``TimeoutSeconds`` bounds the whole execution; a Wait longer than it ends the
    execution TIMED_OUT with an ExecutionTimedOut event.
    https://states-language.net/spec.html#toplevelfields ("TimeoutSeconds")
    https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
    """
    definition = {"TimeoutSeconds": 5, "StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 10, "End": True}}}
    result = execute(local_engine, definition)
    assert result.status == "TIMED_OUT"
    assert result.history[-1]["type"] == "ExecutionTimedOut"


@pytest.mark.parametrize("rounds,status", [(3, "SUCCEEDED"), (4, "TIMED_OUT")])
def test_machine_timeout_counts_every_wait_of_a_loop(local_engine: LocalEngine, rounds: int, status: str) -> None:
    """Waits add up: 3 x 30 s fit in ``TimeoutSeconds: 100``, 4 x 30 s do not.
    https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html
    """
    result = execute(local_engine, _wait_loop(rounds, 30, timeout=100))
    assert result.status == status


def test_retry_intervals_count_against_the_machine_timeout(local_engine: LocalEngine) -> None:
    """Retry intervals (IntervalSeconds x BackoffRate^n) are time the execution spends: 20 + 40 s
    of retries exceed ``TimeoutSeconds: 50``.
    https://states-language.net/spec.html#retrying-after-error
    """
    definition = {
        "TimeoutSeconds": 50,
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "absent-bucket", "Key": "k"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 20, "MaxAttempts": 3, "BackoffRate": 2}],
                "End": True,
            }
        },
    }
    result = execute(local_engine, definition)
    assert result.status == "TIMED_OUT"


def test_entered_time_moves_with_waits(local_engine: LocalEngine) -> None:
    """``$$.State.EnteredTime`` of the state after ``Wait 3600`` is an hour after the start.
    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
    """
    definition = {
        "StartAt": "W",
        "States": {
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "P"},
            "P": {"Type": "Pass", "Parameters": {"start.$": "$$.Execution.StartTime", "entered.$": "$$.State.EnteredTime"}, "End": True},
        },
    }
    result = execute(local_engine, definition)
    assert result.ok(), result.cause
    elapsed = (_time(result.output["entered"]) - _time(result.output["start"])).total_seconds()
    assert 3600 <= elapsed < 3660


def test_timestamp_wait_is_measured_on_the_same_clock(local_engine: LocalEngine) -> None:
    """A ``Timestamp`` wait lasts until that time: after waiting 2 h, a timestamp 1 h after the
    start has passed and waits nothing; one 3 h after the start waits about 1 h.
    https://states-language.net/spec.html#wait-state
    """
    definition = {
        "StartAt": "Stamp",
        "States": {
            "Stamp": {"Type": "Pass", "Parameters": {"start.$": "$$.Execution.StartTime"}, "Next": "Two hours"},
            "Two hours": {"Type": "Wait", "Seconds": 7200, "Next": "Until +1h"},
            "Until +1h": {"Type": "Wait", "TimestampPath": "$.plus1", "Next": "Until +3h"},
            "Until +3h": {"Type": "Wait", "TimestampPath": "$.plus3", "End": True},
        },
    }
    start = dt.datetime.now(tz=dt.timezone.utc).replace(microsecond=0)
    stamps = {key: (start + dt.timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ") for key, h in (("plus1", 1), ("plus3", 3))}
    definition["States"]["Stamp"]["Parameters"] = {"plus1": stamps["plus1"], "plus3": stamps["plus3"]}
    result = execute(local_engine, definition)
    assert result.ok(), result.cause
    (_, two_hours), (_, until_1h), (_, until_3h) = result.waits
    assert (two_hours, until_1h) == (7200, 0)
    assert 3590 <= until_3h <= 3600


def test_parallel_branches_wait_side_by_side(local_engine: LocalEngine) -> None:
    """Parallel branches run concurrently: branches waiting 10 s and 20 s take 20 s, not 30 s.
    https://states-language.net/spec.html#parallel-state
    """
    def branch(seconds: int) -> dict[str, Any]:
        return {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}}

    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {"Type": "Parallel", "Branches": [branch(10), branch(20)], "ResultPath": None, "Next": "After"},
            "After": {"Type": "Pass", "Parameters": {"start.$": "$$.Execution.StartTime", "entered.$": "$$.State.EnteredTime"}, "End": True},
        },
    }
    result = execute(local_engine, definition)
    assert result.ok(), result.cause
    elapsed = (_time(result.output["entered"]) - _time(result.output["start"])).total_seconds()
    assert 20 <= elapsed < 30


def test_task_timeout_over_a_waiting_child_execution(local_engine: LocalEngine) -> None:
    """A Task's ``TimeoutSeconds`` bounds one attempt; a ``startExecution.sync`` child that waits
    60 s fails a 10 s task with ``States.Timeout``, which Catch can handle.
    https://states-language.net/spec.html#task-state ("TimeoutSeconds")
    https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html
    """
    child = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    child_arn = local_engine.create_state_machine("conformance-child", child)
    definition = {
        "StartAt": "Run child",
        "States": {
            "Run child": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": child_arn},
                "TimeoutSeconds": 10,
                "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Timed out"}],
                "End": True,
            },
            "Timed out": {"Type": "Pass", "End": True},
        },
    }
    result = execute(local_engine, definition)
    assert result.ok(), result.cause
    assert result.state_names == ("Run child", "Timed out")
    assert result.output["error"]["Error"] == "States.Timeout"


def test_state_output_over_256_kib_is_data_limit_exceeded(local_engine: LocalEngine) -> None:
    """A state's output larger than 256 KiB fails with States.DataLimitExceeded.
    https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (payload size) and
    https://states-language.net/spec.html#appendix-a ("States.DataLimitExceeded")
    """
    definition = {"StartAt": "Big", "States": {"Big": {"Type": "Pass", "Result": {"b": "x" * (256 * 1024)}, "End": True}}}
    result = execute(local_engine, definition)
    assert (result.status, result.error) == ("FAILED", "States.DataLimitExceeded")
