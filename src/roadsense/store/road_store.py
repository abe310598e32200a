"""The road network and map matching in the store (rows in :mod:`.roads_rows`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from roadsense.store.roads_rows import (
    FixMatch,
    Junction,
    MatchInputs,
    MatchWindow,
    NetworkInfo,
    PlacedEvent,
    PlacedLane,
    PlacedRecord,
    PlacedSign,
    Segment,
    SegmentFix,
)


class RoadStore(Protocol):
    """The imported network, matching new batches to it, and the records placed on it."""

    def replace_road_network(
        self,
        info: NetworkInfo,
        segments: Sequence[Segment],
        junctions: Sequence[Junction],
    ) -> None:
        """Store a road network in place of the old one (dropping the old matches)."""
        ...

    def road_network_info(self) -> NetworkInfo | None:
        """Which road network the store holds, if any."""
        ...

    def road_segments(self) -> list[Segment]:
        """Every road segment."""
        ...

    def road_junctions(self) -> list[Junction]:
        """Every junction of the network, by node id, with the segments meeting there."""
        ...

    def pending_match_windows(self, limit: int = 10_000) -> list[MatchWindow]:
        """Per vehicle, the time span of its records in batches not matched yet."""
        ...

    def match_inputs(self, vehicle_id: str, start: datetime, end: datetime) -> MatchInputs:
        """A vehicle's positions, events, signs and lane samples in a time span."""
        ...

    def save_matches(
        self,
        vehicle_id: str,
        start: datetime,
        end: datetime,
        fixes: Sequence[FixMatch],
        events: Sequence[PlacedRecord],
        signs: Sequence[PlacedRecord],
        lanes: Sequence[PlacedRecord],
        batch_ids: Sequence[uuid.UUID],
    ) -> None:
        """Replace a vehicle's matches in [start, end] and mark the batches matched."""
        ...

    def segment_fixes(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SegmentFix]:
        """Matched fixes on a segment with the time each stands for."""
        ...

    def placed_signs(self, sign_type: str = "speed_limit") -> list[PlacedSign]:
        """Sign sightings of one type with the segment the vehicle was on."""
        ...

    def placed_lanes(self) -> list[PlacedLane]:
        """Lane samples with the segment the vehicle was on."""
        ...

    def placed_events(self, event_types: Sequence[str] | None = None) -> list[PlacedEvent]:
        """Events with their place on the road; unmatched ones included."""
        ...
