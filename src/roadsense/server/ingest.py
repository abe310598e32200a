"""``POST /v1/batches``: what gateways upload.

The device's token is checked first, from the headers and a short-lived cache, before the
body is read or an upload slot is taken, so a request without a valid token costs almost
nothing and cannot hold a slot; then the body, which must arrive within a time limit, is
read strictly (no repeated keys, finite numbers only:
:func:`roadsense.schema.upload_json.parse_batch`), validated (strict types, physical
bounds) and its times checked against the server's clock window (``upload_max_ahead_s``,
``upload_max_age_days``). An invalid batch is refused whole, naming its bad items; a valid
one is queued for the store's writer and acknowledged once committed. A full queue answers
429 with ``Retry-After``, and the gateway's outbox keeps the batch. A batch that repeats a
stored event id with other content is refused with 409 (:mod:`roadsense.store.event_claims`).

The upload is the one hot path (a city's fleet sends 1,600 a second), so
:class:`IngestFastPath` answers it in plain ASGI, ahead of FastAPI's middleware, routing
and dependency machinery; the FastAPI route below (reached only by an app that does not
call the fast path) does the same through :func:`accept_upload` and carries the
operation's OpenAPI description.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError
from starlette.types import Receive, Scope, Send

from roadsense.schema import AdasEvent, Batch
from roadsense.schema.upload_json import UploadJsonError, parse_batch
from roadsense.server.auth import authenticate_device
from roadsense.server.errors import ApiError, error_response
from roadsense.server.observe import declared_too_large, record_request, too_large_message
from roadsense.server.security_headers import HEADERS as SECURITY_HEADERS
from roadsense.server.settings import Settings
from roadsense.server.state import AppState, get_state
from roadsense.store import Device, StoreBusy, StoreError
from roadsense.store.rows import storage_problems

log = logging.getLogger(__name__)
router = APIRouter(prefix="/v1", tags=["ingest"])

PATH = "/v1/batches"
MAX_DETAILS = 50
"""The most problems listed in one error answer."""


class BatchAck(BaseModel):
    """The server's acknowledgement: the batch is durably stored (or was already)."""

    batch_id: str
    status: Literal["stored", "duplicate"]
    counts: dict[str, int]


def _problems(exc: ValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", *err.get("loc", ())], "msg": err.get("msg", ""), "type": err.get("type")}
        for err in exc.errors(include_url=False, include_input=False)[:MAX_DETAILS]
    ]


def _invalid(problems: list[dict[str, Any]]) -> ApiError:
    return ApiError(
        422,
        f"the batch is invalid ({len(problems)} problem(s)); nothing of it was stored",
        code="validation_error",
        details=problems[:MAX_DETAILS],
    )


def _conflict(batch: Batch, event_ids: tuple[uuid.UUID, ...]) -> ApiError:
    clashing = set(event_ids)
    details = [
        {
            "loc": ["body", "items", i, "event_id"],
            "msg": f"event id {item.event_id} is already stored with other content "
            "(another vehicle's, onset or measurements)",
        }
        for i, item in enumerate(batch.items)
        if isinstance(item, AdasEvent) and item.event_id in clashing
    ]
    return ApiError(
        409,
        f"{len(clashing)} event id(s) are already stored with other content; "
        "nothing of the batch was stored",
        code="event_conflict",
        details=details[:MAX_DETAILS],
    )


def _parse(body: bytes, state: AppState) -> Batch:
    """The upload's batch, read strictly and within the server's clock window; 422 if not."""
    try:
        batch = parse_batch(body)
    except UploadJsonError as exc:
        state.metrics.rejects.labels("invalid").inc()
        raise _invalid([{"loc": ["body"], "msg": str(exc), "type": "json_invalid"}]) from None
    except ValidationError as exc:
        state.metrics.rejects.labels("invalid").inc()
        raise _invalid(_problems(exc)) from None
    untimely = clock_window_problems(batch, state.settings, datetime.now(UTC))
    if untimely:
        state.metrics.rejects.labels("invalid").inc()
        raise _invalid(untimely)
    return batch


def clock_window_problems(batch: Batch, settings: Settings, now: datetime) -> list[dict[str, Any]]:
    """The times in ``batch`` outside the window the server takes around its clock ``now``:
    more than ``upload_max_ahead_s`` ahead, or more than ``upload_max_age_days`` ago."""
    latest = now + timedelta(seconds=settings.upload_max_ahead_s)
    earliest = now - timedelta(days=settings.upload_max_age_days)
    times = [item.time for item in batch.items]
    if batch.sent_at is not None:
        times.append(batch.sent_at)
    if earliest <= min(times) and max(times) <= latest:
        return []  # the usual case, found without a loop in Python
    problems: list[dict[str, Any]] = []

    def check(loc: list[Any], t: datetime) -> None:
        if t > latest:
            msg = f"time {t.isoformat()} is more than {settings.upload_max_ahead_s:g} s ahead"
        elif t < earliest:
            msg = f"time {t.isoformat()} is older than {settings.upload_max_age_days:g} days"
        else:
            return
        problems.append({"loc": ["body", *loc], "msg": msg + " of the server's clock"})

    if batch.sent_at is not None:
        check(["sent_at"], batch.sent_at)
    for i, item in enumerate(batch.items):
        check(["items", i, "time"], item.time)
    return problems


async def authenticate_upload(
    state: AppState, authorization: str | None, note: dict[str, Any]
) -> Device:
    """The uploading device, from the request's headers alone (before its body is read).

    Raises :class:`ApiError` 401. The device's id is written into ``note`` (the request's
    state) for the access log.
    """
    try:
        device = await authenticate_device(authorization, state)
    except ApiError:
        state.metrics.rejects.labels("unauthorized").inc()
        raise
    note["device_id"] = device.device_id
    return device


async def accept_upload(state: AppState, device: Device, body: bytes) -> bytes:
    """Validate and durably store one upload of an authenticated device; the
    acknowledgement's JSON.

    Raises :class:`ApiError` (403, 409, 422, 429, 503) with nothing stored.
    """
    metrics = state.metrics
    batch = _parse(body, state)
    if batch.device_id != device.device_id:
        metrics.rejects.labels("forbidden").inc()
        raise ApiError(
            403,
            f"this token belongs to device {device.device_id!r}, "
            f"not {batch.device_id!r}; nothing was stored",
        )
    foreign = [
        {
            "loc": ["body", "items", i, "vehicle_id"],
            "msg": f"not this device's vehicle: "
            f"{item.vehicle_id!r} (expected {device.vehicle_id!r})",
        }
        for i, item in enumerate(batch.items)
        if item.vehicle_id != device.vehicle_id
    ]
    if foreign:
        # 422, not 403: the token is fine, the batch is not; a gateway sets such a batch
        # aside and goes on, where a 403 would make it stop as if its token were revoked
        metrics.rejects.labels("foreign_vehicle").inc()
        raise ApiError(
            422,
            f"{len(foreign)} item(s) belong to another vehicle; nothing was stored",
            code="foreign_vehicle",
            details=foreign[:MAX_DETAILS],
        )
    unstorable = storage_problems(batch, body)
    if unstorable:
        metrics.rejects.labels("invalid").inc()
        raise ApiError(
            422,
            f"{len(unstorable)} item field(s) cannot be stored; nothing of the batch was stored",
            code="validation_error",
            details=unstorable[:MAX_DETAILS],
        )
    store = state.store
    try:
        waiter = store.submit_async(batch)
    except StoreBusy as exc:
        metrics.rejects.labels("busy").inc()
        raise ApiError(
            429, str(exc), headers={"Retry-After": str(round(exc.retry_after_s))}
        ) from None
    metrics.queue_depth.set(store.queue_depth())
    try:
        result = await waiter
    except StoreError as exc:
        metrics.rejects.labels("store_error").inc()
        raise ApiError(
            503, f"{exc}; the batch was not stored, send it again", headers={"Retry-After": "5"}
        ) from None
    if result.status == "conflict":
        metrics.rejects.labels("event_conflict").inc()
        raise _conflict(batch, result.conflicts)
    metrics.count_ingest(result.status, result.counts)
    ack = BatchAck(batch_id=str(result.batch_id), status=result.status, counts=result.counts)
    return ack.__pydantic_serializer__.to_json(ack)


@router.post(
    "/batches",
    response_model=BatchAck,
    summary="Upload a batch of records from one device",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Batch"}}},
        }
    },
    responses={
        401: {"description": "missing or unknown device token"},
        403: {"description": "the batch names another device than the token's"},
        409: {"description": "an event id is already stored with other content; nothing stored"},
        413: {"description": "the upload is too large"},
        422: {"description": "invalid batch (or items of another vehicle); nothing stored"},
        429: {"description": "the server is busy; retry after Retry-After seconds"},
        503: {"description": "the store cannot take the upload now; retry later"},
    },
)
async def post_batch(request: Request) -> Response:
    """Store a batch once; a batch id seen before is acknowledged as ``duplicate``."""
    state = get_state(request)
    note = request.scope.setdefault("state", {})
    device = await authenticate_upload(state, request.headers.get("authorization"), note)
    ack = await accept_upload(state, device, await request.body())
    return Response(ack, media_type="application/json")


CLOSE = {"Connection": "close"}
"""Sent with an answer given before the body was read: the connection is not reused."""


def is_upload(scope: Scope) -> bool:
    """Whether the request is ``POST /v1/batches`` (which :class:`IngestFastPath` answers)."""
    return bool(scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST")


class IngestFastPath:
    """Answers ``POST /v1/batches`` in plain ASGI, ahead of the framework's middleware and
    routing (the app calls it first, see :mod:`roadsense.server.app`); it observes the
    request (:mod:`roadsense.server.observe`) and sets the security headers itself.

    It also sheds load before it costs anything, in this order:

    1. a body declared larger than ``max_body_bytes`` is answered 413 unread;
    2. the device is authenticated from the headers, before the body is read: a request
       without a valid token is answered 401 (and its connection closed) at once and never
       holds an upload slot;
    3. when ``max_inflight_uploads`` uploads are in progress in this process (the CPU, not
       the write queue, is then the bottleneck), or this device already holds
       ``max_uploads_per_device`` of them, the upload is answered 429 with ``Retry-After``
       without being read;
    4. the body must arrive within ``body_timeout_s``; a slower one is answered 408, its
       connection closed and its slot freed.
    """

    def __init__(self, api: FastAPI) -> None:
        self.api = api
        self.inflight = 0
        self.per_device: Counter[str] = Counter()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        scope["roadsense.route"] = PATH
        state: AppState = self.api.state.roadsense
        status = 500
        try:
            status = await self._answer(scope, receive, send, state)
        finally:
            record_request(state.metrics, state.settings.access_log, scope, status, started)

    async def _answer(self, scope: Scope, receive: Receive, send: Send, state: AppState) -> int:
        """Answer the upload; the status sent (500 when the client went away first)."""
        settings = state.settings
        if declared_too_large(scope, settings.max_body_bytes):
            state.metrics.rejects.labels("too_large").inc()
            too_large = ApiError(413, too_large_message(settings.max_body_bytes))
            return await _send_error(send, too_large, too_large.headers)
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        try:
            device = await authenticate_upload(state, authorization, scope.setdefault("state", {}))
        except ApiError as exc:
            return await _send_error(send, exc, {**(exc.headers or {}), **CLOSE})
        busy = self._busy(state, device.device_id)
        if busy is not None:
            state.metrics.rejects.labels("busy").inc()
            return await _send_error(send, busy, busy.headers)
        self.inflight += 1
        self.per_device[device.device_id] += 1
        try:
            return await self._upload(receive, send, state, device)
        finally:
            self.inflight -= 1
            left = self.per_device[device.device_id] - 1
            if left:
                self.per_device[device.device_id] = left
            else:
                del self.per_device[device.device_id]

    def _busy(self, state: AppState, device_id: str) -> ApiError | None:
        """The 429 for an upload that may not take a slot now; None when it may."""
        settings = state.settings
        if self.inflight >= settings.max_inflight_uploads:
            retry = max(1, min(30, self.inflight // 128))
            return ApiError(
                429,
                f"{self.inflight} uploads are in progress; try again later",
                headers={"Retry-After": str(retry)},
            )
        held = self.per_device[device_id]
        if held >= settings.max_uploads_per_device:
            return ApiError(
                429,
                f"device {device_id!r} already has {held} uploads in progress; "
                "send them one after another",
                headers={"Retry-After": "1"},
            )
        return None

    async def _upload(self, receive: Receive, send: Send, state: AppState, device: Device) -> int:
        settings = state.settings
        try:
            async with asyncio.timeout(settings.body_timeout_s):
                body = await _read_body(receive, settings.max_body_bytes)
        except TimeoutError:
            state.metrics.rejects.labels("timeout").inc()
            slow = ApiError(
                408,
                f"the upload's body did not arrive within {settings.body_timeout_s:g} s; "
                "nothing was stored",
            )
            return await _send_error(send, slow, CLOSE)
        except _TooLargeError:
            state.metrics.rejects.labels("too_large").inc()
            too_large = ApiError(413, too_large_message(settings.max_body_bytes))
            return await _send_error(send, too_large, CLOSE)
        if body is None:
            return 500  # the client went away
        try:
            ack = await accept_upload(state, device, body)
        except ApiError as exc:
            return await _send_error(send, exc, exc.headers)
        except Exception:
            log.exception("unhandled error in an upload")
            failed = ApiError(500, "internal error; nothing of this upload was stored")
            return await _send_error(send, failed, None)
        return await _send_json(send, 200, ack, None)


class _TooLargeError(Exception):
    """The body is larger than allowed."""


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body; None when the client disconnects first. Raises :class:`_TooLargeError`."""
    chunks = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLargeError
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _send_error(send: Send, exc: ApiError, headers: dict[str, str] | None) -> int:
    """Send ``exc`` in the API's error shape with ``headers``; its status."""
    body = error_response(exc.status, exc.message, code=exc.code, details=exc.details).body
    return await _send_json(send, exc.status, bytes(body), headers)


async def _send_json(send: Send, status: int, body: bytes, headers: dict[str, str] | None) -> int:
    """Send a JSON answer with the security headers (and ``headers``); its status."""
    raw = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    if headers:
        raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    raw += SECURITY_HEADERS
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
    return status
