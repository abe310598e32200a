"""Exposure and traffic speeds per segment, from a matched simulated fleet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from roadsense.analytics.speeds import (
    exposure_geojson,
    hour_of_week,
    segment_exposure,
    segment_speeds,
    speeds_geojson,
)
from roadsense.roads.geo_export import write_geoparquet
from roadsense.roads.service import CityRoads
from roadsense.sim import SimResult
from roadsense.store import Store, open_store
from tests.roads.conftest import fleet_run, helsinki, roads_cache  # noqa: F401
from tests.roads.fleet_store import fill


@pytest.fixture(scope="module")
def matched_store(
    tmp_path_factory: pytest.TempPathFactory,
    helsinki: CityRoads,  # noqa: F811
    fleet_run: SimResult,  # noqa: F811
) -> Iterator[Store]:
    db = open_store(tmp_path_factory.mktemp("speeds") / "store.duckdb")
    fill(db, fleet_run, helsinki)
    yield db
    db.close()


def test_exposure_adds_up_and_hides_small_cells(matched_store: Store) -> None:
    rows = segment_exposure(matched_store, min_vehicles=1)
    assert rows
    fixes = matched_store.segment_fixes()
    total_km = sum((f.speed_mps or 0) * f.step_s for f in fixes) / 1000
    assert sum(r.vehicle_km for r in rows) == pytest.approx(total_km, rel=1e-3)
    assert sum(r.vehicle_hours for r in rows) == pytest.approx(
        sum(f.step_s for f in fixes) / 3600, rel=1e-3
    )
    assert all(r.hour.minute == 0 for r in rows)
    k = 3
    kept = segment_exposure(matched_store, min_vehicles=k)
    assert {(r.segment_id, r.hour) for r in kept} == {
        (r.segment_id, r.hour) for r in rows if r.vehicles >= k
    }
    assert len(kept) < len(rows)


def test_speeds_per_segment_and_hour_of_week(matched_store: Store) -> None:
    rows = segment_speeds(matched_store, min_vehicles=1, tz="Asia/Seoul")
    assert rows
    for r in rows:
        assert 0 <= r.hour_of_week < 168
        assert r.median_kmh <= r.p85_kmh + 1e-9
        assert r.samples >= r.vehicles >= 1
        assert 0 <= r.share_over_limit <= 1
        assert r.congestion_index == pytest.approx(r.free_flow_kmh / max(r.mean_kmh, 1), rel=1e-2)
    # the simulation starts Monday 2025-06-02 00:00 UTC = 09:00 in Seoul
    assert {r.hour_of_week for r in rows} == {9}
    assert not segment_speeds(matched_store, min_vehicles=13)  # only 12 taxis: all suppressed


def test_products_export_as_geojson_and_geoparquet(matched_store: Store, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    segments = matched_store.road_segments()
    collection = speeds_geojson(segment_speeds(matched_store, min_vehicles=1), segments)
    assert all(f["geometry"]["type"] == "LineString" for f in collection["features"])
    out = tmp_path / "speeds.parquet"
    write_geoparquet(collection, out)
    table = pq.read_table(out)
    assert table.num_rows == len(collection["features"])
    assert b"geo" in (table.schema.metadata or {})
    assert "mean_kmh" in table.column_names
    exposure = exposure_geojson(segment_exposure(matched_store, 1), segments)
    assert exposure["features"][0]["properties"]["hour"].endswith("+00:00")


def test_hour_of_week() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    assert hour_of_week(datetime(2025, 6, 2, 0, tzinfo=UTC), ZoneInfo("UTC")) == 0
    assert hour_of_week(datetime(2025, 6, 8, 23, tzinfo=UTC), ZoneInfo("UTC")) == 167
