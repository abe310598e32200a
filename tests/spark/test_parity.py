"""``roadsense analyze --engine spark`` gives the embedded engine's answers.

The same store is analysed by DuckDB and by Spark over its lake (``local[2]`` and a
standalone cluster of two workers); the ranked sites (cells, road segments, junctions),
every screening, the speeds per segment and hour of the week, the clusters, the trends,
the crash validation and the scores must agree. Counts must be equal; sums of kilometres
may differ in the last bits (Spark adds in another order), so figures are compared with a
relative tolerance of 1e-9 (:data:`REL`), and the ranks must be the same.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.store import open_store
from roadsense.store.analytics_rows import DASHBOARD_RESOLUTION, HourlyAggregates
from tests.spark.aggregates import assert_same_aggregates
from tests.spark.conftest import FLEET_A, FLEET_B, MOVED, MOVED_AT, StoreWithLake

pytestmark = pytest.mark.slow

REL = 1e-9
"""The documented tolerance of the engines' figures (docs/scale.md)."""

runner = CliRunner()


def run_analyze(city: StoreWithLake, out: Path, *engine: str) -> dict[str, Any]:
    args = ["analyze", "--store", str(city.store), "--out", str(out)]
    args += ["--resolution", "10", "--min-vehicle-km", "0.5", "--min-vehicles", "3"]
    result = runner.invoke(app, [*args, "--json", str(out / "sites.json"), *engine])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads((out / "sites.json").read_text())
    return data


def close(a: str, b: str) -> bool:
    """Equal text, or numbers equal within :data:`REL`."""
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=REL, abs_tol=1e-9)


def assert_same_table(left: Path, right: Path) -> None:
    with left.open() as f:
        a = list(csv.reader(f))
    with right.open() as f:
        b = list(csv.reader(f))
    assert a[0] == b[0], f"{left.name}: columns differ"
    assert len(a) == len(b), f"{left.name}: {len(a)} rows against {len(b)}"
    for i, (ra, rb) in enumerate(zip(a[1:], b[1:], strict=True), 1):
        bad = [(c, x, y) for c, x, y in zip(a[0], ra, rb, strict=True) if not close(x, y)]
        assert not bad, f"{left.name} row {i}: {bad}"


def assert_same_sites(store: dict[str, Any], spark: dict[str, Any]) -> None:
    assert spark["engine"] == "spark"
    assert store["engine"] == "duckdb"
    a, b = store["sites"], spark["sites"]
    assert [(s["kind"], s["id"], s["rank"], s["observed"]) for s in a] == [
        (s["kind"], s["id"], s["rank"], s["observed"]) for s in b
    ]
    for x, y in zip(a, b, strict=True):
        assert math.isclose(x["expected"], y["expected"], rel_tol=REL)
        assert math.isclose(x["excess"], y["excess"], rel_tol=REL, abs_tol=1e-9)


@pytest.fixture(scope="module")
def on_store(city_lake: StoreWithLake, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("on-store")
    run_analyze(city_lake, out)
    return out


def test_spark_local_gives_the_stores_answers(
    city_lake: StoreWithLake, on_store: Path, tmp_path: Path
) -> None:
    spark = run_analyze(city_lake, tmp_path, "--engine", "spark", "--lake", str(city_lake.lake))
    store = json.loads((on_store / "sites.json").read_text())
    assert len(store["sites"]) >= 30  # the planted hotspot and most cells are ranked
    assert store["sites"][0]["observed"] > 3 * store["sites"][1]["observed"]
    with (on_store / "speeds_segments.csv").open() as f:
        speeds = list(csv.DictReader(f))
    assert len({r["segment_id"] for r in speeds}) >= 10  # speeds of most segments
    assert all(int(r["vehicles"]) >= 5 for r in speeds)
    kinds = {s["kind"] for s in store["sites"]}
    assert kinds == {"cell", "segment", "junction"}  # the road sites are screened too
    assert_same_sites(store, spark)
    for name in [
        "screening_cells.csv",
        "screening_segments.csv",
        "screening_junctions.csv",
        "speeds_segments.csv",
        "clusters.csv",
        "trends.csv",
        "scores.csv",
    ]:
        assert (on_store / name).exists(), name
        assert_same_table(on_store / name, tmp_path / name)
    validation = json.loads((on_store / "near_miss_vs_crashes.json").read_text())
    on_spark = json.loads((tmp_path / "near_miss_vs_crashes.json").read_text())
    assert validation.keys() == on_spark.keys()
    for key, value in validation.items():
        assert close(str(value), str(on_spark[key])), (key, value, on_spark[key])
    with open_store(city_lake.store, read_only=True) as db:
        runs = {r.run_id: r for r in db.analysis_runs()}
    assert runs[spark["run_id"]].data["engine"] == "spark"
    assert runs[store["run_id"]].data["engine"] == "duckdb"
    assert_kept_aggregates(city_lake, spark["run_id"])


def assert_kept_aggregates(city: StoreWithLake, run_id: str) -> None:
    """The dashboard's hourly aggregates Spark computed and the run kept are the store's
    own (a vehicle moved between fleets mid-day and one in no fleet included), for the
    city and for a fleet's scoped view."""
    with open_store(city.store, read_only=True) as db:
        kept = db.stored_hourly_aggregates(DASHBOARD_RESOLUTION)
        scanned = db.hourly_aggregates(DASHBOARD_RESOLUTION)
        of_a = db.scoped(FLEET_A).hourly_aggregates(DASHBOARD_RESOLUTION)
    assert kept is not None
    assert kept.run_id == run_id
    assert_same_aggregates(scanned, kept.aggregates)
    moved = {r.fleet_id for r in kept.aggregates.vehicles if r.vehicle_id == MOVED}
    assert moved == {FLEET_A, FLEET_B}
    moving_day = {
        r.fleet_id
        for r in kept.aggregates.vehicles
        if r.vehicle_id == MOVED and r.hour // 24 == int(MOVED_AT.timestamp()) // 86400
    }
    assert moving_day == {FLEET_A, FLEET_B}  # the day it moved is split between them
    assert {r.fleet_id for r in kept.aggregates.cells} == {FLEET_A, FLEET_B, ""}
    only_a = HourlyAggregates(
        [r for r in kept.aggregates.cells if r.fleet_id == FLEET_A],
        [r for r in kept.aggregates.vehicles if r.fleet_id == FLEET_A],
        [r for r in kept.aggregates.cell_events if r.fleet_id == FLEET_A],
        [r for r in kept.aggregates.vehicle_events if r.fleet_id == FLEET_A],
        {},
        [r for r in kept.aggregates.cell_vehicles if r.fleet_id == FLEET_A],
    )
    assert_same_aggregates(replace(of_a, batches={}), only_a)


def test_a_standalone_cluster_gives_the_same_answers(
    city_lake: StoreWithLake, on_store: Path, spark_cluster: str, tmp_path: Path
) -> None:
    lake = str(city_lake.lake)
    spark = run_analyze(
        city_lake, tmp_path, "--engine", "spark", "--lake", lake, "--master", spark_cluster
    )
    assert_same_sites(json.loads((on_store / "sites.json").read_text()), spark)
    for name in ["screening_cells.csv", "screening_junctions.csv", "trends.csv", "scores.csv"]:
        assert_same_table(on_store / name, tmp_path / name)
    assert_kept_aggregates(city_lake, spark["run_id"])
