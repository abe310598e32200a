"""Network screening of map-matched road segments (SPF with road class, empirical Bayes)."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from pathlib import Path

from typer.testing import CliRunner

from roadsense.analytics.network_screening import screen_junctions, screen_segments
from roadsense.analytics.open_data import segment_place_periods
from roadsense.analytics.placement import SegmentIndex
from roadsense.cli.main import app
from roadsense.roads.service import CityRoads
from roadsense.roads.store_sync import match_new
from roadsense.schema import AdasEvent, EventSource, EventType, Position, Record
from roadsense.sim import SimResult, load_vehicle_records
from roadsense.store import DuckDBStore
from tests.roads.fleet_store import fill, shared_segment, upload


def test_a_segment_with_planted_warnings_ranks_first(
    store: DuckDBStore, helsinki: CityRoads, fleet_run: SimResult
) -> None:
    assert "no road network" in screen_segments(store).note
    fill(store, fleet_run, helsinki)
    target, visits = shared_segment(store)
    # each taxi that drove the segment warned there four more times, at its own fixes
    planted: list[AdasEvent] = []
    for vid, when in visits.items():
        fix = next(
            r
            for r in load_vehicle_records(fleet_run.out_dir, vid)
            if isinstance(r, Position) and r.time == when
        )
        planted += [
            AdasEvent(
                event_id=uuid.uuid4(),
                vehicle_id=vid,
                time=when,
                type=EventType.HMW,
                lat=fix.lat,
                lon=fix.lon,
                source=EventSource.MOBILEYE,
            )
            for _ in range(4)
        ]
        items: list[Record] = [*planted[-4:]]
        upload(store, items, device=f"gw-{vid}")
    match_new(store, helsinki.matcher())
    result = screen_segments(store, (), min_vehicle_km=0.01, min_vehicles=1)
    assert result.spf is not None, result.note
    assert result.segments[0].segment_id == target
    assert result.segments[0].observed >= len(planted)
    assert result.segments[0].excess > 0
    assert [s.rank for s in result.segments] == list(range(1, len(result.segments) + 1))
    assert all(s.predicted > 0 for s in result.segments)


def test_open_data_has_segments_without_ids_or_small_counts(
    store: DuckDBStore, helsinki: CityRoads, fleet_run: SimResult, tmp_path: Path
) -> None:
    fill(store, fleet_run, helsinki)
    rows = segment_place_periods(store, "month", "Asia/Seoul")
    assert rows
    assert sum(r.vehicle_km for r in rows) > 0
    store.close()
    out = tmp_path / "open"
    result = CliRunner().invoke(
        app,
        [
            "export",
            "open-data",
            "--out",
            str(out),
            "--store",
            str(store.path),
            "--min-vehicles",
            "3",
        ],
    )
    assert result.exit_code == 0, result.output
    geo = json.loads((out / "segments.geojson").read_text())
    published = geo["features"]
    expected = [r for r in rows if r.vehicles >= 3]
    assert len(published) == len(expected)
    assert all(f["properties"]["vehicles"] >= 3 for f in published)
    assert all(f["geometry"]["type"] == "LineString" for f in published)
    text = (out / "segments.csv").read_text()
    assert not any(vid in text for vid in fleet_run.vehicle_ids)


def test_junctions_screened_and_crashes_snapped_to_segments(
    store: DuckDBStore, helsinki: CityRoads, fleet_run: SimResult, tmp_path: Path
) -> None:
    fill(store, fleet_run, helsinki)
    segments = store.road_segments()
    nodes = store.road_junctions()
    assert nodes
    assert all(j.degree >= 3 and j.segments for j in nodes)
    before = screen_junctions(store, min_vehicle_km=0.01)
    assert before.junctions, before.note
    # warnings at the junction with the least approach traffic, at a time no trip covers
    quiet = min(before.junctions, key=lambda j: j.approach_vehicle_km)
    vid = fleet_run.vehicle_ids[0]
    late = max(r.time for r in load_vehicle_records(fleet_run.out_dir, vid)) + timedelta(hours=3)
    items: list[Record] = [
        AdasEvent(
            event_id=uuid.uuid4(),
            vehicle_id=vid,
            time=late + timedelta(seconds=i),
            type=EventType.FCW,
            lat=quiet.lat,
            lon=quiet.lon,
            source=EventSource.MOBILEYE,
        )
        for i in range(8)
    ]
    upload(store, items, device=f"gw-{vid}")
    match_new(store, helsinki.matcher())
    after = screen_junctions(store, min_vehicle_km=0.01)
    assert after.spf is not None, after.note
    assert after.junctions[0].node_id == quiet.node_id
    assert after.junctions[0].observed >= 8

    index = SegmentIndex(segments)
    seg = segments[len(segments) // 2]
    lon, lat = seg.coords[0]
    hit = index.nearest(lon + 0.00002, lat, 30.0)  # about 1 m east of the segment's start
    assert hit is not None
    assert hit[1] < 5.0
    assert index.nearest(25.30, 60.30, 30.0) is None  # out at sea, east of the extract

    on_road = [(s.coords[0][1], s.coords[0][0]) for s in segments[:40]]
    rows = ["time,lat,lon,severity,crash_type"]
    rows += [f"2025-06-02T08:00:00+00:00,{la},{lo},minor,rear-end" for la, lo in on_road]
    rows.append("2025-06-02T08:00:00+00:00,60.30,25.30,minor,far away")
    crashes = tmp_path / "crashes.csv"
    crashes.write_text("\n".join(rows) + "\n", encoding="utf-8")
    store.close()
    runner = CliRunner()
    imported = runner.invoke(
        app, ["crashes", "import", str(crashes), "--mapping", "simple", "--store", str(store.path)]
    )
    assert imported.exit_code == 0, imported.output
    validated = runner.invoke(
        app, ["crashes", "validate", "--sites", "segments", "--store", str(store.path)]
    )
    assert "1 crash(es) more than 30 m from any road were left out" in validated.output
