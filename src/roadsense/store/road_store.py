"""The road network and map matching in the store (rows in :mod:`.roads_rows`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from roadsense.store.roads_rows import (
    Junction,
    MatchInputs,
    MatchSpan,
    MatchWindow,
    NetworkInfo,
    PlacedEvent,
    PlacedLane,
    PlacedSign,
    Segment,
    SegmentFix,
    SpanMatches,
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

    def match_inputs(self, spans: Sequence[MatchSpan]) -> list[MatchInputs]:
        """Each span's positions, events, signs and lane samples (one read per kind)."""
        ...

    def save_matches(self, matches: Sequence[SpanMatches], batch_ids: Sequence[uuid.UUID]) -> None:
        """Replace what was stored for each span by its matches and mark the batches
        matched, in one transaction."""
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
