"""Batches flattened into the rows of the store's tables, the same for both backends."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from roadsense.schema import AdasEvent, Batch, DeviceStatus, LaneSample, Position, SignSighting
from roadsense.store.h3cells import fine_cell

POSITION_COLUMNS = (
    "vehicle_id",
    "ts",
    "lat",
    "lon",
    "speed_mps",
    "heading_deg",
    "hdop",
    "h3_cell",
    "batch_id",
)
EVENT_COLUMNS = (
    "event_id",
    "vehicle_id",
    "ts",
    "type",
    "level",
    "duration_s",
    "lat",
    "lon",
    "h3_cell",
    "position_flag",
    "speed_mps",
    "ttc_s",
    "headway_s",
    "speed_limit_kmh",
    "lateral_m",
    "source",
    "raw",
    "batch_id",
)
SIGN_COLUMNS = ("vehicle_id", "ts", "lat", "lon", "sign_type", "value", "confidence", "batch_id")
LANE_COLUMNS = (
    "vehicle_id",
    "ts",
    "lat",
    "lon",
    "side",
    "marking_type",
    "quality",
    "lateral_m",
    "batch_id",
)
STATUS_COLUMNS = (
    "vehicle_id",
    "ts",
    "failsafe",
    "tamper",
    "adas_silent",
    "error_codes",
    "uptime_s",
    "counters",
    "batch_id",
)


@dataclass
class BatchRows:
    """The rows of fresh batches, by table, and what each batch contributed."""

    positions: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    signs: list[tuple[Any, ...]] = field(default_factory=list)
    lanes: list[tuple[Any, ...]] = field(default_factory=list)
    statuses: list[tuple[Any, ...]] = field(default_factory=list)
    counts: dict[uuid.UUID, dict[str, int]] = field(default_factory=dict)
    """Records stored, by kind, per batch (events are added once known to be new)."""
    event_batch: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    """The batch each event id came in (the first, when several carry it)."""

    def count_stored_events(self, event_ids: list[Any]) -> None:
        """Credit each newly stored event to its batch."""
        for event_id in event_ids:
            key = event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(str(event_id))
            tally = self.counts[self.event_batch[key]]
            tally["event"] = tally.get("event", 0) + 1


INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


def storage_problems(batch: Batch, body: bytes | None = None) -> list[dict[str, Any]]:
    """What in a valid batch neither backend can store as given (checked before queueing,
    so that such a batch is refused whole with a clear error instead of failing its commit):
    a NUL character in a text (PostgreSQL's text cannot hold it) and integers wider than
    their columns. Given the JSON ``body`` it came from, texts are searched only when the
    body has an escaped NUL at all (JSON can carry one no other way)."""
    problems: list[dict[str, Any]] = []
    look_for_nul = body is None or b"\\u0000" in body

    def problem(i: int, field: str, msg: str) -> None:
        problems.append({"loc": ["body", "items", i, field], "msg": msg})

    for i, item in enumerate(batch.items):
        for name, value in item if look_for_nul else ():
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and "\x00" in t for t in texts):
                problem(i, name, "text must not contain NUL characters")
        if isinstance(item, DeviceStatus):
            if any(not INT32[0] <= code <= INT32[1] for code in item.error_codes):
                problem(i, "error_codes", "error codes must fit in 32 bits")
            if any(not INT64[0] <= n <= INT64[1] for n in item.counters.values()):
                problem(i, "counters", "counters must fit in 64 bits")
            if any("\x00" in key for key in item.counters):
                problem(i, "counters", "text must not contain NUL characters")
    return problems


def _bump(tally: dict[str, int], kind: str) -> None:
    tally[kind] = tally.get(kind, 0) + 1


def flatten(batches: list[Batch]) -> BatchRows:
    """The rows of ``batches`` (which must be new to the store)."""
    rows = BatchRows()
    for batch in batches:
        bid = batch.batch_id
        tally = rows.counts.setdefault(bid, {})
        for item in batch.items:
            if isinstance(item, Position):
                rows.positions.append(
                    (
                        item.vehicle_id,
                        item.time,
                        item.lat,
                        item.lon,
                        item.speed_mps,
                        item.heading_deg,
                        item.hdop,
                        fine_cell(item.lat, item.lon),
                        bid,
                    )
                )
                _bump(tally, "position")
            elif isinstance(item, AdasEvent):
                if item.event_id in rows.event_batch:
                    continue
                rows.event_batch[item.event_id] = bid
                has_fix = item.lat is not None and item.lon is not None
                rows.events.append(
                    (
                        item.event_id,
                        item.vehicle_id,
                        item.time,
                        item.type.value,
                        item.level,
                        item.duration_s,
                        item.lat,
                        item.lon,
                        fine_cell(item.lat, item.lon)  # type: ignore[arg-type]
                        if has_fix
                        else None,
                        item.position_flag,
                        item.speed_mps,
                        item.ttc_s,
                        item.headway_s,
                        item.speed_limit_kmh,
                        item.lateral_m,
                        item.source.value,
                        list(item.raw),
                        bid,
                    )
                )
            elif isinstance(item, SignSighting):
                rows.signs.append(
                    (
                        item.vehicle_id,
                        item.time,
                        item.lat,
                        item.lon,
                        item.sign_type,
                        item.value,
                        item.confidence,
                        bid,
                    )
                )
                _bump(tally, "sign")
            elif isinstance(item, LaneSample):
                rows.lanes.append(
                    (
                        item.vehicle_id,
                        item.time,
                        item.lat,
                        item.lon,
                        item.side,
                        item.marking_type,
                        item.quality,
                        item.lateral_m,
                        bid,
                    )
                )
                _bump(tally, "lane")
            elif isinstance(item, DeviceStatus):
                rows.statuses.append(
                    (
                        item.vehicle_id,
                        item.time,
                        item.failsafe,
                        item.tamper,
                        item.adas_silent,
                        list(item.error_codes),
                        item.uptime_s,
                        json.dumps(item.counters),
                        bid,
                    )
                )
                _bump(tally, "status")
    return rows
