"""The road network and map matching over the store: import once, match new data only.

``import_network`` stores the segments and junctions of an OSM file. ``match_new``
matches the records of batches not matched yet, vehicle by vehicle: it re-matches the
time span of the new records plus ``context_s`` on each side (so a trip that crosses
two uploads is matched as one), replaces what was stored for that span, and marks the
batches done in the same transaction (a group of vehicles at a time: a crash loses at
most the group being written, which the next run matches again). Running it again with
nothing new does nothing.
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
    FixRow,
    MatchInputs,
    MatchSpan,
    MatchWindow,
    NetworkInfo,
    PlacedRecord,
    SpanMatches,
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


def trace_points(fixes: Sequence[FixRow]) -> list[TracePoint]:
    """A vehicle's fixes (in time order) as the matcher's trace."""
    return [TracePoint(f.ts.timestamp(), f.lat, f.lon, f.speed_mps, f.heading_deg) for f in fixes]


def fix_matches(fixes: Sequence[FixRow], result: MatchResult) -> list[FixMatch]:
    """The stored match of each fix of a trace ``result`` was matched from."""
    return [_fix(f.ts, m, f.speed_mps) for f, m in zip(fixes, result.points, strict=True)]


def placed_records(
    matcher: MapMatcher, result: MatchResult, records: Sequence[TimedRecord]
) -> list[PlacedRecord]:
    """Records (events, signs, lane samples) placed on a vehicle's matched trace."""
    places = matcher.place_many(result, [rec.ts.timestamp() for rec in records])
    return [
        PlacedRecord(rec.ts, rec.key, p.matched, p.osm_way_id, p.segment_id, p.lon, p.lat)
        for rec, p in zip(records, places, strict=True)
    ]


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


GROUP_WINDOWS = 16
"""Vehicles read, and their matches written, together: one statement per table and one
transaction for the group rather than for each vehicle."""


@dataclass
class _Group:
    """A group of windows whose inputs were read and whose matching is under way."""

    windows: list[MatchWindow]
    spans: list[MatchSpan]
    inputs: list[MatchInputs]
    results: list[Future[MatchResult]]


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
    fixes = matched = events = events_matched = done = 0
    vehicles = sum(1 for w in windows if w.vehicle_id)
    batches = len({b for w in windows for b in w.batch_ids})
    context = timedelta(seconds=context_s)
    last = {b: k for k, w in enumerate(windows) for b in w.batch_ids}

    def start(group: list[MatchWindow], pool: ThreadPoolExecutor) -> _Group:
        spans = [
            MatchSpan(w.vehicle_id, w.start - context, w.end + context)
            for w in group
            if w.vehicle_id  # not the batches with no records to place
        ]
        inputs = store.match_inputs(spans)
        results = [pool.submit(matcher.match, trace_points(i.fixes)) for i in inputs]
        return _Group(group, spans, inputs, results)

    def save(group: _Group) -> None:
        nonlocal fixes, matched, events, events_matched, done
        saved = []
        for span, inputs, future in zip(group.spans, group.inputs, group.results, strict=True):
            result = future.result()
            fix_rows = fix_matches(inputs.fixes, result)
            placed_events = placed_records(matcher, result, inputs.events)
            saved.append(
                SpanMatches(
                    span,
                    fix_rows,
                    placed_events,
                    placed_records(matcher, result, inputs.signs),
                    placed_records(matcher, result, inputs.lanes),
                )
            )
            fixes += len(fix_rows)
            matched += sum(f.matched for f in fix_rows)
            events += len(placed_events)
            events_matched += sum(e.matched for e in placed_events)
        done += len(group.windows)
        # a batch with records of several vehicles is in each of their windows: it is
        # marked matched with the group of the last of them, not before
        ids = dict.fromkeys(b for w in group.windows for b in w.batch_ids if last[b] < done)
        store.save_matches(saved, list(ids))
        if progress is not None:
            progress("match", done, len(windows))

    if progress is not None:
        progress("match", 0, len(windows))
    threads = max(1, workers or default_workers())
    # The store is read and written here, in order, a group at a time; the matching runs
    # in threads, one group ahead (Valhalla releases Python's lock while it matches).
    with ThreadPoolExecutor(threads, thread_name_prefix="match") as pool:
        pending: deque[_Group] = deque()
        for k in range(0, len(windows), GROUP_WINDOWS):
            pending.append(start(windows[k : k + GROUP_WINDOWS], pool))
            if len(pending) > 1:
                save(pending.popleft())
        while pending:
            save(pending.popleft())
    return MatchRun(vehicles, fixes, matched, events, events_matched, batches)
