"""Adaptation: a definition is lexed and parsed by ANTLR once, not at every execution.

moto 5.2.5 parses the whole definition text again at each StartExecution, StartSyncExecution and
CreateStateMachine (``AmazonStateLanguageParser.parse``: ANTLR's pure-Python lexer and parser, then
the ``Preprocessor`` that turns the parse tree into evaluation components). For the lifecycle
machines (30-40 KB of ASL) the ANTLR part takes about 0.09 s of the 0.12 s parse, every time — about
a third of a tenant-stack-create execution on the engine.

What is kept: only the parse tree, which nothing changes once ANTLR has built it (the Preprocessor
and every component only read it). The evaluation components are built afresh from it for every
call, exactly as moto does after its own parse, so no execution ever shares a component (components
hold per-execution state, and executions run concurrently in worker threads). A definition that
does not parse is not cached: it raises moto's ``ASLParserException`` again each time.

Keyed by the definition text as the parser receives it; at most ``MAX_ENTRIES`` trees are kept
(least recently used first out), so a long-lived ``workflows local`` holding many machine versions
stays bounded.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections import OrderedDict
from typing import Any, Callable

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr
from workflows.local.errors import EngineAdaptationError

NAME = "parse_cache"
_PARSER = "moto.stepfunctions.parser.asl.parse.asl_parser"
MAX_ENTRIES = 64
# What the wrapper relies on in moto's parse: a fresh Preprocessor visits the tree, and both are returned.
PINNED_SOURCE = ("preprocessor = Preprocessor()", "program = preprocessor.visit(tree)", "return program, tree")


class TreeCache:
    """A bounded, thread-safe map from definition text to its ANTLR parse tree."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._trees: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, definition: str) -> Any | None:
        with self._lock:
            tree = self._trees.get(definition)
            if tree is None:
                self.misses += 1
                return None
            self._trees.move_to_end(definition)
            self.hits += 1
            return tree

    def put(self, definition: str, tree: Any) -> None:
        with self._lock:
            self._trees[definition] = tree
            self._trees.move_to_end(definition)
            while len(self._trees) > self.max_entries:
                self._trees.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._trees.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._trees)


CACHE = TreeCache()


def _cached_parse(original: Callable[[str], tuple[Any, Any]], module: Any) -> Callable[[str], tuple[Any, Any]]:
    @functools.wraps(original)
    def parse(definition: str) -> tuple[Any, Any]:
        tree = CACHE.get(definition) if isinstance(definition, str) else None
        if tree is None:
            program, tree = original(definition)
            if isinstance(definition, str):
                CACHE.put(definition, tree)
            return program, tree
        return module.Preprocessor().visit(tree), tree

    return mark(parse, NAME, original)


def install() -> None:
    """Cache ``AmazonStateLanguageParser.parse``'s parse trees (idempotent)."""
    module = import_module(NAME, _PARSER)
    require_attr(NAME, module, "Preprocessor")
    parser = require_attr(NAME, module, "AmazonStateLanguageParser")
    parse = require_attr(NAME, parser, "parse")
    if is_patched(parse, NAME):
        return
    source = inspect.getsource(parse)
    missing = [line for line in PINNED_SOURCE if line not in source]
    if missing:
        raise EngineAdaptationError(NAME, f"AmazonStateLanguageParser.parse no longer has {missing}; re-check the cache")
    parser.parse = staticmethod(_cached_parse(parse, module))
