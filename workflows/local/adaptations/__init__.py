"""moto adaptations that make moto 5.2.5's Step Functions interpreter behave like AWS.

Each module holds one adaptation with an idempotent ``install()``; ``install_all()`` applies them in
a fixed order. Order matters only where two adaptations wrap the same method (StartExecution:
names, then mock test cases, so ``arn#Case`` is split before moto sees it).
"""

from __future__ import annotations

import importlib
import threading

ORDER: tuple[str, ...] = (
    "backend_snapshots",
    "parser_scopes",
    "parse_cache",
    "jsonata",
    "jsonata_functions",
    "jsonpath",
    "assign_literals",
    "sdk_results",
    "service_parameters",
    "execution_names",
    "execution_output",
    "mock_config",
    "sync_execution",
    "sdk_error_names",
    "cfn_role_policies",
    "cfn_json_templates",
    "parser_error_codes",
    "virtual_clock",
    "context_object",
    "instant_waits",
    "blob_parameters",
    "dynamodb_requests",
    "sdk_http_metadata",
    "map_state",
    "definition_checks",
    "intrinsics",
    "test_state",
    "credentials",
)

_lock = threading.Lock()


def install_all() -> None:
    """Apply every adaptation (safe to call many times, from any thread)."""
    with _lock:
        for name in ORDER:
            importlib.import_module(f"{__name__}.{name}").install()
