"""The road network and map-matching results in the store, for both SQL backends.

Matching runs over new batches only: :meth:`RoadsMixin.pending_match_windows` gives, per
vehicle, the time span of records in batches not yet matched; the matcher re-matches that
span (with some context) and :meth:`RoadsMixin.save_matches` replaces what was stored
for it and marks the batches done, in one transaction. Both work on several spans at
once: a statement per table for a group of vehicles, not per vehicle.
"""

from __future__ import annotations

import json
import uuid
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime

from roadsense.store.exposure import step_seconds_sql
from roadsense.store.roads_rows import (
    FixRow,
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
    TimedRecord,
)
from roadsense.store.sql import Row, SqlBackend, placeholders


def _within(spans: Sequence[MatchSpan]) -> tuple[str, list[object]]:
    """The condition (and its parameters) that keeps the rows inside any of ``spans``;
    the outer time bounds let the database skip what lies outside all of them."""
    each = " OR ".join("(vehicle_id = ? AND ts >= ? AND ts <= ?)" for _ in spans)
    params: list[object] = [min(s.start for s in spans), max(s.end for s in spans)]
    params += [v for s in spans for v in (s.vehicle_id, s.start, s.end)]
    return f"ts >= ? AND ts <= ? AND ({each})", params


def _by_vehicle(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows ordered by (vehicle_id, ts), grouped by vehicle."""
    out: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        out[str(row[0])].append(row)
    return out


def _in_span(rows: list[Row], span: MatchSpan) -> list[Row]:
    """The rows (one vehicle's, ordered by time) inside ``span``."""
    times = [row[1] for row in rows]
    return rows[bisect_left(times, span.start) : bisect_right(times, span.end)]


class RoadsMixin:
    """Road network and map-matching methods of :class:`~roadsense.store.road_store.RoadStore`."""

    # -- the network -------------------------------------------------------------------

    def replace_road_network(
        self: SqlBackend,
        info: NetworkInfo,
        segments: Sequence[Segment],
        junctions: Sequence[Junction],
    ) -> None:
        """Store a network in place of the old one (matches of the old one are dropped)."""
        with self._tx() as r:
            for table in (
                "road_network",
                "road_segments",
                "road_junctions",
                "matched_positions",
                "matched_events",
                "matched_signs",
                "matched_lanes",
                "matched_batches",
            ):
                r.run(f"DELETE FROM {table}")
            r.run(
                "INSERT INTO road_network VALUES (1, ?, ?, ?, ?, ?, ?)",
                [
                    info.source,
                    info.digest,
                    info.country,
                    info.imported_at,
                    info.segments,
                    info.junctions,
                ],
            )
            r.insert(
                "road_segments",
                [
                    "segment_id",
                    "osm_way_id",
                    "from_node",
                    "to_node",
                    "highway",
                    "name",
                    "lanes",
                    "oneway",
                    "speed_limit_kmh",
                    "speed_limit_source",
                    "length_m",
                    "coords",
                ],
                [
                    [
                        s.segment_id,
                        s.osm_way_id,
                        s.from_node,
                        s.to_node,
                        s.highway,
                        s.name,
                        s.lanes,
                        s.oneway,
                        s.speed_limit_kmh,
                        s.speed_limit_source,
                        s.length_m,
                        json.dumps([list(c) for c in s.coords]),
                    ]
                    for s in segments
                ],
            )
            r.insert(
                "road_junctions",
                ["node_id", "lon", "lat", "degree"],
                [[j.node_id, j.lon, j.lat, j.degree] for j in junctions],
            )

    def road_network_info(self: SqlBackend) -> NetworkInfo | None:
        """Which network the store holds, if any."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT source, digest, country, imported_at, segments, junctions FROM road_network"
            )
        return NetworkInfo(*rows[0]) if rows else None

    def road_segments(self: SqlBackend) -> list[Segment]:
        """Every road segment, by id."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT segment_id, osm_way_id, from_node, to_node, highway, name, lanes, oneway, "
                "speed_limit_kmh, speed_limit_source, length_m, coords FROM road_segments "
                "ORDER BY segment_id"
            )
        return [
            Segment(
                str(a),
                int(b),
                int(c),
                int(d),
                str(e),
                f,
                None if g is None else int(g),
                int(h),
                float(i),
                str(j),
                float(k),
                tuple((float(x), float(y)) for x, y in json.loads(c2)),
            )
            for a, b, c, d, e, f, g, h, i, j, k, c2 in rows
        ]

    def road_junctions(self: SqlBackend) -> list[Junction]:
        """Every junction stored at import, by node id, with the segments meeting there."""
        with self._read() as r:
            rows = r.fetch("SELECT node_id, lon, lat, degree FROM road_junctions ORDER BY node_id")
            legs = r.fetch(
                "SELECT j.node_id, s.segment_id FROM road_junctions j "
                "JOIN road_segments s ON s.from_node = j.node_id "
                "UNION SELECT j.node_id, s.segment_id FROM road_junctions j "
                "JOIN road_segments s ON s.to_node = j.node_id"
            )
        meeting: dict[int, list[str]] = defaultdict(list)
        for node, segment in legs:
            meeting[int(node)].append(str(segment))
        return [
            Junction(int(n), float(lon), float(lat), int(deg), tuple(sorted(meeting[int(n)])))
            for n, lon, lat, deg in rows
        ]

    # -- incremental matching ----------------------------------------------------------

    def pending_match_windows(self: SqlBackend, limit: int = 10_000) -> list[MatchWindow]:
        """Per vehicle, the time span of its records in batches not matched yet."""
        spans: dict[str, list[datetime]] = defaultdict(list)
        batches: dict[str, set[uuid.UUID]] = defaultdict(set)
        with self._read() as r:
            pending = (
                "SELECT batch_id FROM batches WHERE batch_id NOT IN "
                f"(SELECT batch_id FROM matched_batches) ORDER BY received_at LIMIT {int(limit)}"
            )
            for table in ("positions", "events", "sign_sightings", "lane_samples"):
                rows = r.fetch(
                    f"SELECT vehicle_id, batch_id, min(ts), max(ts) FROM {table} "
                    f"WHERE batch_id IN ({pending}) GROUP BY vehicle_id, batch_id"
                )
                for vid, bid, lo, hi in rows:
                    spans[str(vid)].extend([lo, hi])
                    batches[str(vid)].add(
                        bid if isinstance(bid, uuid.UUID) else uuid.UUID(str(bid))
                    )
            empty = r.fetch(pending)
        windows = [
            MatchWindow(vid, min(times), max(times), sorted(batches[vid]))
            for vid, times in sorted(spans.items())
        ]
        seen = {b for w in windows for b in w.batch_ids}
        leftovers = [b if isinstance(b, uuid.UUID) else uuid.UUID(str(b)) for (b,) in empty]
        leftovers = [b for b in leftovers if b not in seen]
        if leftovers:  # batches with nothing to match (device status only)
            windows.append(MatchWindow("", datetime.now(UTC), datetime.now(UTC), leftovers))
        return windows

    def match_inputs(self: SqlBackend, spans: Sequence[MatchSpan]) -> list[MatchInputs]:
        """Each span's positions, events, sign sightings and lane samples: one read per
        kind for all the spans, split by span here."""
        if not spans:
            return []
        within, params = _within(spans)
        where = f"WHERE {within} ORDER BY vehicle_id, ts"
        with self._read() as r:
            fixes = r.fetch(
                f"SELECT vehicle_id, ts, lat, lon, speed_mps, heading_deg FROM positions {where}",
                params,
            )
            events = r.fetch(f"SELECT vehicle_id, ts, event_id FROM events {where}", params)
            signs = r.fetch(f"SELECT vehicle_id, ts, sign_type FROM sign_sightings {where}", params)
            lanes = r.fetch(f"SELECT vehicle_id, ts, side FROM lane_samples {where}", params)
        by_kind = [_by_vehicle(rows) for rows in (fixes, events, signs, lanes)]
        out = []
        for span in spans:
            f, e, s, lane = (_in_span(kind.get(span.vehicle_id, []), span) for kind in by_kind)
            out.append(
                MatchInputs(
                    fixes=[FixRow(*row[1:]) for row in f],
                    events=[TimedRecord(row[1], str(row[2])) for row in e],
                    signs=[TimedRecord(row[1], str(row[2])) for row in s],
                    lanes=[TimedRecord(row[1], str(row[2])) for row in lane],
                )
            )
        return out

    def save_matches(
        self: SqlBackend, matches: Sequence[SpanMatches], batch_ids: Sequence[uuid.UUID]
    ) -> None:
        """Replace what was stored for each span by its matches and mark the batches
        matched, in one transaction (one statement per table for all the spans)."""
        spans = [m.span for m in matches]
        with self._tx() as r:
            if spans:
                within, bounds = _within(spans)
                for table in (
                    "matched_positions",
                    "matched_events",
                    "matched_signs",
                    "matched_lanes",
                ):
                    r.run(f"DELETE FROM {table} WHERE {within}", bounds)
            r.insert(
                "matched_positions",
                [
                    "vehicle_id",
                    "ts",
                    "matched",
                    "osm_way_id",
                    "segment_id",
                    "distance_m",
                    "quality",
                    "trip",
                    "speed_mps",
                ],
                [
                    [
                        m.span.vehicle_id,
                        f.ts,
                        f.matched,
                        f.osm_way_id,
                        f.segment_id,
                        f.distance_m,
                        f.quality,
                        f.trip,
                        f.speed_mps,
                    ]
                    for m in matches
                    for f in m.fixes
                ],
            )
            r.insert(
                "matched_events",
                [
                    "event_id",
                    "vehicle_id",
                    "ts",
                    "matched",
                    "osm_way_id",
                    "segment_id",
                    "road_lon",
                    "road_lat",
                ],
                [
                    [
                        e.key,
                        m.span.vehicle_id,
                        e.ts,
                        e.matched,
                        e.osm_way_id,
                        e.segment_id,
                        e.road_lon,
                        e.road_lat,
                    ]
                    for m in matches
                    for e in m.events
                ],
            )
            r.insert(
                "matched_signs",
                ["vehicle_id", "ts", "sign_type", "matched", "osm_way_id", "segment_id"],
                [
                    [m.span.vehicle_id, s.ts, s.key, s.matched, s.osm_way_id, s.segment_id]
                    for m in matches
                    for s in m.signs
                ],
            )
            r.insert(
                "matched_lanes",
                ["vehicle_id", "ts", "side", "matched", "segment_id"],
                [
                    [m.span.vehicle_id, lane.ts, lane.key, lane.matched, lane.segment_id]
                    for m in matches
                    for lane in m.lanes
                ],
            )
            if batch_ids:
                existing = {
                    str(b)
                    for (b,) in r.fetch(
                        f"SELECT batch_id FROM matched_batches WHERE batch_id IN "
                        f"({placeholders(len(batch_ids))})",
                        [str(b) for b in batch_ids],
                    )
                }
                now = datetime.now(UTC)
                r.insert(
                    "matched_batches",
                    ["batch_id", "matched_at"],
                    [[b, now] for b in dict.fromkeys(map(str, batch_ids)) if b not in existing],
                )

    # -- reads for the data products ---------------------------------------------------

    def segment_fixes(
        self: SqlBackend,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> list[SegmentFix]:
        """Matched fixes on a segment, with the time each stands for (the exposure rule)."""
        conds, params = ["matched"], []
        if start is not None:
            conds.append("ts >= ?")
            params.append(start)
        if end is not None:
            conds.append("ts < ?")
            params.append(end)
        sql = (
            f"SELECT vehicle_id, ts, segment_id, speed_mps, {step_seconds_sql()} "
            f"FROM matched_positions WHERE {' AND '.join(conds)} "
            "AND segment_id IS NOT NULL"
        )
        with self._read() as r:
            rows = r.fetch(sql, params)
        return [
            SegmentFix(str(v), ts, str(seg), None if sp is None else float(sp), float(step))
            for v, ts, seg, sp, step in rows
        ]

    def placed_signs(self: SqlBackend, sign_type: str = "speed_limit") -> list[PlacedSign]:
        """Sign sightings of one type with the segment the vehicle was on."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT s.vehicle_id, s.ts, s.lat, s.lon, s.sign_type, s.value, s.confidence, "
                "m.segment_id FROM sign_sightings s LEFT JOIN matched_signs m ON "
                "m.vehicle_id = s.vehicle_id AND m.ts = s.ts AND m.sign_type = s.sign_type "
                "WHERE s.sign_type = ? ORDER BY s.ts",
                [sign_type],
            )
        return [PlacedSign(*row) for row in rows]

    def placed_lanes(self: SqlBackend) -> list[PlacedLane]:
        """Lane samples with the segment the vehicle was on."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT l.vehicle_id, l.ts, l.side, l.marking_type, l.quality, m.segment_id "
                "FROM lane_samples l LEFT JOIN matched_lanes m ON m.vehicle_id = l.vehicle_id "
                "AND m.ts = l.ts AND m.side = l.side ORDER BY l.ts"
            )
        return [PlacedLane(*row) for row in rows]

    def placed_events(
        self: SqlBackend, event_types: Sequence[str] | None = None
    ) -> list[PlacedEvent]:
        """Events (of some types) with their place on the road; unmatched ones included."""
        where, params = "", []
        if event_types:
            where = f"WHERE e.type IN ({placeholders(len(event_types))})"
            params = list(event_types)
        with self._read() as r:
            rows = r.fetch(
                "SELECT e.event_id, e.vehicle_id, e.ts, e.type, e.lat, e.lon, "
                "coalesce(m.matched, false), m.segment_id, m.road_lon, m.road_lat "
                f"FROM events e LEFT JOIN matched_events m ON m.event_id = e.event_id {where} "
                "ORDER BY e.ts",
                params,
            )
        return [
            PlacedEvent(
                e if isinstance(e, uuid.UUID) else uuid.UUID(str(e)),
                *rest,
            )
            for e, *rest in rows
        ]
