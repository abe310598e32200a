"""Network screening of map-matched road segments (SPF with road class, empirical Bayes)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from typer.testing import CliRunner

from roadsense.analytics.network_screening import screen_segments
from roadsense.analytics.open_data import segment_place_periods
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
