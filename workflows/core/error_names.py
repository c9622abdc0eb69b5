"""The error names Step Functions itself reports, and the rules for ErrorEquals in Retry and Catch.

Why a vocabulary: an error name is a free string, so ``States.Timeuot`` in a Catch is accepted by
every tool and matches nothing, and a ``States.ALL`` that is not alone and last is refused only when
AWS creates the machine. Source: AWS Step Functions Developer Guide, "Handling errors in Step
Functions workflows" (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):

- names beginning with ``States.`` are reserved for the ones listed there (below);
- ``States.ALL`` "must appear alone in the ErrorEquals array and must appear in the last retrier in the
  Retry array" (the same for the last catcher in Catch);
- ``States.Runtime``: "A States.Runtime error isn't retriable, and will always cause the execution to
  fail. A retry or catch on States.ALL won't catch States.Runtime errors." Naming it in a Retry or
  Catch handles nothing, so it is refused (``States.DataLimitExceeded``, which only ``States.ALL``
  cannot catch, may be named).

Error names of service integrations (``DynamoDB.ConditionalCheckFailedException``) are not judged:
an optimized integration reports errors its service model does not list (``AccessDeniedException``).
"""

from __future__ import annotations

import difflib
from typing import Any, Sequence

__all__ = ["ALL", "STATES_ERRORS", "UNCATCHABLE", "error_equals_problems", "order_problem"]

ALL = "States.ALL"
STATES_ERRORS = frozenset({
    ALL, "States.BranchFailed", "States.DataLimitExceeded", "States.ExceedToleratedFailureThreshold",
    "States.HeartbeatTimeout", "States.Http.Socket", "States.IntrinsicFailure", "States.ItemReaderFailed",
    "States.NoChoiceMatched", "States.ParameterPathFailure", "States.Permissions", "States.QueryEvaluationError",
    "States.ResultPathMatchFailure", "States.ResultWriterFailed", "States.Runtime", "States.TaskFailed",
    "States.Timeout",
})
UNCATCHABLE = frozenset({"States.Runtime"})


def error_equals_problems(errors: Any, where: str) -> list[tuple[str, str]]:
    """(rule, message) for every way one ErrorEquals list breaks the rules; ``where`` prefixes messages."""
    if not isinstance(errors, (list, tuple)) or not errors or not all(isinstance(e, str) for e in errors):
        return [("error-equals", f"{where} must be a non-empty list of error names")]
    out: list[tuple[str, str]] = []
    if ALL in errors and len(errors) > 1:
        out.append(("error-equals", f"{where}: {ALL} matches every error, so it must appear alone "
                                    "(AWS refuses it with others)"))
    for name in errors:
        if name in UNCATCHABLE:
            out.append(("error-name", f"{where}: {name} cannot be caught or retried: AWS always fails the execution "
                                      "with it (check the data before the state instead)"))
        elif name.startswith("States.") and name not in STATES_ERRORS:
            close = difflib.get_close_matches(name, sorted(STATES_ERRORS - UNCATCHABLE), n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; Step Functions reports {', '.join(sorted(STATES_ERRORS))}"
            out.append(("error-name", f"{where}: {name} is not an error Step Functions reports (names starting with "
                                      f"States. are reserved){hint}"))
    return out


def order_problem(lists: Sequence[Any], field: str) -> tuple[str, str] | None:
    """A ``States.ALL`` entry that is not the last of a Retry or Catch array (``field``), as (rule, message)."""
    for i, errors in enumerate(lists[:-1]):
        if isinstance(errors, (list, tuple)) and ALL in errors:
            kind = "retrier" if field == "Retry" else "catcher"
            return ("error-equals", f"{field}[{i}].ErrorEquals: {ALL} matches every error, so its {kind} must be "
                                    f"the last one ({field}[{i + 1}] could never match)")
    return None
