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

import asyncio
import contextlib
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from roadsense.schema import Batch
from roadsense.store.errors import StoreError
from roadsense.store.ingest_store import IngestResult, StoreBusy

log = logging.getLogger(__name__)

CommitGroup = Callable[[list[Batch]], list[IngestResult]]
"""Stores the batches in one transaction and returns one result per batch, in order."""


class _Job:
    __slots__ = ("batch", "future", "waiter")

    def __init__(self, batch: Batch, waiter: asyncio.Future[IngestResult] | None = None) -> None:
        self.batch = batch
        self.waiter = waiter
        """Set for :meth:`GroupWriter.submit_async`: resolved on its event loop."""
        self.future: Future[IngestResult] | None = Future() if waiter is None else None


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
        job = _Job(batch)
        self._put(job)
        assert job.future is not None
        return job.future

    def submit_async(self, batch: Batch) -> asyncio.Future[IngestResult]:
        """Like :meth:`submit`, from a running event loop: an asyncio future, resolved on that
        loop (all of a commit's at once, one wake-up of the loop per commit)."""
        job = _Job(batch, asyncio.get_running_loop().create_future())
        self._put(job)
        assert job.waiter is not None
        return job.waiter

    def _put(self, job: _Job) -> None:
        if self._closed:
            raise StoreError("the store is closed")
        try:
            self._queue.put_nowait(job)
        except queue.Full:
            raise StoreBusy(
                f"the write queue is full ({self.capacity} uploads waiting); try again later",
                self.retry_after_s(),
            ) from None

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
        settled: list[tuple[_Job, IngestResult | BaseException]] = []
        self._commit_jobs(group, settled)
        waiting: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any]]] = {}
        for job, outcome in settled:
            if job.waiter is not None:
                waiting.setdefault(job.waiter.get_loop(), []).append((job.waiter, outcome))
            elif isinstance(outcome, BaseException):
                assert job.future is not None
                job.future.set_exception(outcome)
            else:
                assert job.future is not None
                job.future.set_result(outcome)
        for loop, outcomes in waiting.items():
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(_settle, outcomes)

    def _commit_jobs(
        self, group: list[_Job], settled: list[tuple[_Job, IngestResult | BaseException]]
    ) -> None:
        try:
            results = self._commit([job.batch for job in group])
        except Exception as exc:
            if len(group) == 1:
                log.exception("an upload could not be stored")
                error = StoreError(f"the upload could not be stored: {type(exc).__name__}")
                settled.append((group[0], error))
                return
            log.warning("group commit of %d uploads failed (%s); one by one", len(group), exc)
            for job in group:
                self._commit_jobs([job], settled)
            return
        settled.extend(zip(group, results, strict=True))


def _settle(outcomes: list[tuple[asyncio.Future[Any], Any]]) -> None:
    """Resolve asyncio futures on their loop (a waiter that gave up is skipped)."""
    for waiter, outcome in outcomes:
        if waiter.done():
            continue
        if isinstance(outcome, BaseException):
            waiter.set_exception(outcome)
        else:
            waiter.set_result(outcome)
