"""The parse cache (adaptations/parse_cache.py): a definition is parsed once and its program shared by
every execution, which each still keep their own state (input, variables, retry counts); nothing about
what a definition means changes."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from workflows.local.adaptations import parse_cache
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError

PARSER = "moto.stepfunctions.parser.asl.parse.asl_parser"


def _parser():  # type: ignore[no-untyped-def]
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    return AmazonStateLanguageParser


def _definition(result: str) -> str:
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}})


def test_a_definition_is_parsed_once_and_its_program_shared(local_engine: LocalEngine) -> None:
    text = _definition("cache-shared-program")
    before_misses, before_hits = parse_cache.CACHE.misses, parse_cache.CACHE.hits
    first_program, first_tree = _parser().parse(text)
    second_program, second_tree = _parser().parse(text)
    assert parse_cache.CACHE.misses == before_misses + 1 and parse_cache.CACHE.hits == before_hits + 1
    assert (second_program, second_tree) == (first_program, first_tree)
    assert second_program is first_program and second_tree is first_tree


def test_without_shared_programs_each_hit_gets_a_fresh_program(local_engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's "tree only" mode: the cached tree, a new program per call."""
    monkeypatch.setattr(parse_cache, "SHARE_PROGRAMS", False)
    text = _definition("cache-tree-only")
    first_program, first_tree = _parser().parse(text)
    second_program, second_tree = _parser().parse(text)
    assert second_tree is first_tree and second_program is not first_program
    assert type(second_program) is type(first_program)


def test_a_components_heap_key_is_drawn_once_whichever_thread_asks_first(local_engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Executions sharing a program key their Retry attempt counts by the component's heap_key; moto
    drew it lazily without a lock, so threads racing on a fresh component could get different keys
    (made certain here by a slow uid). Fails on moto's own property."""
    from moto.stepfunctions.parser.asl.component import eval_component

    uid = eval_component.long_uid

    def slow_uid() -> str:
        time.sleep(0.01)
        return uid()

    monkeypatch.setattr(eval_component, "long_uid", slow_uid)
    program, _ = _parser().parse(_definition("cache-heap-key"))
    start = threading.Barrier(8)

    def key(_: int) -> str:
        start.wait()
        return program.heap_key

    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(key, range(8)))
    assert len(keys) == 1 and keys == {program.heap_key}


def test_concurrent_executions_of_one_program_keep_their_own_retry_counts(local_engine: LocalEngine) -> None:
    """Retry state lives in each execution's environment: with the program shared, every execution of
    a state that always fails still makes exactly MaxAttempts retries, then is caught with its own input.
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html (Retry, MaxAttempts)"""
    definition = {
        "StartAt": "Fail",
        "States": {
            "Fail": {
                "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:dynamodb:getItem",
                "Parameters": {"TableName": "no-such-table-for-retries", "Key": {"pk": {"S.$": "$.id"}}},
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2, "BackoffRate": 1}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Parameters": {"id.$": "$.id"}, "End": True},
        },
    }
    local_engine.create_state_machine("cached-retries", definition)
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda n: local_engine.run("cached-retries", {"id": f"r{n}"}), range(12)))
    assert [r.output for r in results] == [{"id": f"r{n}"} for n in range(12)]
    for result in results:
        scheduled = [e for e in result.history if e["type"] == "TaskScheduled"]
        assert len(scheduled) == 3  # the first attempt and MaxAttempts=2 retries


def test_executions_of_a_cached_definition_run_their_own_input(local_engine: LocalEngine) -> None:
    """Concurrent executions of one machine each see their own input and their own result."""
    definition = {"StartAt": "Echo", "States": {"Echo": {"Type": "Pass", "Parameters": {"n.$": "$.n"}, "End": True}}}
    local_engine.create_state_machine("cached-echo", definition)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: local_engine.run("cached-echo", {"n": n}), range(24)))
    assert [r.output for r in results] == [{"n": n} for n in range(24)]


def test_a_definition_that_does_not_parse_is_refused_every_time_and_not_kept(local_engine: LocalEngine) -> None:
    from moto.stepfunctions.parser.asl.parse.asl_parser import ASLParserException

    text = '{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": "yes"}}}'
    for _ in range(2):
        with pytest.raises(ASLParserException):
            _parser().parse(text)
    assert parse_cache.CACHE.get(text) is None


def test_the_cache_keeps_at_most_its_bound_least_recently_used_out() -> None:
    cache = parse_cache.ParseCache(max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert (cache.get("b"), cache.get("a"), cache.get("c"), len(cache)) == (None, 1, 3, 2)


def test_a_changed_parse_in_moto_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wrapper relies on moto's parse building the components with a fresh Preprocessor."""
    parser = _parser()
    original = parser.parse
    while getattr(original, "__wrapped__", None) is not None:
        original = original.__wrapped__
    monkeypatch.setattr(parser, "parse", staticmethod(original))
    monkeypatch.setattr(parse_cache, "PINNED_SOURCE", parse_cache.PINNED_SOURCE + ("program = cached(tree)",))
    with pytest.raises(EngineAdaptationError) as info:
        parse_cache.install()
    assert info.value.adaptation == "parse_cache" and "program = cached(tree)" in str(info.value)
