"""CloudFormation call building blocks shared by the tenant stack machines.

Why a module of its own: every tenant stack flow describes a stack, waits with a growing delay while
it is busy, and must survive CloudFormation throttling. Step Functions names every unmodelled
CloudFormation error (throttling *and* ValidationError such as "No updates are to be performed" or
"Stack ... does not exist") ``CloudFormation.CloudFormationException``, and a Retry cannot look at the
cause. A plain Retry on that name is right only where no ValidationError is expected; where one is,
``classified`` turns throttling into ``CloudFormation.Throttling`` (retried with jitter) and every
other error into data the caller's Choice can read.
"""

from __future__ import annotations

from typing import Any, Sequence

from workflows.core import Chain, Choice, Fail, Parallel, Pass, Retry, State, Task, Var, Wait

CFN_ERROR = "CloudFormation.CloudFormationException"
THROTTLED = "CloudFormation.Throttling"
# CloudFormation's throttling answers: code Throttling, message "Rate exceeded".
_THROTTLE_PATTERNS = ("*Rate exceeded*", "*Throttling*", "*ThrottlingException*")

BUSY = "*_IN_PROGRESS"
# CloudFormation's ValidationError text for a stack name it does not know ("Stack with id X does not exist")
DOES_NOT_EXIST = "*does not exist*"
FIRST_DELAY_SECONDS = 5
MAX_DELAY_SECONDS = 60


def throttle_retry(errors: tuple[str, ...] = (CFN_ERROR,)) -> Retry:
    """Backoff with full jitter: many tenants' executions then spread out instead of retrying together."""
    return Retry(errors, interval_seconds=2, max_attempts=6, backoff_rate=2.0, max_delay_seconds=30,
                 jitter_strategy="FULL")


def sdk_call(task: Task) -> Task:
    """A CloudFormation call where any CloudFormationException can only be throttling."""
    return task.add_retry(throttle_retry())


def classified(task: Task, name: str, *, result_path: str, errors: Sequence[str] = (CFN_ERROR,)) -> Parallel:
    """Run ``task`` (whose ResultSelector gives ``{"value": ...}``); throttling is retried, any other
    error named in ``errors`` lands at ``<result_path>.value.error``/``.cause``, a result at
    ``<result_path>.value``.

    ``errors=("States.ALL",)`` is for calls where every non-throttling error must become data the
    machine records (CreateStack: a modelled error such as LimitExceeded must not escape unrecorded).
    """
    is_throttled = Var("$.Cause").matches(_THROTTLE_PATTERNS[0])
    for pattern in _THROTTLE_PATTERNS[1:]:
        is_throttled = is_throttled | Var("$.Cause").matches(pattern)
    rethrow = Fail(f"{name}Throttled", error=THROTTLED, cause="CloudFormation throttled the call")
    as_data = Pass(f"{name}Rejected", parameters={"value": {"error.$": "$.Error", "cause.$": "$.Cause"}})
    triage = Choice(f"{name}Triage").when(is_throttled, rethrow).otherwise(as_data)
    branch = task.add_catch(list(errors), triage)
    return Parallel(name, branches=[branch], result_selector={"value.$": "$[0].value"},
                    result_path=result_path, retry=[throttle_retry((THROTTLED,))])


def initial_poll() -> dict[str, Any]:
    """The polling delay an execution starts with (kept at ``$.poll``)."""
    return {"seconds": FIRST_DELAY_SECONDS}


def backoff(prefix: str, then: State | Chain, *, cap: int = MAX_DELAY_SECONDS) -> Chain:
    """Wait ``$.poll.seconds``, double it (capped at ``cap``), continue with ``then``.

    The delay is computed in the machine (States.MathAdd doubles it) so a long-running stack costs
    few polls while a quick one is seen almost at once.
    """
    wait = Wait(f"{prefix}Wait", seconds_path="$.poll.seconds")
    grow = Pass(f"{prefix}GrowDelay", parameters={"seconds.$": "States.MathAdd($.poll.seconds, $.poll.seconds)"},
                result_path="$.poll")
    capped = Pass(f"{prefix}CapDelay", result={"seconds": cap}, result_path="$.poll")
    over = Choice(f"{prefix}DelayOverCap").when(Var("$.poll.seconds") > cap, capped >> then).otherwise(then)
    return wait >> grow >> over


def describe(name: str, stack_name_path: str, *, result_path: str = "$.stack") -> Task:
    """DescribeStacks keeping ``Stacks[0]`` whole: StackStatusReason/Outputs are absent on some states,
    and a ``.$`` path to an absent field fails the state."""
    return sdk_call(Task.sdk("cloudformation", "describeStacks", name,
                             parameters={"StackName.$": stack_name_path},
                             result_selector={"value.$": "$.Stacks[0]"}, result_path=result_path))


def failure_record(prefix: str, then: State | Chain, stack_path: str = "$.stack.value", *,
                   result_path: str = "$.failure") -> Chain:
    """Build ``{status, reason}`` at ``result_path`` from the described stack, using
    StackStatusReason when present (a Choice, because an absent field fails a ``.$`` path)."""
    with_reason = Pass(f"{prefix}WithReason", parameters={"status.$": f"{stack_path}.StackStatus",
                                                          "reason.$": f"{stack_path}.StackStatusReason"},
                       result_path=result_path)
    without = Pass(f"{prefix}WithoutReason", parameters={"status.$": f"{stack_path}.StackStatus",
                                                         "reason": "CloudFormation gave no status reason"},
                   result_path=result_path)
    has_reason = (Choice(f"{prefix}HasReason")
                  .when(Var(f"{stack_path}.StackStatusReason").is_present(), with_reason >> then)
                  .otherwise(without >> then))
    return Chain.coerce(has_reason)


__all__ = ["BUSY", "CFN_ERROR", "DOES_NOT_EXIST", "THROTTLED", "backoff", "classified", "describe", "failure_record",
           "initial_poll", "sdk_call", "throttle_retry"]
