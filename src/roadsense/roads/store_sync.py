"""The road network and map matching over the store: import once, match new data only.

``import_network`` stores the segments and junctions of an OSM file. ``match_new``
matches the records of batches not matched yet, vehicle by vehicle: it re-matches the
time span of the new records plus ``context_s`` on each side (so a trip that crosses
two uploads is matched as one), replaces what was stored for that span, and marks the
batches done in the same transaction. Running it again with nothing new does nothing.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from roadsense.roads.match_trace import default_workers
from roadsense.roads.matcher import MapMatcher, MatchResult, PointMatch
from roadsense.roads.network import RoadNetwork
from roadsense.roads.tiles import file_digest
from roadsense.roads.trips import TracePoint
from roadsense.store import RoadStore
from roadsense.store.roads_rows import (
    FixMatch,
    MatchInputs,
    MatchWindow,
    NetworkInfo,
    PlacedRecord,
    TimedRecord,
)


@dataclass(frozen=True)
class MatchRun:
    """What one incremental run did."""

    vehicles: int
    fixes: int
    matched: int
    events: int
    events_matched: int
    batches: int


def import_network(store: RoadStore, network: RoadNetwork) -> NetworkInfo:
    """Store ``network`` as the store's road network (replacing the old one)."""
    info = NetworkInfo(
        source=Path(network.source).name,
        digest=file_digest(Path(network.source)),
        country=network.country,
        imported_at=datetime.now(UTC),
        segments=len(network.segments),
        junctions=len(network.junctions),
    )
    store.replace_road_network(info, network.segments, network.junctions)
    return info


def _placed(
    matcher: MapMatcher, result: MatchResult, records: Sequence[TimedRecord]
) -> list[PlacedRecord]:
    out = []
    for rec in records:
        place = matcher.place(result, rec.ts.timestamp())
        out.append(
            PlacedRecord(
                rec.ts,
                rec.key,
                place.matched,
                place.osm_way_id,
                place.segment_id,
                place.lon,
                place.lat,
            )
        )
    return out


def _fix(ts: datetime, match: PointMatch, speed: float | None) -> FixMatch:
    return FixMatch(
        ts,
        match.matched,
        match.osm_way_id,
        match.segment_id,
        match.distance_m,
        match.quality,
        match.trip,
        speed,
    )


def match_new(
    store: RoadStore,
    matcher: MapMatcher,
    context_s: float = 120.0,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int | None = None,
) -> MatchRun:
    """Match the records of every batch not matched yet (see the module docstring);
    ``workers`` threads match (default: one per core)."""
    windows = store.pending_match_windows()
    fixes = matched = events = events_matched = vehicles = 0
    batches = len({b for w in windows for b in w.batch_ids})
    context = timedelta(seconds=context_s)
    # The store is read and written here, in order; the matching runs in threads, a few
    # windows ahead (Valhalla releases Python's lock while it matches).
    pending: deque[tuple[MatchWindow, datetime, datetime, MatchInputs, Future[MatchResult]]]
    pending = deque()

    def save_oldest() -> None:
        nonlocal fixes, matched, events, events_matched
        window, start, end, inputs, future = pending.popleft()
        result = future.result()
        fix_rows = [
            _fix(f.ts, m, f.speed_mps) for f, m in zip(inputs.fixes, result.points, strict=True)
        ]
        placed_events = _placed(matcher, result, inputs.events)
        store.save_matches(
            window.vehicle_id,
            start,
            end,
            fix_rows,
            placed_events,
            _placed(matcher, result, inputs.signs),
            _placed(matcher, result, inputs.lanes),
            window.batch_ids,
        )
        fixes += len(fix_rows)
        matched += sum(f.matched for f in fix_rows)
        events += len(placed_events)
        events_matched += sum(e.matched for e in placed_events)

    threads = max(1, workers or default_workers())
    with ThreadPoolExecutor(threads, thread_name_prefix="match") as pool:
        for k, window in enumerate(windows):
            if progress is not None:
                progress("match", k, len(windows))
            if not window.vehicle_id:  # batches without records to place
                while pending:
                    save_oldest()
                store.save_matches("", window.start, window.end, [], [], [], [], window.batch_ids)
                continue
            vehicles += 1
            start, end = window.start - context, window.end + context
            inputs = store.match_inputs(window.vehicle_id, start, end)
            points = [
                TracePoint(f.ts.timestamp(), f.lat, f.lon, f.speed_mps, f.heading_deg)
                for f in inputs.fixes
            ]
            pending.append((window, start, end, inputs, pool.submit(matcher.match, points)))
            if len(pending) > threads:
                save_oldest()
        while pending:
            save_oldest()
    if progress is not None:
        progress("match", len(windows), len(windows))
    return MatchRun(vehicles, fixes, matched, events, events_matched, batches)
