"""The uploader: sends the outbox's batches to the city's ingest API, one at a time.

``POST {server_url}/v1/batches`` with a bearer token. What each answer does:

- 200/201 (``stored`` or ``duplicate``): acknowledged, the batch is marked sent.
- 429: wait as ``Retry-After`` says (seconds or an HTTP date), else back off; then go on at
  the steady pace of the rate limit, without a burst.
- 5xx, other 4xx, connection errors, timeouts: capped exponential backoff with full jitter
  (a 503's ``Retry-After`` is honoured when longer); the same batch (same id, same items) is
  offered again.
- 400/422: the server calls the batch invalid; it is set aside (dead-letter table), logged
  as an error and reported in the outbox's ``DeviceStatus``, and the queue goes on.
- 409: an event id of the batch is stored with other content (another vehicle may have
  claimed it); never taken as success: set aside and reported like a 422.
- 413: the batch is too large; it is split (its records go back to the queue and later
  batches are half as large) unless it holds a single record, which is set aside.
- 401/403: the token is wrong or revoked; logged as an error and retried only after the
  longest backoff, since retrying fast cannot help.

Pacing: one request at a time, and at most :class:`RateLimit` requests a second (a token
bucket: a burst, then a steady rate), so a gateway catching up after hours offline does not
flood the server. A full outbox (:class:`OutboxFullError` while forming or setting aside a
batch) is retried with backoff like a failed request.
"""

from __future__ import annotations

import logging
import random
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from roadsense.edge.transport.backoff import Backoff, RateLimit, TokenBucket
from roadsense.edge.transport.disk_policy import OutboxFullError
from roadsense.edge.transport.outbox import Outbox
from roadsense.edge.transport.sqlite_queue import PendingBatch

logger = logging.getLogger(__name__)

OutcomeStatus = Literal["sent", "empty", "retry", "rejected"]

MAX_RETRY_AFTER_S = 3600.0
"""The longest ``Retry-After`` honoured; a longer one is cut to this."""

DEFAULT_RATE_LIMIT = RateLimit(per_s=5.0, burst=20)
"""The uploader's pace unless told otherwise: 20 requests at once, then 5 a second."""

_REJECTED = frozenset({400, 409, 422})
_AUTH = frozenset({401, 403})


@dataclass(frozen=True)
class UploadOutcome:
    """What one attempt did. ``delay_s`` is how long to wait before the next attempt."""

    status: OutcomeStatus
    delay_s: float = 0.0
    batch_id: uuid.UUID | None = None
    http_status: int | None = None
    detail: str = ""


@dataclass
class UploadStats:
    """Counters of one :meth:`Uploader.run`."""

    sent_batches: int = 0
    sent_records: int = 0
    duplicates: int = 0
    """Acknowledged batches the server already had (a re-send after a lost ack)."""
    rejected_batches: int = 0
    rejected_records: int = 0
    split_batches: int = 0
    retries: int = 0
    paced_waits: int = 0
    """Times :meth:`Uploader.run` waited for the rate limit before a request."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)


def _error_text(response: httpx.Response) -> str:
    """The server's error message in the project's error shape, else the start of the body."""
    try:
        error = response.json()["error"]
        return f"{response.status_code} {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{response.status_code}: {response.text[:200]}"


class Uploader:
    """Moves batches from an :class:`Outbox` to the server until stopped."""

    def __init__(
        self,
        outbox: Outbox,
        server_url: str,
        token: str,
        device_id: str,
        *,
        max_items: int = 1000,
        backoff: Backoff | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
        seed: int | None = None,
        idle_s: float = 1.0,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
    ) -> None:
        """``rate_limit=None`` sends as fast as the server answers (still one at a time)."""
        self.outbox = outbox
        self.url = server_url.rstrip("/") + "/v1/batches"
        self.device_id = device_id
        self.max_items = max_items
        self.backoff = backoff or Backoff()
        self.idle_s = idle_s
        """How long :meth:`run` waits before looking again when the outbox is empty."""
        self._owns_client = client is None
        self._client = client or httpx.Client(timeout=timeout_s)
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "User-Agent": "roadsense-edge",
        }
        self._rng = random.Random(seed)
        self._bucket = None if rate_limit is None else TokenBucket(rate_limit)
        self._failures = 0
        """Consecutive failed attempts: the backoff exponent."""
        self.stats = UploadStats()

    def _retry(
        self,
        batch_id: uuid.UUID | None,
        detail: str,
        code: int | None = None,
        at_least_s: float = 0.0,
    ) -> UploadOutcome:
        delay = max(at_least_s, self.backoff.delay(self._failures, self._rng))
        self._failures += 1
        self.stats.retries += 1
        logger.warning("batch %s not delivered (%s); retry in %.1f s", batch_id, detail, delay)
        return UploadOutcome("retry", delay, batch_id, code, detail)

    def upload_once(self) -> UploadOutcome:
        """Offer the next batch to the server once and act on its answer."""
        try:
            batch = self.outbox.next_batch(self.max_items)
            if batch is None:
                return UploadOutcome("empty")
            return self._offer(batch)
        except OutboxFullError as exc:
            return self._retry(None, str(exc))

    def _offer(self, batch: PendingBatch) -> UploadOutcome:
        bid = batch.batch_id
        if self._bucket is not None:
            self._bucket.take()
        try:
            response = self._client.post(
                self.url, content=batch.to_body(self.device_id), headers=self._headers
            )
        except httpx.TransportError as exc:
            return self._retry(bid, f"{type(exc).__name__}: {exc}")
        code = response.status_code
        if code in (200, 201):
            return self._acknowledged(batch, response)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if code == 429:
            if retry_after is None:
                outcome = self._retry(bid, "429 without Retry-After", code)
            else:
                self.stats.retries += 1
                logger.info("server busy (429); batch %s again in %.1f s", bid, retry_after)
                outcome = UploadOutcome("retry", retry_after, bid, code, "429 Too Many Requests")
            if self._bucket is not None:  # after the wait, the steady pace: no burst
                self._bucket.pause(outcome.delay_s)
            return outcome
        detail = _error_text(response)
        if code in _REJECTED or (code == 413 and len(batch.items_json) <= 1):
            self.outbox.set_aside(batch.batch_id, detail)
            self._failures = 0
            self.stats.rejected_batches += 1
            self.stats.rejected_records += len(batch.items_json)
            return UploadOutcome("rejected", 0.0, bid, code, detail)
        if code == 413:
            self.max_items = max(1, len(batch.items_json) // 2)
            self.outbox.release(batch.batch_id)
            self.stats.split_batches += 1
            logger.warning("batch %s too large; batches now of %d", bid, self.max_items)
            return UploadOutcome("retry", 0.0, bid, code, detail)
        if code in _AUTH:
            delay = self.backoff.cap_s
            self.stats.retries += 1
            logger.error(
                "upload refused (%s); check the device token; retry in %.0f s", detail, delay
            )
            return UploadOutcome("retry", delay, bid, code, detail)
        if code == 503 and retry_after is not None:
            return self._retry(bid, detail, code, at_least_s=retry_after)
        return self._retry(bid, detail, code)

    def _acknowledged(self, batch: PendingBatch, response: httpx.Response) -> UploadOutcome:
        bid = batch.batch_id
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        acked = answer.get("batch_id", str(bid)) if isinstance(answer, dict) else str(bid)
        if acked != str(bid):
            return self._retry(bid, f"server acknowledged batch {acked!r}", response.status_code)
        status = answer.get("status") if isinstance(answer, dict) else None
        self.outbox.mark_sent(batch.batch_id)
        self._failures = 0
        self.stats.sent_batches += 1
        self.stats.sent_records += len(batch.items_json)
        if status == "duplicate":
            self.stats.duplicates += 1
        logger.debug("batch %s acknowledged (%s)", bid, status)
        return UploadOutcome("sent", 0.0, bid, response.status_code, str(status or ""))

    def run(self, stop: threading.Event, *, until_empty: bool = False) -> UploadStats:
        """Upload until ``stop`` is set (or, with ``until_empty``, until nothing is pending).

        Waits for the rate limit before each attempt, so requests never come faster than it.
        """
        while not stop.is_set():
            pause = 0.0 if self._bucket is None else self._bucket.wait_s()
            if pause > 0.0:
                self.stats.paced_waits += 1
                stop.wait(pause)
                continue
            outcome = self.upload_once()
            if outcome.status == "empty":
                if until_empty:
                    break
                stop.wait(self.idle_s)
            elif outcome.status == "retry" and outcome.delay_s > 0:
                stop.wait(outcome.delay_s)
        return self.stats

    def close(self) -> None:
        """Close the HTTP client if this uploader made it."""
        if self._owns_client:
            self._client.close()
