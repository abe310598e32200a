"""Taking uploads: the ingest interface, what one upload gave, and the full queue."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal, Protocol

from roadsense.schema import Batch
from roadsense.store.errors import StoreError


class StoreBusy(StoreError):  # noqa: N818 - a state, like queue.Full
    """The write queue is full: the upload was not taken; try again after ``retry_after_s``."""

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class IngestResult:
    """What happened to one uploaded batch."""

    batch_id: uuid.UUID
    status: Literal["stored", "duplicate", "conflict"]
    counts: dict[str, int] = field(default_factory=dict)
    """Records stored, by kind; events already stored under the same id are not counted."""
    conflicts: tuple[uuid.UUID, ...] = ()
    """With ``conflict``: the event ids the batch repeats with other content than the
    stored ones (nothing of such a batch is stored; see :mod:`roadsense.store.event_claims`)."""


def group_results(
    batches: Sequence[Batch],
    claimed: set[uuid.UUID],
    conflicts: Mapping[uuid.UUID, Sequence[uuid.UUID]],
    counts: Mapping[uuid.UUID, dict[str, int]],
) -> list[IngestResult]:
    """One result per batch of a commit, in order: ``conflicts`` refused, the first of each
    ``claimed`` (newly stored) id stored with its ``counts``, everything else a duplicate.
    Both backends' writers answer their group through this."""
    left = set(claimed)
    results: list[IngestResult] = []
    for b in batches:
        if b.batch_id in conflicts:
            clashes = tuple(conflicts[b.batch_id])
            results.append(IngestResult(b.batch_id, "conflict", conflicts=clashes))
        elif b.batch_id in left:
            left.discard(b.batch_id)
            results.append(IngestResult(b.batch_id, "stored", counts.get(b.batch_id, {})))
        else:
            results.append(IngestResult(b.batch_id, "duplicate"))
    return results


class IngestStore(Protocol):
    """Storing uploaded batches once, through a bounded write queue."""

    def ingest(self, batch: Batch) -> IngestResult:
        """Store a validated batch durably, once; a repeated batch id is a duplicate, and
        a batch repeating a stored event id with other content is a conflict (not stored)."""
        ...

    def submit(self, batch: Batch) -> Future[IngestResult]:
        """Queue a batch for storing; the future resolves once it is durable."""
        ...

    def submit_async(self, batch: Batch) -> asyncio.Future[IngestResult]:
        """:meth:`submit` from a running event loop; an asyncio future, resolved on it."""
        ...

    def queue_depth(self) -> int:
        """Uploads waiting to be written."""
        ...

    def queue_capacity(self) -> int:
        """The most uploads the write queue holds before :class:`StoreBusy` is raised."""
        ...

    def ping(self) -> None:
        """Raise :class:`StoreError` unless the store answers a query now."""
        ...
