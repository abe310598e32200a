"""Spark test fixtures: a small store with its lake, and a standalone cluster on 127.0.0.1.

The store is two months of 12 taxis over 40 cells with a planted hotspot (months, so that
the trends run), on a small road network with its map matches, exported to a Parquet
lake. The cluster is a Spark standalone master and
two one-core workers started from what pyspark ships (``bin/spark-class``), listening on
127.0.0.1 only, and stopped with the session.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import h3
import numpy as np
import pytest

from roadsense.lake.export import export_lake
from roadsense.schema import AdasEvent, Batch, EventType, Position
from roadsense.store import Junction, Segment, Store, open_store
from roadsense.store.analytics_rows import CrashRecord, DriverShift
from roadsense.store.roads_rows import FixMatch, MatchSpan, NetworkInfo, PlacedRecord, SpanMatches
from tests.factories import grid_cells, leg, small_network

T0 = datetime(2025, 5, 5, 0, 0, tzinfo=UTC)

FLEET_A, FLEET_B = "fleet-a", "fleet-b"
MOVED = "taxi-03"
"""Moved from fleet A to fleet B in the middle of a day it drives (:data:`MOVED_AT`)."""
MOVED_AT = T0 + timedelta(days=10, hours=3)
UNFLEETED = "taxi-11"
"""In no fleet: its records count for fleet ''."""


@dataclass(frozen=True)
class StoreWithLake:
    store: Path
    lake: Path


SEGMENTS = 24
"""Road segments of the city: the fixes and events of cell ``i`` are matched onto
segment ``i % SEGMENTS``; the first 16 cells' centres are the network's nodes."""


def city_network(cells: list[str]) -> tuple[NetworkInfo, list[Segment], list[Junction]]:
    """24 segments between the centres of 16 cells, primary and residential."""
    nodes = [(i, *reversed(h3.cell_to_latlng(c))) for i, c in enumerate(cells[:16])]
    edges = [
        (f"seg-{k:02d}", k % 16, (5 * k + 3) % 16, "primary" if k % 3 else "residential")
        for k in range(SEGMENTS)
    ]
    return small_network("city-net", nodes, edges)


def city_matches(db: Store, cells: list[str], vehicles: int) -> None:
    """Every fix and event matched onto its cell's segment, but one in ten left
    unmatched; matched events placed 5 m east of their cell's centre (near a node)."""
    segment_of = {h3.str_to_int(c): f"seg-{i % SEGMENTS:02d}" for i, c in enumerate(cells)}
    spans = [MatchSpan(f"taxi-{v:02d}", T0, T0 + timedelta(days=60)) for v in range(vehicles)]
    where = {
        str(e.event_id): (e.lat, e.lon)
        for e in db.placed_events()
        if e.lat is not None and e.lon is not None  # every event of the city has a fix
    }
    matches = []
    for span, inputs in zip(spans, db.match_inputs(spans), strict=True):
        fixes = []
        for i, f in enumerate(inputs.fixes):
            seg = segment_of[h3.str_to_int(h3.latlng_to_cell(f.lat, f.lon, 10))]
            on = i % 10 != 9
            fixes.append(
                FixMatch(f.ts, on, 1 if on else None, seg if on else None, 1.0, 0.9, 0, f.speed_mps)
            )
        events = []
        for i, e in enumerate(inputs.events):
            lat, lon = where[e.key]
            seg = segment_of[h3.str_to_int(h3.latlng_to_cell(lat, lon, 10))]
            on = i % 10 != 9
            events.append(
                PlacedRecord(e.ts, e.key, on, 1, seg, lon + 5 / 90_000, lat)
                if on
                else PlacedRecord(e.ts, e.key, False, None, None)
            )
        matches.append(SpanMatches(span, fixes, events, [], []))
    db.save_matches(matches, [])


def fill_city(store_path: Path) -> None:
    """12 taxis over 40 cells for eight weeks, cell 0 a hotspot; a few HMW, shifts; a
    road network with every fix and event matched (but one in ten). Taxis 0-5 are in
    fleet A, 6-10 in fleet B, taxi 11 in none; taxi 3 moves from A to B mid-day."""
    rng = np.random.default_rng(4)
    cells = grid_cells(40)
    items: list[Position | AdasEvent] = []
    for v in range(12):
        for day in range(0, 56, 2):
            for c_index in rng.choice(len(cells), 8, replace=False):
                cell = cells[int(c_index)]
                km = float(rng.uniform(0.5, 3.0))
                rate = 8.0 if c_index == 0 else 0.8
                start = T0 + timedelta(days=day, minutes=int(c_index) * 10)
                kind = EventType.HMW if c_index % 3 == 0 else EventType.FCW
                items += leg(f"taxi-{v:02d}", cell, start, km, int(rng.poisson(rate * km)), kind)
    with open_store(store_path) as db:
        for i in range(0, len(items), 2000):
            db.ingest(Batch(batch_id=uuid.uuid4(), device_id="gw", items=items[i : i + 2000]))
        db.add_driver_shifts(
            [
                DriverShift(f"driver-{v:02d}", f"taxi-{v:02d}", T0, T0 + timedelta(days=60))
                for v in range(12)
            ]
        )
        db.add_crashes(  # more crashes where more warnings: the validation has a verdict
            CrashRecord(
                f"c{i}",
                T0 + timedelta(days=i % 50),
                lat,
                lon,
                "minor",
                None,
                "police",
            )
            for i, cell in enumerate(cells[:1] * 6 + cells[1:20])
            for lat, lon in [h3.cell_to_latlng(cell)]
        )
        db.replace_road_network(*city_network(cells))
        city_matches(db, cells, 12)
        db.add_fleet(FLEET_A, "A Cabs")
        db.add_fleet(FLEET_B, "B Cabs")
        for v in range(11):
            db.add_vehicle(f"taxi-{v:02d}", FLEET_A if v < 6 else FLEET_B)
    move_in_the_past(store_path, MOVED, FLEET_B, MOVED_AT)


def move_in_the_past(store_path: Path, vehicle: str, fleet: str, at: datetime) -> None:
    """``vehicle`` moved to ``fleet`` at ``at`` (the registry moves vehicles now only)."""
    con = duckdb.connect(str(store_path))
    try:
        con.execute(
            "UPDATE fleet_memberships SET valid_to = ? WHERE vehicle_id = ? AND valid_to IS NULL",
            [at, vehicle],
        )
        con.execute("INSERT INTO fleet_memberships VALUES (?, ?, ?, NULL)", [vehicle, fleet, at])
        con.execute("UPDATE vehicles SET fleet_id = ? WHERE vehicle_id = ?", [fleet, vehicle])
    finally:
        con.close()


@pytest.fixture(scope="session")
def city_lake(tmp_path_factory: pytest.TempPathFactory) -> StoreWithLake:
    root = tmp_path_factory.mktemp("spark-city")
    store = root / "roadsense.duckdb"
    fill_city(store)
    with open_store(store) as db:
        export_lake(db, str(root / "lake"))
    return StoreWithLake(store, root / "lake")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def _wait_for_port(port: int, proc: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + 90.0
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the Spark {what} exited: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1.0):
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the Spark {what} did not listen on 127.0.0.1:{port} within 90 s")


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``spark://127.0.0.1:PORT`` of a standalone master with two one-core workers."""
    root = tmp_path_factory.mktemp("spark-cluster")
    env = dict(
        os.environ,
        SPARK_LOCAL_IP="127.0.0.1",
        SPARK_LOG_DIR=str(root),
        SPARK_WORKER_DIR=str(root / "work"),
        SPARK_NO_DAEMONIZE="1",
    )
    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> tuple[subprocess.Popen[bytes], Path]:
        log = root / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(spark_class()), *args], env=env, stdout=out, stderr=subprocess.STDOUT
            )
        procs.append(proc)
        return proc, log

    try:
        master, log = start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(free_port()),
        )
        _wait_for_port(port, master, "master", log)
        url = f"spark://127.0.0.1:{port}"
        for i in range(2):
            start(
                f"worker-{i}",
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",
                "--webui-port",
                str(free_port()),
                url,
            )
        yield url
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
