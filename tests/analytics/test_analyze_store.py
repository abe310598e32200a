"""The safety analyses on a real store: screening, analyze, scores, rollout, crashes, export."""

from __future__ import annotations

import csv
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import h3
import numpy as np
import pytest
from typer.testing import CliRunner

from roadsense.analytics.analyze import AnalyzeParams, analyze
from roadsense.analytics.driver_scores import coaching_summary, fleet_scores
from roadsense.analytics.network_screening import screen_cells
from roadsense.cli.main import app
from roadsense.schema import AdasEvent, Batch, Position
from roadsense.store import DuckDBStore
from roadsense.store.analytics_rows import DriverShift
from tests.factories import grid_cells, leg

T0 = datetime(2025, 5, 5, 0, 0, tzinfo=UTC)  # a Monday, 09:00 in Daegu
runner = CliRunner()


def ingest(store: DuckDBStore, items: list[Position | AdasEvent]) -> None:
    for i in range(0, len(items), 2000):
        store.ingest(Batch(batch_id=uuid.uuid4(), device_id="gw", items=items[i : i + 2000]))


@pytest.fixture
def city(store: DuckDBStore) -> DuckDBStore:
    """40 cells, 12 taxis over two months; cell 0 is a planted hotspot."""
    rng = np.random.default_rng(4)
    cells = grid_cells(40)
    items: list[Position | AdasEvent] = []
    for v in range(12):
        for day in range(0, 56, 2):
            for c_index in rng.choice(len(cells), 8, replace=False):
                cell = cells[int(c_index)]
                km = float(rng.uniform(0.5, 3.0))
                rate = 8.0 if c_index == 0 else 0.8  # warnings per km
                start = T0 + timedelta(days=day, minutes=int(c_index) * 10)
                items += leg(f"taxi-{v:02d}", cell, start, km, int(rng.poisson(rate * km)))
    ingest(store, items)
    return store


def test_screening_ranks_the_planted_hotspot_first(city: DuckDBStore) -> None:
    result = screen_cells(city, 10)
    assert result.spf is not None
    assert result.cells[0].cell == grid_cells(40)[0]
    assert result.cells[0].excess > 0
    assert all(c.predicted > 0 for c in result.cells)


def test_analyze_writes_results_and_records_the_run(city: DuckDBStore, tmp_path: Path) -> None:
    result = analyze(city, tmp_path, AnalyzeParams(min_vehicles=2))
    names = {p.name for p in result.files}
    assert {"screening_cells.csv", "clusters.csv", "trends.csv", "scores.csv"} <= names
    assert result.trends.get("persistent", 0) >= 1
    (run,) = city.analysis_runs()
    assert run.run_id == result.run_id
    assert run.parameters["resolution"] == 10
    assert run.data["vehicles"] == 12
    assert run.results["top_cells"][0] == grid_cells(40)[0]


def test_scores_per_driver_through_shifts(city: DuckDBStore) -> None:
    city.add_driver_shifts(
        [
            DriverShift("kim", "taxi-00", T0, T0 + timedelta(days=60)),
            DriverShift("lee", "taxi-01", T0, T0 + timedelta(days=60)),
        ]
    )
    subjects = fleet_scores(city, ["FCW"], T0 + timedelta(days=28))
    assert [s.subject for s in subjects] == ["kim", "lee"]
    assert all(s.kind == "driver" for s in subjects)
    text = coaching_summary(subjects[0])
    assert "driver kim" in text
    assert "per 100 km" in text


def test_rollout_recovers_a_planted_reduction(store: DuckDBStore, tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    plan = ["vehicle_id,installed,live_from"]
    items: list[Position | AdasEvent] = []
    cell = grid_cells(1)[0]
    for v in range(30):
        live_week = [4, 6, 8, 99][v % 4]
        live_from = (T0 + timedelta(weeks=live_week)).date()
        plan.append(f"taxi-{v},{T0.date()},{live_from if live_week < 99 else ''}")
        base = rng.gamma(4, 0.5 / 4)
        for week in range(12):
            km = float(rng.uniform(300, 600))
            rate = base * (0.6 if week >= live_week else 1.0)
            items += leg(
                f"taxi-{v}",
                cell,
                T0 + timedelta(weeks=week, hours=3),
                km,
                int(rng.poisson(rate * km)),
            )
    ingest(store, items)
    store.close()
    plan_path = tmp_path / "rollout.csv"
    plan_path.write_text("\n".join(plan) + "\n", encoding="utf-8")
    out = tmp_path / "rollout.json"
    result = runner.invoke(
        app, ["evaluate", "rollout", str(plan_path), "--store", str(store.path), "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    fcw = next(r for r in json.loads(out.read_text())["results"] if r["event_type"] == "FCW")
    assert fcw["ci_low"] < 0.6 < fcw["ci_high"]
    assert fcw["rate_ratio"] == pytest.approx(0.6, rel=0.15)


def test_crash_import_validate_and_open_data_export(city: DuckDBStore, tmp_path: Path) -> None:
    db = str(city.path)
    lone_home = h3.latlng_to_cell(35.80, 128.50, 10)
    ingest(city, leg("taxi-lonely", lone_home, T0, 3.0, 2))
    city.close()
    cells = grid_cells(40)
    rows = ["time,lat,lon,severity,crash_type"]
    for i, cell in enumerate(cells):
        lat, lon = h3.cell_to_latlng(cell)
        for _ in range(6 if i == 0 else i % 2):
            rows.append(f"2025-05-20T08:00:00+09:00,{lat},{lon},minor,rear-end")
    rows.append("garbage,1,2,minor,x")
    crashes = tmp_path / "crashes.csv"
    crashes.write_text("\n".join(rows) + "\n", encoding="utf-8")
    imported = runner.invoke(
        app, ["crashes", "import", str(crashes), "--mapping", "simple", "--store", db]
    )
    assert imported.exit_code == 0, imported.output
    assert "1 rejected" in imported.output
    validated = runner.invoke(app, ["crashes", "validate", "--store", db])
    assert validated.exit_code == 0, validated.output
    assert "Spearman" in validated.output

    out = tmp_path / "open"
    exported = runner.invoke(
        app, ["export", "open-data", "--out", str(out), "--resolution", "10", "--store", db]
    )
    assert exported.exit_code == 0, exported.output
    with (out / "cells.csv").open() as handle:
        published = list(csv.DictReader(handle))
    assert published
    assert all(int(r["vehicles"]) >= 5 for r in published)
    # the one taxi that drove to an out-of-the-way cell cannot be found there
    assert lone_home not in {r["place"] for r in published}
    text = (out / "cells.geojson").read_text()
    assert "taxi-" not in text
    assert lone_home not in text
    months = {r["period"] for r in published}
    assert months <= {date(2025, 5, 1).isoformat(), date(2025, 6, 1).isoformat()}
