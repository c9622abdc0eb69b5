"""`workflows local` serves the viewer on its own port under /ui/ (or alone on --ui-port) without taking
any AWS request from the endpoint. Only unsigned GETs of / and /ui/... are the viewer's; no S3 bucket can be
named "ui" (bucket names have 3 to 63 characters), and signed requests always reach their service."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

import pytest

from workflows.local.server import LocalEndpoint

pytestmark = pytest.mark.xdist_group("local-endpoint")

PASS = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})


def _get(url: str, accept: str = "application/json") -> tuple[int, Any, dict[str, str]]:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, headers={"Accept": accept}), timeout=10) as response:
            body = response.read()
            return response.status, body, dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_viewer_answers_under_ui_and_aws_requests_still_reach_their_services() -> None:
    with LocalEndpoint(machines=[("pass", PASS, "EXPRESS")]) as endpoint:
        sfn = endpoint.client("stepfunctions")
        answer = sfn.start_sync_execution(stateMachineArn=endpoint.machines[0].arn, input='{"a": 1}')
        status, body, _ = _get(f"{endpoint.url}/ui/api/machines")
        assert status == 200
        [machine] = json.loads(body)["machines"]
        assert {k: machine[k] for k in ("name", "type", "queryLanguage", "stateCount", "executions")} == {
            "name": "pass", "type": "EXPRESS", "queryLanguage": "JSONPath", "stateCount": 1, "executions": 1}
        status, body, _ = _get(f"{endpoint.url}/ui/api/execution?arn={answer['executionArn']}")
        assert status == 200 and json.loads(body)["states"] == {"P": {"succeeded": 1}}
        status, body, _ = _get(f"{endpoint.url}/ui/api/execution?arn=arn:aws:states:us-east-1:123456789012:"
                               "execution:pass:nope")
        assert status == 404 and "nope" in json.loads(body)["error"]
        status, body, headers = _get(f"{endpoint.url}/ui/", accept="text/html")
        assert status == 200 and b'<script src="static/viewer.js">' in body
        assert _get(f"{endpoint.url}/", accept="text/html")[2].get("Location") == "/ui/"
        status, body, headers = _get(f"{endpoint.url}/ui/static/viewer.js")
        assert status == 200 and headers["Content-Type"].startswith("text/javascript")
        s3 = endpoint.client("s3")
        s3.create_bucket(Bucket="uix")
        s3.put_object(Bucket="uix", Key="ui/static/viewer.js", Body=b"not the viewer")
        assert s3.get_object(Bucket="uix", Key="ui/static/viewer.js")["Body"].read() == b"not the viewer"
        assert b"not the viewer" not in _get(f"{endpoint.url}/ui/static/viewer.js")[1]


def test_ui_port_serves_the_viewer_alone() -> None:
    port = _free_port()
    with LocalEndpoint(machines=[("pass", PASS, "STANDARD")], ui_port=port) as endpoint:
        assert endpoint.viewer_url == f"http://127.0.0.1:{port}/ui/"
        status, body, _ = _get(f"{endpoint.viewer_url}api/machines")
        assert status == 200 and [m["name"] for m in json.loads(body)["machines"]] == ["pass"]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/ui/", timeout=2)


# The CLI's ready text naming the viewer, and --ui-port serving it next to the endpoint, are checked on the
# one `workflows local` process of tests/test_cli_first_hour.py (each start creates every machine).


def test_a_taken_ui_port_is_one_error_line_naming_ui_port() -> None:
    import subprocess
    import sys

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        ui_port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "workflows", "local", "--port", "0", "--ui-port", str(ui_port)],
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: port {ui_port} on 127.0.0.1 is in use; choose another --ui-port, or leave it out to serve the "
        "viewer under /ui/ on the endpoint's port")
