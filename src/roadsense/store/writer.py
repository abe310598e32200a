"""A bounded write queue drained by one thread that commits many uploads at once.

Uploads wait in a queue of fixed capacity; when it is full :meth:`GroupWriter.submit`
raises :class:`~roadsense.store.ingest_store.StoreBusy` at once (the API answers 429) instead of
letting memory and latency grow without bound. The writer takes what has queued up, up to
``max_group`` uploads, and commits them in one transaction (group commit); each upload's
future resolves only after that commit, so an acknowledgement means durable. A commit costs
the database a fixed few milliseconds whatever its size, so under load (the previous group
had more than one upload) the writer lingers up to ``linger_s`` after the first upload of
a group for more to arrive: at a fleet's rate this makes groups of a hundred or more
uploads, for a fraction of the CPU per upload and at most ``linger_s`` more latency. A
lone caller that waits for each upload in turn never lingers. A group that
fails is retried upload by upload, so one bad upload cannot take others down with it.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from roadsense.schema import Batch
from roadsense.store.errors import StoreError
from roadsense.store.ingest_store import IngestResult, StoreBusy

log = logging.getLogger(__name__)

CommitGroup = Callable[[list[Batch]], list[IngestResult]]
"""Stores the batches in one transaction and returns one result per batch, in order."""


class _Job:
    __slots__ = ("batch", "future")

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.future: Future[IngestResult] = Future()


class GroupWriter:
    """One writer thread fed by a bounded queue; see the module's docstring."""

    def __init__(
        self,
        name: str,
        commit: CommitGroup,
        *,
        capacity: int = 1024,
        max_group: int = 64,
        linger_s: float = 0.0,
    ) -> None:
        if capacity < 1 or max_group < 1:
            raise ValueError("capacity and max_group must be at least 1")
        if not 0.0 <= linger_s <= 1.0:
            raise ValueError("linger_s must be between 0 and 1 second")
        self._commit = commit
        self.capacity = capacity
        self.max_group = max_group
        self.linger_s = linger_s
        self._queue: queue.Queue[_Job | None] = queue.Queue(maxsize=capacity)
        self._closed = False
        self._rate = 0.0
        """Uploads committed per second, smoothed; what Retry-After is estimated from."""
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def submit(self, batch: Batch) -> Future[IngestResult]:
        """Queue a batch; the future resolves once it is committed. Raises StoreBusy when full."""
        if self._closed:
            raise StoreError("the store is closed")
        job = _Job(batch)
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise StoreBusy(
                f"the write queue is full ({self.capacity} uploads waiting); try again later",
                self.retry_after_s(),
            ) from None
        return job.future

    def depth(self) -> int:
        """Uploads waiting for the writer."""
        return self._queue.qsize()

    def retry_after_s(self) -> float:
        """Seconds until the queue has probably drained to half, at least 1, at most 30."""
        rate = self._rate or 1.0
        return float(min(30, max(1, math.ceil(self.depth() / 2 / rate))))

    def close(self) -> None:
        """Commit what is queued, then stop the thread."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(None)
        self._thread.join()

    def _loop(self) -> None:
        loaded = False
        while True:
            job = self._queue.get()
            if job is None:
                return
            group = [job]
            stop = False
            deadline = time.monotonic() + (self.linger_s if loaded else 0.0)
            while len(group) < self.max_group:
                try:
                    wait = deadline - time.monotonic()
                    nxt = self._queue.get(timeout=wait) if wait > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                group.append(nxt)
            loaded = len(group) > 1
            started = time.monotonic()
            self._commit_group(group)
            elapsed = max(time.monotonic() - started, 1e-4)
            self._rate = (
                0.8 * self._rate + 0.2 * (len(group) / elapsed)
                if self._rate
                else (len(group) / elapsed)
            )
            if stop:
                return

    def _commit_group(self, group: list[_Job]) -> None:
        try:
            results = self._commit([job.batch for job in group])
        except Exception as exc:
            if len(group) == 1:
                log.exception("an upload could not be stored")
                group[0].future.set_exception(
                    StoreError(f"the upload could not be stored: {type(exc).__name__}")
                )
                return
            log.warning("group commit of %d uploads failed (%s); one by one", len(group), exc)
            for job in group:
                self._commit_group([job])
            return
        for job, result in zip(group, results, strict=True):
            job.future.set_result(result)
