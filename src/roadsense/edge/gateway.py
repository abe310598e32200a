"""The gateway of one vehicle: an :class:`Outbox` and the :class:`Uploader` that empties it.

Producers (the warning engine, the GPS reader) call :meth:`Gateway.submit`; one thread runs
:meth:`Gateway.run` with a stop event. Use it as a context manager so the outbox is closed.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType

import httpx

from roadsense.edge.backoff import Backoff
from roadsense.edge.outbox import AnyRecord, Outbox, OutboxStats
from roadsense.edge.uploader import Uploader, UploadStats


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
    ) -> None:
        self.device_id = device_id
        self.outbox = Outbox(path, device_id)
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
            )
        except BaseException:
            self.outbox.close()
            raise

    def submit(self, records: Iterable[AnyRecord]) -> int:
        """Store records durably for upload; returns how many were stored."""
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
