"""The viewer as one self-contained HTML file: the page, its script and style, and the executions' data.

Why one file: a CI artifact is opened from disk, without a server or network; the same script renders it
as it renders the endpoint's pages (it finds the data in the page instead of asking the API).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Iterable

from workflows.local.viewer.app import static_text


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no ``</script>`` or ``<!--`` can end or change it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def report_html(title: str, executions: Iterable[dict[str, Any]], subtitle: str = "") -> str:
    """A standalone page showing ``executions`` (views from ``model.execution_view``)."""
    data = {"title": title, "subtitle": subtitle, "executions": list(executions)}
    page = static_text("index.html")
    page = page.replace('<link rel="stylesheet" href="static/viewer.css">', f"<style>\n{static_text('viewer.css')}</style>")
    page = page.replace("<title>saas-workflows · executions</title>", f"<title>{html.escape(title)}</title>")
    script = static_text("viewer.js").replace("</script", "<\\/script")
    page = page.replace('<script src="static/viewer.js"></script>',
                        f'<script type="application/json" id="viewer-data">{_script_json(data)}</script>\n'
                        f"<script>\n{script}</script>")
    return page


def write_report(path: str | Path, title: str, executions: Iterable[dict[str, Any]], subtitle: str = "") -> Path:
    """Write ``report_html`` to ``path`` (folders made as needed); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(report_html(title, executions, subtitle), encoding="utf-8")
    return target
