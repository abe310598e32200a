"""One pure-ASGI middleware around every request: body-size limit, latency, access log.

The upload, answered ahead of the framework (:class:`roadsense.server.ingest.IngestFastPath`),
calls the same two steps, :func:`declared_too_large` and :func:`record_request`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from roadsense.server.errors import error_response
from roadsense.server.metrics import Metrics

access = logging.getLogger("roadsense.access")


class ObserveRequests:
    """Refuses oversized bodies (413) and records every request's latency and status."""

    def __init__(
        self, app: ASGIApp, *, metrics: Metrics, max_body_bytes: int, access_log: bool
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body_bytes = max_body_bytes
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        if declared_too_large(scope, self.max_body_bytes):
            response = error_response(413, too_large_message(self.max_body_bytes))
            await response(scope, receive, send)
            record_request(self.metrics, self.access_log, scope, 413, started)
            return

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            record_request(self.metrics, self.access_log, scope, status, started)


def declared_too_large(scope: Scope, max_body_bytes: int) -> bool:
    """Whether the request's ``Content-Length`` is over ``max_body_bytes`` (or not a number)."""
    length = _header(scope, b"content-length")
    return length is not None and (not length.isdigit() or int(length) > max_body_bytes)


def too_large_message(max_body_bytes: int) -> str:
    """The 413's message."""
    return f"the upload is larger than {max_body_bytes} bytes; send smaller batches"


def record_request(
    metrics: Metrics, access_log: bool, scope: Scope, status: int, started: float
) -> None:
    """Count the answered request, its latency since ``started`` and, if asked, log it."""
    elapsed = time.perf_counter() - started
    route = scope.get("roadsense.route") or getattr(scope.get("route"), "path", None) or "unmatched"
    metrics.observe_request(route, scope["method"], status, elapsed)
    if access_log:
        access.info(
            "%s %s %d",
            scope["method"],
            scope["path"],
            status,
            extra={
                "method": scope["method"],
                "path": scope["path"],
                "route": route,
                "status": status,
                "ms": round(elapsed * 1000, 2),
                "client": _client(scope),
                "device": scope.get("state", {}).get("device_id"),
            },
        )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _client(scope: Scope) -> Any:
    client = scope.get("client")
    return client[0] if client else None
