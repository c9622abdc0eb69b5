"""The execution viewer: machines, their graphs and what each execution did, in a browser.

``model`` reads an execution's history into what the page shows; ``layout`` lays out a machine's graph;
``source`` reads a Step Functions client; ``app`` serves the page and its JSON API (mounted on the endpoint
by ``workflows local``); ``report`` writes the same view as one standalone HTML file (the pytest plugin's).
"""

from workflows.local.viewer.model import execution_view
from workflows.local.viewer.report import report_html, write_report

__all__ = ["execution_view", "report_html", "write_report"]
