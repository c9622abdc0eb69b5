"""Error names in Retry and Catch follow AWS's rules, at build time and in validation.

AWS Step Functions Developer Guide, "Handling errors in Step Functions workflows"
(https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html):

- ``States.ALL`` "must appear alone in the ErrorEquals array and must appear in the last retrier in the
  Retry array" (and the same for the last catcher in the Catch array);
- ``States.Runtime``: "A States.Runtime error isn't retriable, and will always cause the execution to
  fail. A retry or catch on States.ALL won't catch States.Runtime errors." -- so naming it in a Retry or
  a Catch does nothing; the builders refuse it rather than let a reader believe it is handled;
- names beginning with ``States.`` are reserved: only the documented ones exist.

Issue 14: a Retry or Catch mixing ``States.ALL`` with other errors, or not putting it last, passed the
builders and validation (AWS rejects the definition); ``States.Runtime`` sat in the resolvers' Catch.
"""

from __future__ import annotations

import pytest
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import StatesErrorNameType

from workflows.core import BuildError, Catch, Fail, Pass, Retry, StateMachine, Task, validate_definition
from workflows.core.error_names import STATES_ERRORS, UNCATCHABLE


def task_with(retry: list | None = None, catch: list | None = None) -> dict:
    state: dict = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    if retry is not None:
        state["Retry"] = retry
    if catch is not None:
        state["Catch"] = catch
    states = {"T": state, "H": {"Type": "Succeed"}} if catch is not None else {"T": state}
    return {"StartAt": "T", "States": states}


def rules(definition: dict) -> list[tuple[str, str, str]]:
    return [(i.path, i.rule, i.message) for i in validate_definition(definition, "m")]


def test_the_vocabulary_is_aws_s() -> None:
    """Every name moto's interpreter knows (it follows AWS), plus the HTTP task's States.Http.Socket."""
    assert STATES_ERRORS == {e.to_name() for e in StatesErrorNameType} | {"States.Http.Socket"}
    assert UNCATCHABLE == {"States.Runtime"}


@pytest.mark.parametrize("field", ["Retry", "Catch"])
def test_states_all_must_be_alone(field: str) -> None:
    entry = {"ErrorEquals": ["States.Timeout", "States.ALL"]} | ({"Next": "H"} if field == "Catch" else {})
    definition = task_with(**{field.lower(): [entry]})
    assert rules(definition) == [("T", "error-equals", f"{field}[0].ErrorEquals: States.ALL matches every error, "
                                                      "so it must appear alone (AWS refuses it with others)")]


@pytest.mark.parametrize("field", ["Retry", "Catch"])
def test_states_all_must_be_last(field: str) -> None:
    extra = {"Next": "H"} if field == "Catch" else {}
    definition = task_with(**{field.lower(): [{"ErrorEquals": ["States.ALL"]} | extra,
                                              {"ErrorEquals": ["States.Timeout"]} | extra]})
    assert rules(definition) == [("T", "error-equals", f"{field}[0].ErrorEquals: States.ALL matches every error, so "
                                                      f"its {'retrier' if field == 'Retry' else 'catcher'} must be "
                                                      f"the last one ({field}[1] could never match)")]


def test_unknown_and_uncatchable_states_names() -> None:
    definition = task_with(retry=[{"ErrorEquals": ["States.Timeuot"]}],
                           catch=[{"ErrorEquals": ["States.Runtime"], "Next": "H"}, {"ErrorEquals": [], "Next": "H"}])
    assert rules(definition) == [
        ("T", "error-name", "Retry[0].ErrorEquals: States.Timeuot is not an error Step Functions reports (names "
                            "starting with States. are reserved); did you mean States.Timeout?"),
        ("T", "error-name", "Catch[0].ErrorEquals: States.Runtime cannot be caught or retried: AWS always fails the "
                            "execution with it (check the data before the state instead)"),
        ("T", "error-equals", "Catch[1].ErrorEquals must be a non-empty list of error names"),
    ]


def test_good_error_handling_has_no_issues() -> None:
    definition = task_with(retry=[{"ErrorEquals": ["States.Timeout", "Lambda.ServiceException"]},
                                  {"ErrorEquals": ["States.ALL"]}],
                           catch=[{"ErrorEquals": ["Custom.Error", "States.TaskFailed"], "Next": "H"},
                                  {"ErrorEquals": ["States.ALL"], "Next": "H"}])
    assert rules(definition) == []


def test_builders_refuse_a_bad_list_where_it_is_written() -> None:
    with pytest.raises(BuildError, match="must appear alone") as caught:
        Retry(["States.ALL", "States.Timeout"])
    assert caught.value.rules == {"error-equals"}
    with pytest.raises(BuildError, match="cannot be caught or retried"):
        Catch(["States.Runtime"], Fail("F"))
    with pytest.raises(BuildError, match="did you mean States.TaskFailed"):
        Catch(["States.TaskFaild"], Fail("F"))
    with pytest.raises(BuildError, match="non-empty list"):
        Retry([])


def test_a_machine_with_states_all_first_does_not_validate() -> None:
    task = Task("T", resource="arn:aws:states:::lambda:invoke",
                retry=[Retry(["States.ALL"]), Retry(["States.Timeout"])])
    with pytest.raises(BuildError, match="must be the last one") as caught:
        StateMachine("m", start=task >> Pass("P")).validate()
    assert caught.value.rules == {"error-equals"}
