"""What the screening of road segments and junctions counts, from map-matched rows.

Three sums, written once: the metres driven on each segment (a matched fix's speed times
the time it stands for, :mod:`roadsense.store.exposure`'s step over the matched fixes),
the warnings placed on each segment, and the warnings within a radius of each junction
(an event on the road where it was matched, else where its GPS put it, counted at its
nearest junction). :class:`StoreRoadCounts` sums them over the store's reads; the Spark
engine runs the same functions on its executors' rows, so the engines can differ only in
the order of a sum.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from roadsense.roads.geometry import LocalFrame
from roadsense.store import Junction, RoadStore
from roadsense.store.roads_rows import PlacedEvent, SegmentFix


@dataclass(frozen=True)
class SegmentExposure:
    """The driving on one road segment."""

    segment_id: str
    metres: float
    """Sum of the matched fixes' speed (0 unknown) times the seconds each stands for."""
    vehicles: int

    @property
    def vehicle_km(self) -> float:
        return self.metres / 1000.0


class RoadCounts(Protocol):
    """The sums a segment and junction screening ranks."""

    def segment_exposure(self) -> list[SegmentExposure]:
        """Metres and distinct vehicles per matched segment."""
        ...

    def segment_event_counts(self, event_types: Sequence[str]) -> dict[str, int]:
        """Warnings of ``event_types`` matched onto each segment."""
        ...

    def junction_event_counts(
        self, junctions: Sequence[Junction], radius_m: float, event_types: Sequence[str]
    ) -> list[int]:
        """Warnings of ``event_types`` within ``radius_m`` of each of ``junctions`` (each
        at its nearest), in the order given."""
        ...


def segment_exposure(fixes: Iterable[SegmentFix]) -> list[SegmentExposure]:
    """Metres and distinct vehicles per segment of matched fixes."""
    metres: dict[str, float] = {}
    who: dict[str, set[str]] = {}
    for fix in fixes:
        metres[fix.segment_id] = (
            metres.get(fix.segment_id, 0.0) + (fix.speed_mps or 0.0) * fix.step_s
        )
        who.setdefault(fix.segment_id, set()).add(fix.vehicle_id)
    return [SegmentExposure(s, m, len(who[s])) for s, m in metres.items()]


def segment_event_counts(events: Iterable[PlacedEvent]) -> dict[str, int]:
    """Events per segment they were matched onto (unmatched ones left out)."""
    counts: dict[str, int] = {}
    for e in events:
        if e.matched and e.segment_id is not None:
            counts[e.segment_id] = counts.get(e.segment_id, 0) + 1
    return counts


def event_point(
    matched: bool,
    lon: float | None,
    lat: float | None,
    road_lon: float | None,
    road_lat: float | None,
) -> tuple[float, float] | None:
    """Where an event is counted: on the road where matched, else at its GPS fix."""
    x, y = (road_lon, road_lat) if matched else (lon, lat)
    return None if x is None or y is None else (x, y)


def count_near_junctions(
    points: Iterable[tuple[float, float]], junctions: Sequence[Junction], radius_m: float
) -> list[int]:
    """Points (lon, lat) within ``radius_m`` of each junction, each point counted at its
    nearest junction only. Distances in a local frame at the first junction."""
    counts = [0] * len(junctions)
    if not junctions:
        return counts
    frame = LocalFrame(junctions[0].lon, junctions[0].lat)
    jx, jy = frame.to_xy(np.array([j.lon for j in junctions]), np.array([j.lat for j in junctions]))
    for lon, lat in points:
        ex, ey = frame.to_xy(lon, lat)
        d = np.hypot(jx - ex, jy - ey)
        i = int(np.argmin(d))
        if d[i] <= radius_m:
            counts[i] += 1
    return counts


class StoreRoadCounts:
    """:class:`RoadCounts` over the store's matched fixes and placed events."""

    def __init__(self, store: RoadStore) -> None:
        self._store = store
        self._exposure: list[SegmentExposure] | None = None

    def segment_exposure(self) -> list[SegmentExposure]:
        if self._exposure is None:  # one read for the segments and the junctions
            self._exposure = segment_exposure(self._store.segment_fixes())
        return self._exposure

    def segment_event_counts(self, event_types: Sequence[str]) -> dict[str, int]:
        return segment_event_counts(self._store.placed_events(event_types))

    def junction_event_counts(
        self, junctions: Sequence[Junction], radius_m: float, event_types: Sequence[str]
    ) -> list[int]:
        events = self._store.placed_events(event_types)
        points = (event_point(e.matched, e.lon, e.lat, e.road_lon, e.road_lat) for e in events)
        return count_near_junctions((p for p in points if p is not None), junctions, radius_m)
