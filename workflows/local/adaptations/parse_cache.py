"""Adaptation: a definition is parsed once, not at every execution.

moto 5.2.5 parses the whole definition text again at each StartExecution, StartSyncExecution and
CreateStateMachine (``AmazonStateLanguageParser.parse``: ANTLR's pure-Python lexer and parser, then
the ``Preprocessor`` that turns the parse tree into evaluation components). For the lifecycle
machines (30-40 KB of ASL) that is 0.1-0.2 s of CPU every time; over this project's suite the
Preprocessor alone was about a tenth of all CPU once the ANTLR tree was cached.

What is kept: the parse tree and the program (the evaluation components) built from it. Sharing the
program between executions is what moto itself already does inside one execution: the iterations of
a Map run one ItemProcessor program concurrently in worker threads, so every piece of per-execution
state lives in the ``Environment`` an evaluation is given, never on a component. The one exception is
``EvalComponent.heap_key``, the key under which a Retrier keeps its attempt count in the
environment's heap: moto draws it lazily, unlocked, so two threads touching a fresh component could
draw two keys and one of them would lose its count. It is made to be drawn once, under a lock.

A definition that does not parse is not cached: it raises moto's ``ASLParserException`` again each
time. Keyed by the definition text as the parser receives it; at most ``MAX_ENTRIES`` entries are
kept (least recently used first out), so a long-lived ``workflows local`` holding many machine
versions stays bounded.
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
_COMPONENT = "moto.stepfunctions.parser.asl.component.eval_component"
MAX_ENTRIES = 64
# False: a cache hit gets a fresh program built from the cached tree (this cache's first version, kept
# so that bench/engine_parse_cache.py can set the two side by side).
SHARE_PROGRAMS = True
# What the wrapper relies on in moto's parse: the program and the tree are built from the text alone and returned.
PINNED_SOURCE = ("preprocessor = Preprocessor()", "program = preprocessor.visit(tree)", "return program, tree")


class ParseCache:
    """A bounded, thread-safe map from definition text to what parsing it gave (program and tree)."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, definition: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(definition)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(definition)
            self.hits += 1
            return entry

    def put(self, definition: str, entry: Any) -> None:
        with self._lock:
            self._entries[definition] = entry
            self._entries.move_to_end(definition)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


CACHE = ParseCache()


def _cached_parse(original: Callable[[str], tuple[Any, Any]], module: Any) -> Callable[[str], tuple[Any, Any]]:
    @functools.wraps(original)
    def parse(definition: str) -> tuple[Any, Any]:
        parsed = CACHE.get(definition) if isinstance(definition, str) else None
        if parsed is None:
            parsed = original(definition)
            if isinstance(definition, str):
                CACHE.put(definition, parsed)
        elif not SHARE_PROGRAMS:
            tree = parsed[1]
            return module.Preprocessor().visit(tree), tree
        return parsed

    return mark(parse, NAME, original)


def install() -> None:
    """Cache what ``AmazonStateLanguageParser.parse`` gives, and draw heap keys once (idempotent)."""
    _install_heap_keys()
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


_KEY_LOCK = threading.Lock()
_SLOT = "_EvalComponent__heap_key"


def _install_heap_keys() -> None:
    """Make ``EvalComponent.heap_key`` drawn once per component, whichever thread asks first."""
    module = import_module(NAME, _COMPONENT)
    component = require_attr(NAME, module, "EvalComponent")
    require_attr(NAME, module, "long_uid")
    current = component.__dict__.get("heap_key")
    if not isinstance(current, property) or current.fget is None:
        raise EngineAdaptationError(NAME, "EvalComponent.heap_key is no longer a property; re-check shared programs")
    if is_patched(current.fget, NAME):
        return
    if _SLOT.removeprefix("_EvalComponent") not in inspect.getsource(current.fget):
        raise EngineAdaptationError(NAME, f"EvalComponent.heap_key no longer keeps its key in {_SLOT}; re-check")

    def heap_key(self: Any) -> str:
        key = self.__dict__.get(_SLOT)
        if key is None:
            with _KEY_LOCK:
                key = self.__dict__.get(_SLOT)
                if key is None:
                    key = module.long_uid()
                    self.__dict__[_SLOT] = key
        return key

    component.heap_key = property(mark(heap_key, NAME, current.fget))
