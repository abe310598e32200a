"""A real HTTP ingest server for the uploader tests, on 127.0.0.1 and a free port.

It validates every body as a ``roadsense.schema.Batch``, stores each batch id once (a repeat
is answered 200 "duplicate", as the real server does), answers 422 for a batch holding a
record of the vehicle ``POISON`` and 409 for one repeating a stored event id with other
content (as the real server does), and can be scripted to answer the next requests otherwise
(503, 429 with ``Retry-After``, 413, or ``drop``: store the batch, then close the connection
without answering, i.e. a lost acknowledgement).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import ValidationError

from roadsense.schema import Batch

TOKEN = "test-token"
POISON = "POISON"


@dataclass(frozen=True)
class Reply:
    """A scripted answer: a status with headers, or ``drop`` (store, then no answer)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False


@dataclass(frozen=True)
class Received:
    """One request the server got."""

    batch_id: str
    n_items: int
    status: int
    authorization: str
    at: float = 0.0
    """``time.monotonic()`` when the request arrived."""


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client killed mid-request is what the crash test does; say nothing."""


class ScriptedServer:
    """The server's state; :meth:`start` serves it from a thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.script: list[Reply] = []
        self.received: list[Received] = []
        self.stored: dict[str, list[dict[str, Any]]] = {}
        """Batch id -> its items, each batch once."""
        self.events: dict[str, dict[str, Any]] = {}
        """Event id -> the event stored under it (a test may plant one, as a claim)."""
        self.mismatched_repeats: list[str] = []
        """Batch ids sent again with other items than the first time (must stay empty)."""
        self.after_ack: Callable[[], None] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        """The most requests the server was handling at once."""
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self, port: int = 0) -> ScriptedServer:
        handler = type("Handler", (_Handler,), {"state": self})
        self._httpd = _QuietServer(("127.0.0.1", port), handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def statuses(self) -> list[int]:
        with self.lock:
            return [r.status for r in self.received]

    def stored_items(self) -> list[dict[str, Any]]:
        with self.lock:
            return [item for items in self.stored.values() for item in items]


class _Handler(BaseHTTPRequestHandler):
    state: ScriptedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _error(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        self._send(status, {"error": {"code": code, "message": code, "details": []}}, headers)

    def do_POST(self) -> None:
        arrived = time.monotonic()
        with self.state.lock:
            self.state.in_flight += 1
            self.state.max_in_flight = max(self.state.max_in_flight, self.state.in_flight)
        try:
            self._post(arrived)
        finally:
            with self.state.lock:
                self.state.in_flight -= 1

    def _post(self, arrived: float) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        auth = self.headers.get("Authorization", "")
        state = self.state
        if self.path != "/v1/batches":
            self._error(404, "not_found")
            return
        try:
            batch = Batch.model_validate_json(raw)
        except ValidationError:
            self._error(422, "invalid_batch")
            return
        bid = str(batch.batch_id)
        items = json.loads(raw)["items"]
        with state.lock:
            reply = state.script.pop(0) if state.script else None
            if auth != f"Bearer {TOKEN}":
                status = 401
            elif reply is not None and not reply.drop:
                status = reply.status
            elif any(item.get("vehicle_id") == POISON for item in items):
                status = 422
            elif any(state.events.get(item.get("event_id", ""), item) != item for item in items):
                status = 409
            elif bid in state.stored:
                status = 200
                if state.stored[bid] != items:
                    state.mismatched_repeats.append(bid)
            else:
                status = 201
                state.stored[bid] = items
                state.events |= {i["event_id"]: i for i in items if i["kind"] == "event"}
            state.received.append(Received(bid, len(items), status, auth, arrived))
            hook = state.after_ack if status in (200, 201) else None
        if reply is not None and reply.drop and status in (200, 201):
            self.close_connection = True
            self.connection.close()
            return
        if status in (200, 201):
            answer = "stored" if status == 201 else "duplicate"
            self._send(status, {"batch_id": bid, "status": answer, "items": len(items)})
        elif status == 401:
            self._error(401, "unauthorized")
        elif reply is not None:
            self._error(status, f"scripted_{status}", reply.headers)
        elif status == 409:
            self._error(409, "event_conflict")
        else:
            self._error(422, "invalid_record")
        if hook is not None:
            hook()
