"""Spark test fixtures: a small store with its lake, and a standalone cluster on 127.0.0.1.

The store is two months of 12 taxis over 40 cells with a planted hotspot (months, so that
the trends run), exported to a Parquet lake. The cluster is a Spark standalone master and
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

import h3
import numpy as np
import pytest

from roadsense.lake.export import export_lake
from roadsense.schema import AdasEvent, Batch, EventType, Position
from roadsense.store import open_store
from roadsense.store.analytics_rows import CrashRecord, DriverShift
from tests.factories import grid_cells, leg

T0 = datetime(2025, 5, 5, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class StoreWithLake:
    store: Path
    lake: Path


def fill_city(store_path: Path) -> None:
    """12 taxis over 40 cells for eight weeks, cell 0 a hotspot; a few HMW, shifts."""
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
