"""The README's table of conformance cases per group is the suite's own count (it cannot go stale).

Issue 13 asks for the count per group (grouped like the ASL spec) in the README. The groups are the
modules of ``tests/conformance/``; the counts are what pytest collects there (parametrized cases count
one each), so adding or removing a case without updating the table fails here, with the table to paste.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

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


def collected_counts() -> Counter[str]:
    """Cases pytest collects in tests/conformance, per module."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-n", "0", "-p", "no:randomly", "tests/conformance"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return Counter(Path(line.split("::", 1)[0]).name for line in done.stdout.splitlines() if "::" in line)


def table(counts: Counter[str]) -> str:
    rows = ["| Group | Module | Cases |", "|---|---|---:|"]
    rows += [f"| {group} | `tests/conformance/{module}` | {counts[module]} |" for module, group in GROUPS.items()]
    rows.append(f"| **All** | | **{sum(counts.values())}** |")
    return "\n".join(rows)


def test_every_conformance_module_has_a_group() -> None:
    modules = {p.name for p in (ROOT / "tests" / "conformance").glob("test_*.py")}
    assert modules == set(GROUPS), f"name the group of {sorted(modules - set(GROUPS))} in GROUPS"


def test_readme_table_is_the_collected_count_per_group() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(re.escape(START) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README.md lacks the conformance table between {START} and {END}"
    expected = table(collected_counts())
    assert found.group(1).strip() == expected, f"README's conformance table is stale; it should read:\n{expected}"
