"""Event ids that cannot be claimed: a repeated id must repeat the same event.

An event's id is made in the vehicle (UUID 5 of vehicle, type and onset), so anyone can
compute the id another vehicle's gateway will use. The store keeps one row per id; an
upload that carries an id already stored (or already taken earlier in the same commit)
with other content - another vehicle's, another onset, other measurements - is refused
whole as a conflict (the API answers 409), never acknowledged as stored. An identical
repeat is the idempotent duplicate it always was. Both backends call :func:`claim_events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import UTC
from typing import Any

from roadsense.schema import AdasEvent, Batch
from roadsense.store.rows import EVENT_COLUMNS

CONTENT_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in ("h3_cell", "batch_id"))
"""The columns an event's content is compared on (``event_id`` first); the batch it came
in and its derived cell are not content."""

Content = tuple[Any, ...]
StoredContent = Callable[[list[uuid.UUID]], Iterable[tuple[Any, ...]]]
"""Rows of :data:`CONTENT_COLUMNS` for those of the given ids the store already holds."""


def _content(event: AdasEvent) -> Content:
    return (
        event.vehicle_id,
        event.time.astimezone(UTC),
        event.type.value,
        event.level,
        event.duration_s,
        event.lat,
        event.lon,
        event.position_flag,
        event.speed_mps,
        event.ttc_s,
        event.headway_s,
        event.speed_limit_kmh,
        event.lateral_m,
        event.source.value,
        tuple(event.raw),
    )


def _stored(row: tuple[Any, ...]) -> tuple[uuid.UUID, Content]:
    event_id, vehicle_id, ts, *middle, source, raw = row
    key = event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(str(event_id))
    return key, (vehicle_id, ts.astimezone(UTC), *middle, source, tuple(raw or ()))


def claim_events(
    fresh: list[Batch], stored: StoredContent
) -> tuple[list[Batch], dict[uuid.UUID, list[uuid.UUID]]]:
    """Split batches new to the store into those that may be written and the conflicting.

    Returns the batches to write (in order) and, per refused batch id, the event ids it
    repeats with other content. A refused batch contributes nothing, so a later batch of
    the same commit is compared only with what is stored or written.
    """
    ids = list({item.event_id for b in fresh for item in b.items if isinstance(item, AdasEvent)})
    if not ids:
        return fresh, {}
    taken: dict[uuid.UUID, Content] = dict(_stored(row) for row in stored(ids))
    accepted: list[Batch] = []
    conflicts: dict[uuid.UUID, list[uuid.UUID]] = {}
    for batch in fresh:
        mine: dict[uuid.UUID, Content] = {}
        clashes: list[uuid.UUID] = []
        for item in batch.items:
            if not isinstance(item, AdasEvent):
                continue
            content = _content(item)
            before = taken.get(item.event_id, mine.get(item.event_id))
            if before is not None and before != content:
                clashes.append(item.event_id)
            mine.setdefault(item.event_id, content)
        if clashes:
            conflicts[batch.batch_id] = clashes
        else:
            taken.update(mine)
            accepted.append(batch)
    return accepted, conflicts
