"""Adaptation: the JSONata functions Step Functions adds ($partition, $range, $hash, $random, $uuid, $parse).

moto 5.2.5 splices JSONata text declarations of these names into each expression that mentions
them; two are placeholders returning "Function ... is currently not supported" as a *successful*
value ($hash, $uuid), $parse is ``$eval`` (so it evaluates JSONata, not JSON), $random takes no
seed, and $partition/$range misbehave on edge cases (chunk size 0 gives null, step 0 divides by
zero). We drop moto's declarations and bind Python implementations instead, written to AWS's
documented behaviour; a bad argument raises :class:`JsonataFunctionError`, which the evaluator
reports as ``States.QueryEvaluationError``. The standard library does the real work (hashlib,
json, uuid, random); there is no JSONata library for AWS's additions to prefer over it.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from typing import Any, Callable

from jsonata.utils import Utils

from workflows.local.adaptations._patching import import_module, require_attr

NAME = "jsonata_functions"
_DECLARATIONS_MODULE = "moto.stepfunctions.parser.asl.component.intrinsic.jsonata"
# moto's own extra, "$randomSeeded", is not an AWS function: dropped so that a machine using it
# fails here as it would on AWS.
_MOTO_DECLARATIONS_DROPPED = ("$partition", "$range", "$hash", "$random", "$randomSeeded", "$uuid", "$parse")

HASH_ALGORITHMS: dict[str, str] = {
    "MD5": "md5",
    "SHA-1": "sha1",
    "SHA-256": "sha256",
    "SHA-384": "sha384",
    "SHA-512": "sha512",
}
# JSONata's own range operator refuses more than 1e7 items (error D2014); $range follows it so
# that a typo such as $range(0, 1e12, 1) fails at once instead of exhausting memory.
MAX_RANGE_ITEMS = 10_000_000


class JsonataFunctionError(ValueError):
    """A Step Functions JSONata function was called with arguments AWS rejects."""


def _describe(value: Any) -> str:
    if value is None or _is_null(value):
        return "null/undefined"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, (int, float)):
        return f"number {value!r}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_null(value: Any) -> bool:
    # jsonata-python marks JSON null with a sentinel while evaluating (None is "undefined").
    return value is Utils.NULL_VALUE


def _integer(function: str, label: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise JsonataFunctionError(f"{function}: {label} must be an integer, got {_describe(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise JsonataFunctionError(f"{function}: {label} must be an integer, got {_describe(value)}")
    return int(value)


def _arity(function: str, args: tuple[Any, ...], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise JsonataFunctionError(f"{function}: takes {expected} argument(s), got {len(args)}")


def partition(*args: Any) -> list[list[Any]]:
    """``$partition(array, size)``: consecutive chunks of ``size`` items, the last one possibly shorter."""
    _arity("$partition", args, 2, 2)
    array, size = args
    if not isinstance(array, list):
        raise JsonataFunctionError(f"$partition: the first argument must be an array, got {_describe(array)}")
    chunk = _integer("$partition", "the chunk size", size)
    if chunk <= 0:
        raise JsonataFunctionError(f"$partition: the chunk size must be a positive integer, got {chunk}")
    items = list(array)
    return [items[i : i + chunk] for i in range(0, len(items), chunk)]


def range_(*args: Any) -> list[int]:
    """``$range(start, end, step)``: integers from start to end inclusive, ``[]`` if step points away from end.

    The numbers form a JSONata sequence, so a single number is that number (AWS: ``$range(1, 9, 9)``
    is ``1``, as ``[1][0]`` would be).
    """
    _arity("$range", args, 3, 3)
    start = _integer("$range", "start", args[0])
    end = _integer("$range", "end", args[1])
    step = _integer("$range", "step", args[2])
    if step == 0:
        raise JsonataFunctionError("$range: step must not be 0")
    if (end - start) * step < 0:
        return []
    count = (end - start) // step + 1
    if count > MAX_RANGE_ITEMS:
        raise JsonataFunctionError(f"$range: would produce {count} items, more than the limit of {MAX_RANGE_ITEMS}")
    numbers = list(range(start, end + (1 if step > 0 else -1), step))
    return Utils.create_sequence_from_iter(numbers) if numbers else numbers


def hash_(*args: Any) -> str:
    """``$hash(value, algorithm)``: the lowercase hex digest of the UTF-8 string ``value``."""
    _arity("$hash", args, 2, 2)
    value, algorithm = args
    if not isinstance(value, str):
        raise JsonataFunctionError(f"$hash: the value to hash must be a string, got {_describe(value)}")
    if not isinstance(algorithm, str) or algorithm not in HASH_ALGORITHMS:
        raise JsonataFunctionError(
            f"$hash: unknown algorithm {_describe(algorithm)}; expected one of {', '.join(HASH_ALGORITHMS)}"
        )
    return hashlib.new(HASH_ALGORITHMS[algorithm], value.encode("utf-8")).hexdigest()


def random_(*args: Any) -> float:
    """``$random([seed])``: a number in [0, 1); the same integer seed always gives the same number.

    The seeded sequence is Python's, so seeded values are repeatable here but differ from AWS's.
    """
    _arity("$random", args, 0, 1)
    if not args or args[0] is None:
        return random.random()
    return random.Random(_integer("$random", "the seed", args[0])).random()


def uuid_(*args: Any) -> str:
    """``$uuid()``: a random version 4 UUID."""
    _arity("$uuid", args, 0, 0)
    return str(uuid.uuid4())


def _reject_constant(name: str) -> Any:
    raise JsonataFunctionError(f"$parse: {name} is not valid JSON")


def parse(*args: Any) -> Any:
    """``$parse(jsonString)``: the JSON value the string holds (JSON only, never a JSONata expression)."""
    _arity("$parse", args, 1, 1)
    text = args[0]
    if not isinstance(text, str):
        raise JsonataFunctionError(f"$parse: the argument must be a JSON string, got {_describe(text)}")
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise JsonataFunctionError(f"$parse: the string is not valid JSON ({exc})") from exc


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "partition": partition,
    "range": range_,
    "hash": hash_,
    "random": random_,
    "uuid": uuid_,
    "parse": parse,
}


def _range_for_jlens(*args: Any) -> Any:
    # jlens has no host-made sequences: a one-number range is that number, as in AWS.
    numbers = range_(*args)
    return numbers[0] if len(numbers) == 1 else list(numbers)


#: The same functions as jlens bindings (plain Python values in and out).
JLENS_BINDINGS: dict[str, Callable[..., Any]] = FUNCTIONS | {"range": _range_for_jlens}


def bind(expression: Any) -> Any:
    """Register the AWS functions on one compiled ``jsonata.Jsonata`` expression (its own frame)."""
    for name, implementation in FUNCTIONS.items():
        expression.register_lambda(name, implementation)
    return expression


def install() -> None:
    """Drop moto's JSONata-text versions of these functions so the bound ones are used (idempotent)."""
    module = import_module(NAME, _DECLARATIONS_MODULE)
    declarations = require_attr(NAME, module, "_DECLARATION_BY_VARIABLE_REFERENCE")
    for reference in _MOTO_DECLARATIONS_DROPPED:
        declarations.pop(reference, None)
