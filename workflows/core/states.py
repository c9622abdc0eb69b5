"""One small immutable class per ASL state, with the spec's field names in snake_case.

A state knows its own fields; where it goes next is kept by the Chain that links it (see chain.py),
so the same state value can close a loop simply by being used again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Mapping, Sequence, Union

from .conditions import Condition
from .errors import BuildError
from .fields import UNSET, Catch, Credentials, Retry, Target, freeze

if TYPE_CHECKING:
    from .chain import Chain

JSONPATH = "JSONPath"
JSONATA = "JSONata"

# The order fields are written in, within a state: Type first, what the state does, how its input and
# output are shaped, then error handling and the transition. Stable order = stable golden files.
FIELD_ORDER: tuple[str, ...] = (
    "Type", "Comment", "QueryLanguage", "Resource", "Credentials", "Choices", "Default", "Branches",
    "ItemReader", "ItemsPath", "Items", "ItemSelector", "ItemBatcher", "ItemProcessor", "ResultWriter",
    "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
    "ToleratedFailureCount", "ToleratedFailureCountPath", "Label",
    "Seconds", "SecondsPath", "Timestamp", "TimestampPath",
    "TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath",
    "InputPath", "Parameters", "Arguments", "Result", "ResultSelector", "ResultPath", "OutputPath",
    "Output", "Assign", "Error", "ErrorPath", "Cause", "CausePath", "Retry", "Catch", "Next", "End",
)

# Python attribute names whose ASL name is not the plain PascalCase of the attribute.
_ASL_NAMES = {"items": "Items"}


def asl_name(attribute: str) -> str:
    return _ASL_NAMES.get(attribute) or "".join(part.capitalize() for part in attribute.split("_"))


_NOT_FIELDS = {"name", "retry", "catch", "credentials", "choices", "default", "branches", "item_processor",
               "mode", "execution_type"}


@dataclass(frozen=True, eq=False)
class State:
    """Fields common to every state. ``None`` means "not set" except where UNSET is the default."""

    TYPE: ClassVar[str] = ""
    TERMINAL: ClassVar[bool] = False

    name: str
    _: KW_ONLY
    comment: str | None = None
    query_language: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise BuildError(f"a state needs a non-empty name, got {self.name!r}", rule="state-name")
        if self.query_language not in (None, JSONPATH, JSONATA):
            raise BuildError(f"QueryLanguage must be JSONPath or JSONata, not {self.query_language!r}",
                             rule="query-language", path=self.name)
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, (dict, list)):
                object.__setattr__(self, f.name, freeze(value))

    # -- equality by value, identity first (states nest chains; comparing them is only for conflicts)
    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if type(self) is not type(other):
            return False
        return all(getattr(self, f.name) == getattr(other, f.name) for f in dataclasses.fields(self))

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.name))

    # -- chaining
    def __rshift__(self, other: Target) -> "Chain":
        from .chain import Chain
        return Chain.of(self) >> other

    def next(self, other: Target) -> "Chain":
        return self >> other

    def subchains(self) -> Iterator["Chain"]:
        """Chains that continue this state's graph at the same level (Choice targets, Catch handlers)."""
        return iter(())

    def nested(self) -> Iterator[tuple[str, "Chain"]]:
        """Separate sub-graphs (Parallel branches, Map processors) with their path segment."""
        return iter(())

    # -- emission (without Next/End, which the chain decides)
    def fields(self, emit_chain: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"Type": self.TYPE}
        for f in dataclasses.fields(self):
            if f.name in _NOT_FIELDS or f.name == "_":
                continue
            value = getattr(self, f.name)
            if value is UNSET:
                continue
            if value is None and f.default is not UNSET:
                continue
            out[asl_name(f.name)] = value
        out.update(self.extra_fields(emit_chain))
        return {key: out[key] for key in FIELD_ORDER if key in out} | {
            key: out[key] for key in out if key not in FIELD_ORDER}

    def extra_fields(self, emit_chain: Any) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, eq=False)
class _Flow(State):
    """States with input/output processing."""

    _: KW_ONLY
    input_path: str | None = UNSET
    output_path: str | None = UNSET
    output: Any = UNSET
    assign: Mapping[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class _Errors(_Flow):
    """States with a result and error handling (Task, Parallel, Map)."""

    _: KW_ONLY
    result_selector: Mapping[str, Any] | None = None
    result_path: str | None = UNSET
    retry: Sequence[Retry] = ()
    catch: Sequence[Catch] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "retry", tuple(self.retry))
        object.__setattr__(self, "catch", tuple(self.catch))

    def subchains(self) -> Iterator["Chain"]:
        from .chain import Chain
        for c in self.catch:
            yield Chain.coerce(c.next)

    def add_retry(self, *retries: Retry) -> "_Errors":
        return dataclasses.replace(self, retry=self.retry + retries)

    def add_catch(self, errors: Sequence[str], handler: Target, **options: Any) -> "_Errors":
        return dataclasses.replace(self, catch=self.catch + (Catch(errors, handler, **options),))

    def extra_fields(self, emit_chain: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.retry:
            out["Retry"] = [r.to_asl() for r in self.retry]
        if self.catch:
            out["Catch"] = [c.to_asl(emit_chain.start_name(c.next)) for c in self.catch]
        return out


@dataclass(frozen=True, eq=False)
class Pass(_Flow):
    TYPE: ClassVar[str] = "Pass"
    _: KW_ONLY
    parameters: Mapping[str, Any] | None = None
    result: Any = UNSET
    result_path: str | None = UNSET


@dataclass(frozen=True, eq=False)
class Task(_Errors):
    TYPE: ClassVar[str] = "Task"
    _: KW_ONLY
    resource: str = ""
    parameters: Mapping[str, Any] | None = None
    arguments: Any = None
    credentials: Credentials | Mapping[str, Any] | None = None
    timeout_seconds: int | str | None = None
    timeout_seconds_path: str | None = None
    heartbeat_seconds: int | str | None = None
    heartbeat_seconds_path: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.resource:
            raise BuildError("a Task needs a Resource", rule="task-resource", path=self.name)

    def extra_fields(self, emit_chain: Any) -> dict[str, Any]:
        out = super().extra_fields(emit_chain)
        if self.credentials is not None:
            creds = self.credentials
            out["Credentials"] = creds.to_asl() if isinstance(creds, Credentials) else dict(creds)
        return out

    @classmethod
    def sdk(cls, service: str, action: str, name: str, **fields: Any) -> "Task":
        """An ``aws-sdk:<service>:<action>`` task whose arguments are checked against botocore."""
        from .tasks import sdk_task
        return sdk_task(service, action, name, **fields)

    @classmethod
    def dynamodb(cls, action: str, name: str, **fields: Any) -> "Task":
        """An optimized DynamoDB task (getItem, putItem, updateItem, deleteItem)."""
        from .tasks import dynamodb_task
        return dynamodb_task(action, name, **fields)


@dataclass(frozen=True)
class ChoiceRule:
    """One branch of a Choice: a Condition (JSONPath) or a ``{% %}`` string (JSONata), and a target."""

    condition: Union[Condition, str]
    next: Target
    assign: Mapping[str, Any] | None = None
    output: Any = UNSET
    comment: str | None = None

    def to_asl(self, next_name: str) -> dict[str, Any]:
        if isinstance(self.condition, Condition):
            out = self.condition.to_asl()
        elif isinstance(self.condition, str):
            out = {"Condition": self.condition}
        else:
            raise BuildError(f"a Choice rule needs a Condition or a '{{% %}}' string, got {self.condition!r}",
                             rule="choice-rule")
        if self.comment is not None:
            out = {"Comment": self.comment} | out
        out["Next"] = next_name
        if self.assign is not None:
            out["Assign"] = dict(self.assign)
        if self.output is not UNSET:
            out["Output"] = self.output
        return out


@dataclass(frozen=True, eq=False)
class Choice(State):
    TYPE: ClassVar[str] = "Choice"
    TERMINAL: ClassVar[bool] = True  # a Choice never takes Next/End itself
    _: KW_ONLY
    choices: Sequence[ChoiceRule] = ()
    default: Target | None = None
    input_path: str | None = UNSET
    output_path: str | None = UNSET
    output: Any = UNSET
    assign: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "choices", tuple(self.choices))

    def when(self, condition: Union[Condition, str], target: Target, **options: Any) -> "Choice":
        """A new Choice with one more rule; rules are tried in the order they were added."""
        return dataclasses.replace(self, choices=self.choices + (ChoiceRule(condition, target, **options),))

    def otherwise(self, target: Target) -> "Choice":
        return dataclasses.replace(self, default=target)

    def subchains(self) -> Iterator["Chain"]:
        from .chain import Chain
        for rule in self.choices:
            yield Chain.coerce(rule.next)
        if self.default is not None:
            yield Chain.coerce(self.default)

    def extra_fields(self, emit_chain: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"Choices": [r.to_asl(emit_chain.start_name(r.next)) for r in self.choices]}
        if self.default is not None:
            out["Default"] = emit_chain.start_name(self.default)
        return out


@dataclass(frozen=True, eq=False)
class Wait(_Flow):
    TYPE: ClassVar[str] = "Wait"
    _: KW_ONLY
    seconds: int | str | None = None
    seconds_path: str | None = None
    timestamp: str | None = None
    timestamp_path: str | None = None


@dataclass(frozen=True, eq=False)
class Succeed(State):
    TYPE: ClassVar[str] = "Succeed"
    TERMINAL: ClassVar[bool] = True
    _: KW_ONLY
    input_path: str | None = UNSET
    output_path: str | None = UNSET
    output: Any = UNSET


@dataclass(frozen=True, eq=False)
class Fail(State):
    TYPE: ClassVar[str] = "Fail"
    TERMINAL: ClassVar[bool] = True
    _: KW_ONLY
    error: str | None = None
    error_path: str | None = None
    cause: str | None = None
    cause_path: str | None = None


@dataclass(frozen=True, eq=False)
class Parallel(_Errors):
    TYPE: ClassVar[str] = "Parallel"
    _: KW_ONLY
    branches: Sequence[Target] = ()
    parameters: Mapping[str, Any] | None = None
    arguments: Any = None

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "branches", tuple(self.branches))
        if not self.branches:
            raise BuildError("a Parallel state needs at least one branch", rule="parallel-branches",
                             path=self.name)

    def nested(self) -> Iterator[tuple[str, "Chain"]]:
        from .chain import Chain
        for i, branch in enumerate(self.branches):
            yield f"Branches[{i}]", Chain.coerce(branch)

    def extra_fields(self, emit_chain: Any) -> dict[str, Any]:
        from .chain import Chain
        out = super().extra_fields(emit_chain)
        out["Branches"] = [Chain.coerce(b).to_asl() for b in self.branches]
        return out


@dataclass(frozen=True, eq=False)
class Map(_Errors):
    """Inline or distributed Map. ``mode="DISTRIBUTED"`` with ``execution_type`` makes a Distributed Map."""

    TYPE: ClassVar[str] = "Map"
    _: KW_ONLY
    item_processor: Target | None = None
    mode: str | None = None
    execution_type: str | None = None
    items_path: str | None = None
    items: Any = None
    item_selector: Mapping[str, Any] | None = None
    item_reader: Mapping[str, Any] | None = None
    item_batcher: Mapping[str, Any] | None = None
    result_writer: Mapping[str, Any] | None = None
    max_concurrency: int | str | None = None
    max_concurrency_path: str | None = None
    tolerated_failure_percentage: float | str | None = None
    tolerated_failure_percentage_path: str | None = None
    tolerated_failure_count: int | str | None = None
    tolerated_failure_count_path: str | None = None
    label: str | None = None
    parameters: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.item_processor is None:
            raise BuildError("a Map state needs an item_processor", rule="map-processor", path=self.name)
        if self.mode not in (None, "INLINE", "DISTRIBUTED"):
            raise BuildError(f"Map mode must be INLINE or DISTRIBUTED, not {self.mode!r}", rule="map-processor",
                             path=self.name)
        if self.execution_type not in (None, "STANDARD", "EXPRESS"):
            raise BuildError(f"ExecutionType must be STANDARD or EXPRESS, not {self.execution_type!r}",
                             rule="map-processor", path=self.name)
        if self.mode == "DISTRIBUTED" and self.execution_type is None:
            raise BuildError("a Distributed Map needs execution_type STANDARD or EXPRESS", rule="map-processor",
                             path=self.name)

    def nested(self) -> Iterator[tuple[str, "Chain"]]:
        from .chain import Chain
        yield "ItemProcessor", Chain.coerce(self.item_processor)  # type: ignore[arg-type]

    def extra_fields(self, emit_chain: Any) -> dict[str, Any]:
        from .chain import Chain
        out = super().extra_fields(emit_chain)
        processor: dict[str, Any] = {}
        if self.mode is not None:
            config: dict[str, Any] = {"Mode": self.mode}
            if self.execution_type is not None:
                config["ExecutionType"] = self.execution_type
            processor["ProcessorConfig"] = config
        out["ItemProcessor"] = processor | Chain.coerce(self.item_processor).to_asl()  # type: ignore[arg-type]
        return out


STATE_TYPES: dict[str, type[State]] = {
    cls.TYPE: cls for cls in (Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)
}
