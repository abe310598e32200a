"""Open data keeps no ids and no place seen by too few vehicles; trends across periods."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import geopandas as gpd
import h3
import pytest

from roadsense.analytics.open_data import PlacePeriod, suppress, write_exports
from roadsense.analytics.trends import classify

HOME = h3.latlng_to_cell(35.8500, 128.5500, 10)
CENTRE = h3.latlng_to_cell(35.8714, 128.6014, 10)


def rows() -> list[PlacePeriod]:
    return [
        PlacePeriod(CENTRE, "2025-06-01", 40, 812.5, {"FCW": 12, "HMW": 30}),
        PlacePeriod(HOME, "2025-06-01", 1, 3.2, {"HMW": 1}),  # one taxi parks at home
        PlacePeriod(CENTRE, "2025-07-01", 5, 90.0, {"FCW": 1}),
        PlacePeriod(HOME, "2025-07-01", 4, 6.0, {}),
    ]


def test_places_seen_by_fewer_than_five_vehicles_are_not_published() -> None:
    result = suppress(rows())
    assert [(r.place, r.period) for r in result.published] == [
        (CENTRE, "2025-06-01"),
        (CENTRE, "2025-07-01"),
    ]
    assert result.suppressed == 2
    assert suppress(rows(), min_vehicles=4).suppressed == 1
    with pytest.raises(ValueError, match="single vehicles"):
        suppress(rows(), min_vehicles=1)


def test_exports_in_three_formats_without_ids_or_positions(tmp_path: Path) -> None:
    paths = write_exports(suppress(rows()), tmp_path, ["FCW", "HMW"])
    assert [p.name for p in paths] == ["cells.csv", "cells.geojson", "cells.parquet"]
    with paths[0].open() as handle:
        table = list(csv.DictReader(handle))
    assert len(table) == 2
    assert set(table[0]) == {
        "place",
        "period",
        "vehicles",
        "vehicle_km",
        "events_fcw",
        "events_hmw",
        "events_total",
        "events_per_1000_vkm",
    }
    assert float(table[0]["events_per_1000_vkm"]) == pytest.approx(1000 * 42 / 812.5, abs=0.01)
    geo = json.loads(paths[1].read_text())
    assert geo["roadsense"] == {"min_vehicles": 5, "suppressed_place_periods": 2}
    assert geo["features"][0]["geometry"]["type"] == "Polygon"
    frame = gpd.read_parquet(paths[2])
    assert len(frame) == 2
    assert frame.crs.to_epsg() == 4326


def test_the_lone_taxis_home_cannot_be_found_in_the_export(tmp_path: Path) -> None:
    # an attacker who knows where one taxi driver lives looks for that cell in the export
    paths = write_exports(suppress(rows()), tmp_path, ["FCW", "HMW"])
    for path in paths[:2]:
        assert HOME not in path.read_text()
    assert HOME not in set(gpd.read_parquet(paths[2])["place"])
    assert all(int(r) >= 5 for r in gpd.read_parquet(paths[2])["vehicles"])


def test_trends() -> None:
    ranks = {
        "2025-01": {"a": 1, "b": 2, "c": 30},
        "2025-02": {"a": 2, "b": 3, "c": 25},
        "2025-03": {"a": 1, "b": 40, "c": 20},
        "2025-04": {"a": 3, "b": 50, "c": 1},
    }
    trends = {t.site_id: t for t in classify(ranks, top_n=5)}
    assert trends["a"].trend == "persistent"
    assert trends["a"].periods_in_top == 4
    assert trends["b"].trend == "fading"
    assert trends["c"].trend == "emerging"
    assert trends["c"].latest_rank == 1
    with pytest.raises(ValueError, match="two periods"):
        classify({"2025-01": {"a": 1}})
