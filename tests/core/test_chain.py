"""Chaining: >>, loops by reusing a state, Catch handlers, and the conflicts refused at build time."""

from __future__ import annotations

import pytest

from workflows.core import BuildError, Choice, Fail, Pass, StateMachine, Succeed, Var, Wait


def test_rshift_and_next_link_states_and_open_ends_end() -> None:
    a, b, c = Pass("A"), Pass("B"), Pass("C")
    states = StateMachine("t", start=a >> b.next(c)).to_asl()["States"]
    assert states["A"]["Next"] == "B" and states["B"]["Next"] == "C" and states["C"]["End"] is True


def test_loop_by_pointing_back_at_an_earlier_state() -> None:
    check = Pass("Check")
    wait = Wait("Wait", seconds=1)
    loop = Choice("Done?").when(Var("$.done") == False, wait >> check).otherwise(Succeed("Yes"))  # noqa: E712
    asl = StateMachine("t", start=check >> loop).to_asl()
    assert list(asl["States"]) == ["Check", "Done?", "Wait", "Yes"]
    assert asl["States"]["Wait"]["Next"] == "Check"
    assert asl["States"]["Check"]["Next"] == "Done?"


def test_choice_open_branches_continue_after_it() -> None:
    choice = Choice("C").when(Var("$.x") == 1, Pass("One")).otherwise(Pass("Other"))
    states = StateMachine("t", start=choice >> Pass("After")).to_asl()["States"]
    assert states["One"]["Next"] == "After" and states["Other"]["Next"] == "After"


def test_catch_handler_is_not_linked_by_rshift() -> None:
    task = Pass("Work").add_catch if False else None  # Pass has no Catch in ASL
    assert task is None
    from workflows.core import Task
    work = Task("Work", resource="arn:aws:states:::lambda:invoke").add_catch(["States.ALL"], Pass("Recover"))
    states = StateMachine("t", start=work >> Pass("Next")).to_asl()["States"]
    assert states["Work"]["Next"] == "Next"
    assert states["Recover"] == {"Type": "Pass", "End": True}
    assert list(states) == ["Work", "Next", "Recover"], "the happy path reads first"


def test_two_different_states_with_one_name_are_refused() -> None:
    with pytest.raises(BuildError, match="two different states are named 'A'") as err:
        Pass("A") >> Pass("A", comment="other")
    assert err.value.rules == {"duplicate-name"}


def test_a_state_cannot_go_to_two_places() -> None:
    a = Pass("A")
    first = a >> Pass("B")
    with pytest.raises(BuildError) as err:
        first >> (Choice("C").when(Var("$.x") == 1, a >> Pass("D")).otherwise(Succeed("S")))
    assert "next-conflict" in err.value.rules and "'A'" in str(err.value)


def test_nothing_follows_a_terminal_state() -> None:
    with pytest.raises(BuildError, match="already ends"):
        Fail("F") >> Pass("P")
