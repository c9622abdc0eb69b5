"""The parse cache (adaptations/parse_cache.py): ANTLR parses a definition once; every execution still
gets components of its own, and nothing about what a definition means changes."""

from __future__ import annotations

import json
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


def test_a_definition_is_parsed_once_and_each_parse_gets_its_own_components(local_engine: LocalEngine) -> None:
    text = _definition("cache-own-components")
    before_misses, before_hits = parse_cache.CACHE.misses, parse_cache.CACHE.hits
    first_program, first_tree = _parser().parse(text)
    second_program, second_tree = _parser().parse(text)
    assert parse_cache.CACHE.misses == before_misses + 1 and parse_cache.CACHE.hits == before_hits + 1
    assert second_tree is first_tree  # the ANTLR tree is shared ...
    assert second_program is not first_program  # ... the evaluation components never are
    assert type(second_program) is type(first_program)


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
    cache = parse_cache.TreeCache(max_entries=2)
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
