"""The README's table of conformance cases per group is the suite's own count (it cannot go stale).

Issue 13 asks for the count per group (grouped like the ASL spec) in the README. The groups are the
modules of ``tests/conformance/``; the counts are what pytest collects there (parametrized cases count
one each), so adding or removing a case without updating the table fails here, with the table to paste.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
START, END = "<!-- conformance-counts:start -->", "<!-- conformance-counts:end -->"
# Module of tests/conformance -> the group it holds, in the README's order.
GROUPS: dict[str, str] = {
    "test_paths.py": "Paths (InputPath, Parameters, ResultPath, OutputPath)",
    "test_intrinsics.py": "Intrinsic functions",
    "test_jsonata.py": "JSONata",
    "test_variables.py": "Variables",
    "test_error_handling.py": "Error handling (Retry, Catch, timeouts)",
    "test_map_parallel.py": "Map / Parallel",
    "test_context_object.py": "Context object",
    "test_service_integrations.py": "Service integrations",
    "test_create_validation.py": "Create-time validation",
    "test_mocks.py": "Mocked responses (Step Functions Local's mock config)",
}


def collected_counts(pytester: pytest.Pytester) -> Counter[str]:
    """Cases pytest collects in tests/conformance, per module.

    A ``pytest --collect-only`` of the folder with the project's configuration (rootdir and pyproject
    found from the path), run by pytester in this process: the conformance modules are imported once per
    worker anyway, and a separate interpreter would import workflows, moto and the plugins again."""
    items, calls = pytester.inline_genitems("-n", "0", "-p", "no:randomly", str(ROOT / "tests" / "conformance"))
    failed = [r for r in calls.getreports("pytest_collectreport") if r.failed]
    assert not failed, "\n".join(str(r.longrepr) for r in failed)
    assert all(item.nodeid.startswith("tests/conformance/") for item in items), items[:3]
    return Counter(Path(item.nodeid.split("::", 1)[0]).name for item in items)


def table(counts: Counter[str]) -> str:
    rows = ["| Group | Module | Cases |", "|---|---|---:|"]
    rows += [f"| {group} | `tests/conformance/{module}` | {counts[module]} |" for module, group in GROUPS.items()]
    rows.append(f"| **All** | | **{sum(counts.values())}** |")
    return "\n".join(rows)


def test_every_conformance_module_has_a_group() -> None:
    modules = {p.name for p in (ROOT / "tests" / "conformance").glob("test_*.py")}
    assert modules == set(GROUPS), f"name the group of {sorted(modules - set(GROUPS))} in GROUPS"


def test_readme_table_is_the_collected_count_per_group(pytester: pytest.Pytester) -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README.md lacks the conformance table between {START} and {END}"
    expected = table(collected_counts(pytester))
    assert found.group(1).strip() == expected, f"README's conformance table is stale; it should read:\n{expected}"
