"""Small builders of valid records for tests."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import h3

from roadsense.schema import (
    AdasEvent,
    AnyRecord,
    Batch,
    EventSource,
    EventType,
    Position,
)
from roadsense.store.roads_rows import Junction, NetworkInfo, Segment

T0 = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
HELSINKI = (60.1700, 24.9440)
"""A point in the centre of the bundled Helsinki extract (lat, lon)."""
DAEGU = (35.8714, 128.6014)
"""Daegu's centre (lat, lon)."""


def position(
    vehicle: str = "taxi-1",
    second: int = 0,
    lat: float = HELSINKI[0],
    lon: float = HELSINKI[1],
    speed: float = 10.0,
) -> Position:
    return Position(
        vehicle_id=vehicle,
        time=T0 + timedelta(seconds=second),
        lat=lat,
        lon=lon,
        speed_mps=speed,
        heading_deg=90.0,
        hdop=0.9,
    )


def event(
    vehicle: str = "taxi-1",
    second: int = 0,
    kind: EventType = EventType.FCW,
    lat: float | None = HELSINKI[0],
    lon: float | None = HELSINKI[1],
) -> AdasEvent:
    return AdasEvent(
        event_id=uuid.uuid4(),
        vehicle_id=vehicle,
        time=T0 + timedelta(seconds=second),
        type=kind,
        level=2,
        lat=lat,
        lon=lon,
        position_flag="ok" if lat is not None else "no_fix",
        speed_mps=12.0,
        ttc_s=2.1,
        source=EventSource.SIM,
    )


def batch(items: Sequence[AnyRecord], device: str = "gw-1") -> Batch:
    return Batch(batch_id=uuid.uuid4(), device_id=device, items=list(items))


def track(
    vehicle: str,
    n: int,
    *,
    start: int = 0,
    lat0: float = HELSINKI[0],
    lon0: float = HELSINKI[1],
    speed: float = 10.0,
) -> list[Position]:
    """A vehicle driving north at ``speed`` m/s, one fix a second."""
    return [
        position(vehicle, start + i, lat0 + i * speed / 111_320.0, lon0, speed) for i in range(n)
    ]


def grid_cells(n: int) -> list[str]:
    """``n`` resolution-10 cells around Daegu's centre."""
    return sorted(h3.grid_disk(h3.latlng_to_cell(*DAEGU, 10), 4))[:n]


def leg(
    vehicle: str,
    cell: str,
    start: datetime,
    km: float,
    events: int,
    kind: EventType = EventType.FCW,
) -> list[Position | AdasEvent]:
    """Fixes in ``cell`` a minute apart at a plausible speed (at most 50 m/s) that makes
    ``km`` km in all, then a stop, plus events."""
    lat, lon = h3.cell_to_latlng(cell)
    steps = math.ceil(km * 1000.0 / (60.0 * 50.0))
    speed = km * 1000.0 / (60.0 * steps)
    items: list[Position | AdasEvent] = [
        Position(
            vehicle_id=vehicle,
            time=start + timedelta(seconds=60 * i),
            lat=lat,
            lon=lon,
            speed_mps=speed if i < steps else 0.0,
        )
        for i in range(steps + 1)
    ]
    items += [
        AdasEvent(
            event_id=uuid.uuid4(),
            vehicle_id=vehicle,
            time=start + timedelta(seconds=i),
            type=kind,
            lat=lat,
            lon=lon,
            source=EventSource.SIM,
        )
        for i in range(events)
    ]
    return items


def small_network(
    digest: str,
    nodes: Sequence[tuple[int, float, float]],
    edges: Sequence[tuple[str, int, int, str]],
) -> tuple[NetworkInfo, list[Segment], list[Junction]]:
    """A road network to store with ``replace_road_network``: ``nodes`` (id, lon, lat),
    ``edges`` (segment id, from node, to node, highway) as straight segments; every node
    where three or more segments meet is a junction."""
    where = {n: (lon, lat) for n, lon, lat in nodes}
    segments = [
        Segment(
            segment_id=sid,
            osm_way_id=i + 1,
            from_node=a,
            to_node=b,
            highway=highway,
            name=f"Street {i + 1}",
            lanes=2,
            oneway=0,
            speed_limit_kmh=50.0,
            speed_limit_source="default",
            length_m=100.0,
            coords=(where[a], where[b]),
        )
        for i, (sid, a, b, highway) in enumerate(edges)
    ]
    meeting: dict[int, list[str]] = {}
    for s in segments:
        for n in (s.from_node, s.to_node):
            meeting.setdefault(n, []).append(s.segment_id)
    junctions = [
        Junction(n, lon, lat, len(meeting[n]), tuple(sorted(meeting[n])))
        for n, lon, lat in nodes
        if len(meeting.get(n, [])) >= 3
    ]
    info = NetworkInfo(
        "test.osm.pbf",
        digest,
        "KR",
        datetime(2025, 1, 1, tzinfo=UTC),
        len(segments),
        len(junctions),
    )
    return info, segments, junctions
