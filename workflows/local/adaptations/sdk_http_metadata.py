"""Adaptation: optimized integrations' results carry ``SdkHttpMetadata`` and ``SdkResponseMetadata``.

Step Functions' optimized integrations (``arn:aws:states:::dynamodb:putItem``, ``sns:publish``,
``sqs:sendMessage``, ``states:startExecution``) return the service response together with the
HTTP metadata of the AWS SDK for Java v1 they use (AWS, recorded)::

    "SdkHttpMetadata": {"AllHttpHeaders": {"Content-Type": ["application/x-amz-json-1.0"], ...},
                        "HttpHeaders": {"Content-Type": "application/x-amz-json-1.0", ...},
                        "HttpStatusCode": 200},
    "SdkResponseMetadata": {"RequestId": "..."}

moto drops the response metadata. A botocore ``after-call`` handler on task clients keeps the
last call's status, headers and request id (per thread: a task's call runs in its own thread),
and the optimized classes add them to their result. AWS SDK integrations (``aws-sdk:*``) return
no such fields, and neither do ``.sync`` results (a DescribeExecution) or mocked responses.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable

from botocore.client import BaseClient

from workflows.local.adaptations._patching import import_module, is_patched, mark, require_attr

NAME = "sdk_http_metadata"
_SERVICE = "moto.stepfunctions.parser.asl.component.state.exec.state_task.service"
OPTIMIZED: dict[str, str] = {
    "state_task_service_dynamodb": "StateTaskServiceDynamoDB",
    "state_task_service_sfn": "StateTaskServiceSfn",
    "state_task_service_sns": "StateTaskServiceSns",
    "state_task_service_sqs": "StateTaskServiceSqs",
}
_MARK = "_workflows_sdk_http_metadata"
_last = threading.local()


def remember(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
    """botocore ``after-call`` handler: keep this thread's last response metadata."""
    headers = dict(getattr(http_response, "headers", {}) or {})
    request_id = (parsed.get("ResponseMetadata") or {}).get("RequestId") or headers.get("x-amzn-RequestId", "")
    _last.value = (int(getattr(http_response, "status_code", 200)), headers, str(request_id))


def prepare(client: BaseClient) -> BaseClient:
    """Register the handler on a task client (once)."""
    if not getattr(client, _MARK, False):
        client.meta.events.register("after-call.*.*", remember)
        setattr(client, _MARK, True)
    return client


def metadata(status: int, headers: dict[str, str], request_id: str) -> dict[str, Any]:
    """The two fields an optimized integration adds to its result, in AWS's shape."""
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {name: [value] for name, value in headers.items()},
            "HttpHeaders": dict(headers),
            "HttpStatusCode": status,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _result_wrapper(original: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(original)
    def _eval_service_task(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
        _last.value = None
        original(self, env, *args, **kwargs)
        captured = getattr(_last, "value", None)
        if captured is not None and env.stack and isinstance(env.stack[-1], dict):
            env.stack[-1].update(metadata(*captured))

    return mark(_eval_service_task, NAME, original)


def install() -> None:
    """Wrap the optimized integrations' service calls (idempotent)."""
    for module_name, class_name in OPTIMIZED.items():
        cls = require_attr(NAME, import_module(NAME, f"{_SERVICE}.{module_name}"), class_name)
        method = require_attr(NAME, cls, "_eval_service_task")
        if not is_patched(method, NAME):
            cls._eval_service_task = _result_wrapper(method)
