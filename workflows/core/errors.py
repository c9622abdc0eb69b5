"""Build-time errors: every refusal names the machine, the state path and the reason.

A reviewer reading a failed build must be able to jump straight to the state that is wrong, so the
location is part of the error's value, not buried in a message string.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One reason a machine cannot be built, with where it is and which rule it breaks."""

    machine: str
    path: str
    rule: str
    message: str

    def __str__(self) -> str:
        where = ": ".join(part for part in (self.machine, self.path) if part)
        return f"{where}: {self.message} [{self.rule}]" if where else f"{self.message} [{self.rule}]"


class BuildError(ValueError):
    """Raised when a machine (or a piece of one) is invalid; carries every issue found."""

    def __init__(self, issues: list[Issue] | Issue | str, *, rule: str = "invalid", path: str = "") -> None:
        if isinstance(issues, str):
            issues = [Issue("", path, rule, issues)]
        elif isinstance(issues, Issue):
            issues = [issues]
        self.issues: list[Issue] = list(issues)
        super().__init__("\n".join(str(i) for i in self.issues))

    def in_machine(self, machine: str) -> "BuildError":
        """The same issues, attributed to ``machine`` where they did not name one yet."""
        return BuildError([Issue(i.machine or machine, i.path, i.rule, i.message) for i in self.issues])

    @property
    def rules(self) -> set[str]:
        return {i.rule for i in self.issues}
