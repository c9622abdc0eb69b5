"""CloudFormation call building blocks shared by the tenant stack machines.

Why a module of its own: every tenant stack flow describes a stack, waits with a growing delay while
it is busy, and must survive CloudFormation throttling. Step Functions names every unmodelled
CloudFormation error (throttling *and* ValidationError such as "No updates are to be performed" or
"Stack ... does not exist") ``CloudFormation.CloudFormationException``, and a Retry cannot look at the
cause. A plain Retry on that name is right only where no ValidationError is expected; where one is,
``classified`` turns throttling into ``CloudFormation.Throttling`` (retried with jitter) and every
other error into data the caller's Choice can read.

Why every wait loop has a deadline: a stack can stay ``*_IN_PROGRESS`` for good (REVIEW_IN_PROGRESS
never ends by itself), and a loop without an end polls until the execution's one-year limit -- or, as
a Distributed Map child, until it takes the whole run with it. ``backoff`` therefore counts the
seconds waited (``$.poll.waited``) and leaves through the caller's ``expired`` branch once
``deadline`` seconds are spent; the caller records the tenant as failed with the status it last saw.
A deadline in waited seconds (not a wall-clock timestamp) is deterministic and needs no timestamp
arithmetic, which JSONPath intrinsics do not have.
"""

from __future__ import annotations

from typing import Any, Sequence

from workflows.core import JSONATA, Chain, Choice, Fail, Parallel, Pass, Retry, State, Task, Var, Wait

CFN_ERROR = "CloudFormation.CloudFormationException"
THROTTLED = "CloudFormation.Throttling"
# CloudFormation's throttling answers: code Throttling, message "Rate exceeded".
_THROTTLE_PATTERNS = ("*Rate exceeded*", "*Throttling*", "*ThrottlingException*")

BUSY = "*_IN_PROGRESS"
# CloudFormation's ValidationError text for a stack name it does not know ("Stack with id X does not exist")
DOES_NOT_EXIST = "*does not exist*"
FIRST_DELAY_SECONDS = 5
MAX_DELAY_SECONDS = 60
# One hour of waiting: a tenant stack (one IAM role) takes a minute or two; an hour covers a slow
# rollback or a concurrent updater, and ends a stack that will never leave *_IN_PROGRESS.
DEADLINE_SECONDS = 3600


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


def patient(task: Task, name: str, *, result_path: str) -> Parallel:
    """``classified``, where throttling that outlasts every retry is data too
    (``value.error`` = ``CloudFormation.Throttling``): a status check inside a wait loop then waits and
    asks again (bounded by the loop's deadline) instead of reporting a healthy stack failed."""
    inner = classified(task, f"{name}Call", result_path="$")
    gave_up = Pass(f"{name}GaveUp", parameters={"value": {"error": THROTTLED,
                                                          "cause": "CloudFormation throttled every retry"}})
    return Parallel(name, branches=[inner.add_catch([THROTTLED], gave_up)], result_selector={"value.$": "$[0].value"},
                    result_path=result_path)


def initial_poll() -> dict[str, Any]:
    """The polling state an execution starts with (kept at ``$.poll``): the next delay and the
    seconds waited so far."""
    return {"seconds": FIRST_DELAY_SECONDS, "waited": 0}


def backoff(prefix: str, then: State | Chain, *, expired: State | Chain, cap: int = MAX_DELAY_SECONDS,
            deadline: int = DEADLINE_SECONDS) -> Chain:
    """Unless ``deadline`` seconds were already waited (then ``expired``): wait ``$.poll.seconds``,
    add it to ``$.poll.waited``, double it (capped at ``cap``), continue with ``then``.

    The delay is computed in the machine (States.MathAdd doubles it) so a long-running stack costs
    few polls while a quick one is seen almost at once.
    """
    wait = Wait(f"{prefix}Wait", seconds_path="$.poll.seconds")
    grow = Pass(f"{prefix}GrowDelay", parameters={"seconds.$": "States.MathAdd($.poll.seconds, $.poll.seconds)",
                                                  "waited.$": "States.MathAdd($.poll.waited, $.poll.seconds)"},
                result_path="$.poll")
    capped = Pass(f"{prefix}CapDelay", parameters={"seconds": cap, "waited.$": "$.poll.waited"},
                  result_path="$.poll")
    over = Choice(f"{prefix}DelayOverCap").when(Var("$.poll.seconds") > cap, capped >> then).otherwise(then)
    due = (Choice(f"{prefix}DeadlinePassed").when(Var("$.poll.waited") >= deadline, expired)
           .otherwise(wait >> grow >> over))
    return Chain.coerce(due)


def timed_out(name: str, stack: str = "stack") -> Pass:
    """``$.failure`` = the status last seen at ``$.<stack>.value`` (or UNKNOWN) and how long was
    waited: the record a wait loop leaves when its deadline passes (JSONata: the status may be absent)."""
    seen = f"$states.input.{stack}.value.StackStatus"
    return Pass(name, query_language=JSONATA, output=(
        "{% $merge([$states.input, {'failure': {"
        f"'status': $type({seen}) = 'string' ? {seen} : 'UNKNOWN', "
        f"'reason': 'still ' & ($type({seen}) = 'string' ? {seen} : 'not described') & ' after waiting ' & "
        "$string($states.input.poll.waited) & ' s (the deadline)'}}]) %}"))


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


__all__ = ["BUSY", "CFN_ERROR", "DEADLINE_SECONDS", "DOES_NOT_EXIST", "THROTTLED", "backoff", "classified", "describe", "failure_record",
           "initial_poll", "patient", "sdk_call", "throttle_retry", "timed_out"]
