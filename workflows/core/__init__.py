"""The ASL model: states, chains, conditions, paths, intrinsics, JSONata, tasks, validation, emission.

Imports nothing else of the project, so pattern families and users' own workflows build on it alone.
"""

from . import jsonpath as intrinsics
from .chain import Chain
from .conditions import Condition, Var
from .errors import BuildError, Issue
from .fields import UNSET, Catch, Credentials, Retry
from .jsonata import Expr, jsonata
from .jsonpath import Intrinsic, Ref, path
from .machine import EXPRESS, STANDARD, StateMachine, substitute
from .states import JSONATA, JSONPATH, Choice, ChoiceRule, Fail, Map, Parallel, Pass, State, Succeed, Task, Wait
from .validate import validate_definition

__all__ = [
    "BuildError", "Catch", "Chain", "Choice", "ChoiceRule", "Condition", "Credentials", "EXPRESS", "Expr", "Fail",
    "Intrinsic", "Issue", "JSONATA", "JSONPATH", "Map", "Parallel", "Pass", "Ref", "Retry", "STANDARD", "State",
    "StateMachine", "Succeed", "Task", "UNSET", "Var", "Wait", "intrinsics", "jsonata", "path", "substitute",
    "validate_definition",
]
