"""Records of the road network and of map matching as the store keeps them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final


@dataclass(frozen=True)
class NetworkInfo:
    """Which OSM file the store's road network came from."""

    source: str
    digest: str
    country: str
    imported_at: datetime
    segments: int
    junctions: int


TAGGED_LIMIT: Final = "maxspeed"
"""A segment's limit is its way's ``maxspeed`` in the map."""
DEFAULT_LIMIT: Final = "default"
"""The map has no limit for the segment's way: the road class's default in the country."""


@dataclass(frozen=True)
class Segment:
    """One stretch of an OSM way between junctions (see :mod:`roadsense.roads.network`).

    Its id is ``"<way id>:<first node index>-<last node index>"`` (indices into the way's
    node list), stable across imports of the same file.
    """

    segment_id: str
    osm_way_id: int
    from_node: int
    to_node: int
    highway: str
    name: str | None
    lanes: int | None
    oneway: int
    """0 both directions, 1 along the way's node order, -1 against it."""
    speed_limit_kmh: float
    speed_limit_source: str
    """:data:`TAGGED_LIMIT` (``maxspeed`` in OSM) or :data:`DEFAULT_LIMIT` (the map has no
    limit: the class's default in the country)."""
    length_m: float
    coords: tuple[tuple[float, float], ...]
    """(lon, lat) along the way's node order."""


@dataclass(frozen=True)
class Junction:
    """A node where three or more segment ends meet (computed once, at import)."""

    node_id: int
    lon: float
    lat: float
    degree: int
    """Segment ends meeting at the node: the junction's legs (3-leg, 4-leg ...)."""
    segments: tuple[str, ...]
    """The ids of the segments meeting there (its approaches), sorted."""


@dataclass(frozen=True)
class MatchWindow:
    """Records of one vehicle in new batches: what matching has to (re)do."""

    vehicle_id: str
    start: datetime
    end: datetime
    batch_ids: list[uuid.UUID]


@dataclass(frozen=True)
class MatchSpan:
    """A time span of one vehicle to (re)match: its records in it are read, and what was
    stored for it is replaced."""

    vehicle_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class FixRow:
    """A stored position as the matcher reads it."""

    ts: datetime
    lat: float
    lon: float
    speed_mps: float | None
    heading_deg: float | None


@dataclass(frozen=True)
class TimedRecord:
    """An event, sign sighting or lane sample to place on the path by its time."""

    ts: datetime
    key: str
    """Event id, sign type or lane side."""


@dataclass(frozen=True)
class MatchInputs:
    """One vehicle's records in a time window."""

    fixes: list[FixRow]
    events: list[TimedRecord]
    signs: list[TimedRecord]
    lanes: list[TimedRecord]


@dataclass(frozen=True)
class FixMatch:
    """Where one stored position lies on the road."""

    ts: datetime
    matched: bool
    osm_way_id: int | None
    segment_id: str | None
    distance_m: float | None
    quality: float
    trip: int | None
    speed_mps: float | None


@dataclass(frozen=True)
class PlacedRecord:
    """Where an event, sign sighting or lane sample lies on the road."""

    ts: datetime
    key: str
    matched: bool
    osm_way_id: int | None
    segment_id: str | None
    road_lon: float | None = None
    road_lat: float | None = None


@dataclass(frozen=True)
class SpanMatches:
    """Everything matched in one span: it replaces what was stored for that span."""

    span: MatchSpan
    fixes: Sequence[FixMatch]
    events: Sequence[PlacedRecord]
    signs: Sequence[PlacedRecord]
    lanes: Sequence[PlacedRecord]


@dataclass(frozen=True)
class SegmentFix:
    """A matched fix for the traffic products: the time it stands for and its speed."""

    vehicle_id: str
    ts: datetime
    segment_id: str
    speed_mps: float | None
    step_s: float
    """Time to the vehicle's next fix, capped (0 for the last)."""


@dataclass(frozen=True)
class PlacedSign:
    """A sign sighting with the segment the vehicle was on."""

    vehicle_id: str
    ts: datetime
    lat: float | None
    lon: float | None
    sign_type: str
    value: float | None
    confidence: float
    segment_id: str | None


@dataclass(frozen=True)
class PlacedLane:
    """A lane sample with the segment the vehicle was on."""

    vehicle_id: str
    ts: datetime
    side: str
    marking_type: str
    quality: int
    segment_id: str | None


@dataclass(frozen=True)
class PlacedEvent:
    """An event with its place on the road."""

    event_id: uuid.UUID
    vehicle_id: str
    ts: datetime
    type: str
    lat: float | None
    lon: float | None
    matched: bool
    segment_id: str | None
    road_lon: float | None
    road_lat: float | None
