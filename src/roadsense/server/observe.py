"""One pure-ASGI middleware around every request: body-size limit, latency, access log."""

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
        length = _header(scope, b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            if scope["path"] == "/v1/batches":
                self.metrics.rejects.labels("too_large").inc()
            response = error_response(
                413, f"the upload is larger than {self.max_body_bytes} bytes; send smaller batches"
            )
            await response(scope, receive, send)
            self._record(scope, 413, started)
            return

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            self._record(scope, status, started)

    def _record(self, scope: Scope, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = (
            scope.get("roadsense.route") or getattr(scope.get("route"), "path", None) or "unmatched"
        )
        self.metrics.latency.labels(route, scope["method"]).observe(elapsed)
        self.metrics.responses.labels(route, str(status)).inc()
        if self.access_log:
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
