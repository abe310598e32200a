"""``roadsense roads import | match | export`` on a DuckDB store."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.roads.extracts import bundled_extract
from roadsense.sim import SimResult, load_vehicle_records
from roadsense.store import open_store
from tests.roads.fleet_store import upload

runner = CliRunner()


def test_import_match_export(tmp_path: Path, roads_cache: Path, fleet_run: SimResult) -> None:
    store = str(tmp_path / "s.duckdb")
    pbf = str(bundled_extract("helsinki"))
    done = runner.invoke(app, ["roads", "match", "--roads", pbf, "--store", store])
    assert done.exit_code == 2
    assert "roadsense roads import" in done.output
    done = runner.invoke(app, ["roads", "import", pbf, "--store", store])
    assert done.exit_code == 0, done.output
    assert "segments" in done.output
    with open_store(store) as db:
        vid = fleet_run.vehicle_ids[0]
        upload(db, list(load_vehicle_records(fleet_run.out_dir, vid)), device="gw")
    done = runner.invoke(app, ["roads", "match", "--roads", pbf, "--store", store])
    assert done.exit_code == 0, done.output
    assert "1 vehicles" in " ".join(done.output.split())
    out = tmp_path / "segments.geojson"
    done = runner.invoke(app, ["roads", "export", "segments", "--store", store, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["features"]
    parquet = tmp_path / "exposure.parquet"
    done = runner.invoke(
        app,
        [
            "roads",
            "export",
            "exposure",
            "--store",
            store,
            "--out",
            str(parquet),
            "--format",
            "geoparquet",
            "--min-vehicles",
            "1",
        ],
    )
    assert done.exit_code == 0, done.output
    assert pq.read_table(parquet).num_rows > 0
    done = runner.invoke(app, ["roads", "export", "nonsense", "--store", store, "--out", "x"])
    assert done.exit_code == 2
    assert "unknown product" in done.output
    done = runner.invoke(app, ["roads", "import", str(tmp_path / "no.pbf"), "--store", store])
    assert done.exit_code == 2
    assert "not found" in done.output
