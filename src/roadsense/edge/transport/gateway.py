"""The gateway of one vehicle: an :class:`Outbox` and the :class:`Uploader` that empties it.

Producers (the warning engine, the GPS reader) call :meth:`Gateway.submit`; one thread runs
:meth:`Gateway.run` with a stop event. Use it as a context manager so the outbox is closed.

Give a real gateway ``max_bytes`` (what the outbox may take of the device's storage) and its
``vehicle_id``: a full outbox then drops its oldest positions, never an event, and reports
that to the server in a ``DeviceStatus``; see ``docs/gateway-outbox.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import httpx

from roadsense.edge.transport.backoff import Backoff, RateLimit
from roadsense.edge.transport.outbox import Outbox
from roadsense.edge.transport.sqlite_queue import OutboxStats
from roadsense.edge.transport.uploader import DEFAULT_RATE_LIMIT, Uploader, UploadStats
from roadsense.schema import AnyRecord


class Gateway:
    """One vehicle's durable outbox and uploader."""

    def __init__(
        self,
        path: Path,
        device_id: str,
        server_url: str,
        token: str,
        *,
        max_items: int = 1000,
        backoff: Backoff | None = None,
        client: httpx.Client | None = None,
        timeout_s: float = 10.0,
        seed: int | None = None,
        idle_s: float = 1.0,
        vehicle_id: str | None = None,
        max_bytes: int | None = None,
        rate_limit: RateLimit | None = DEFAULT_RATE_LIMIT,
    ) -> None:
        """``vehicle_id`` and ``max_bytes`` go to the :class:`Outbox`, the rest to the
        :class:`Uploader`."""
        self.device_id = device_id
        self.outbox = Outbox(path, device_id, vehicle_id=vehicle_id, max_bytes=max_bytes)
        try:
            self.uploader = Uploader(
                self.outbox,
                server_url,
                token,
                device_id,
                max_items=max_items,
                backoff=backoff,
                client=client,
                timeout_s=timeout_s,
                seed=seed,
                idle_s=idle_s,
                rate_limit=rate_limit,
            )
        except BaseException:
            self.outbox.close()
            raise

    def submit(self, records: Iterable[AnyRecord]) -> int:
        """Store records durably for upload; returns how many were stored.

        Fewer than given only when the outbox is full (it then drops positions, never
        events); raises :class:`~.disk_policy.OutboxFullError`, having stored
        nothing, when even the events do not fit.
        """
        return self.outbox.add(records)

    def run(self, stop: threading.Event, *, until_empty: bool = False) -> UploadStats:
        """Run the uploader loop until ``stop`` is set (or the outbox is empty)."""
        return self.uploader.run(stop, until_empty=until_empty)

    def stats(self) -> OutboxStats:
        """The outbox's counters."""
        return self.outbox.stats()

    def close(self) -> None:
        """Close the uploader's HTTP client and the outbox."""
        try:
            self.uploader.close()
        finally:
            self.outbox.close()

    def __enter__(self) -> Gateway:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
