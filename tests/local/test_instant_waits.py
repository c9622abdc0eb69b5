"""Wait states and Retry intervals are instantaneous by default but still recorded."""

import time

from workflows.local.engine import LocalEngine

LOOP = {
    "StartAt": "Init",
    "States": {
        "Init": {"Type": "Pass", "Result": {"n": 0}, "Next": "Wait"},
        "Wait": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Count"},
        "Count": {"Type": "Pass", "Parameters": {"n.$": "States.MathAdd($.n, 1)", "delay": 60}, "Next": "Done?"},
        "Done?": {"Type": "Choice", "Choices": [{"Variable": "$.n", "NumericGreaterThanEquals": 4, "Next": "End"}], "Default": "Wait"},
        "End": {"Type": "Succeed"},
    },
}
LOOP["States"]["Init"]["Result"] = {"n": 0, "delay": 5}


def test_wait_loop_finishes_fast_and_records_waits(local_engine: LocalEngine) -> None:
    local_engine.create_state_machine("loop", LOOP)
    started = time.monotonic()
    result = local_engine.run("loop")
    elapsed = time.monotonic() - started
    assert result.ok(), result.cause
    assert result.waits == (("Wait", 5.0), ("Wait", 60.0), ("Wait", 60.0), ("Wait", 60.0))
    assert result.waited_seconds == 185
    assert elapsed < 185  # generous: the point is that nothing slept for minutes
    assert [s.name for s in result.states].count("Wait") == 4


def test_retry_intervals_are_recorded_with_backoff(local_engine: LocalEngine) -> None:
    machine = {
        "StartAt": "Get",
        "States": {
            "Get": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                "Parameters": {"Bucket": "absent", "Key": "k"},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 3, "BackoffRate": 2}],
                "End": True,
            }
        },
    }
    local_engine.create_state_machine("retry", machine)
    result = local_engine.run("retry")
    assert result.status == "FAILED"
    assert result.waits == (("Retry", 3.0), ("Retry", 6.0), ("Retry", 12.0))


def test_real_waits_when_disabled() -> None:
    machine = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": True}}}
    with LocalEngine(instant_waits=False) as engine:
        engine.create_state_machine("w", machine)
        started = time.monotonic()
        result = engine.run("w")
        assert time.monotonic() - started >= 0.9
        assert result.waits == (("Wait", 1.0),)
