"""The lake's files are valid GeoParquet: geopandas reads the points back."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from roadsense.lake import export_lake
from roadsense.schema import SCHEMA_VERSION
from roadsense.store import Store
from tests.lake.records import DAY1, fill

gpd = pytest.importorskip("geopandas")


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


def test_points_read_back_as_geometry_with_crs84(any_store: Store, lake: Path) -> None:
    fill(any_store, DAY1, "taxi-1", 6)
    export_lake(any_store, str(lake))
    path = lake / "positions" / f"day={DAY1}" / "part-00000.parquet"
    frame = gpd.read_parquet(path)
    assert frame.crs is not None
    assert frame.crs.to_string() == "OGC:CRS84"
    assert list(frame.geometry.x) == list(frame["lon"])
    assert list(frame.geometry.y) == list(frame["lat"])
    geo = json.loads(pq.read_schema(path).metadata[b"geo"])
    assert geo["version"].startswith("1.")
    assert geo["columns"]["geometry"] == {"encoding": "WKB", "geometry_types": ["Point"]}
    tag = json.loads(pq.read_schema(path).metadata[b"roadsense"])
    assert tag == {
        "table": "positions",
        "day": DAY1.isoformat(),
        "upload_schema_version": SCHEMA_VERSION,
    }
    events = gpd.read_parquet(lake / "events" / f"day={DAY1}" / "part-00000.parquet")
    assert events.geometry.isna().sum() == 1  # the event without a fix has no point
    lanes = gpd.read_parquet(lake / "lane_samples" / f"day={DAY1}" / "part-00000.parquet")
    assert lanes.geometry.isna().all()
