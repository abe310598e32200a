"""A real kill (SIGKILL, no cleanup) in the middle of a partition, then a rerun."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from roadsense.lake import export_lake
from roadsense.lake.target import LakeTarget
from roadsense.store import open_store
from tests.lake.records import DAY1, DAY2, expected, fill, lake_counts, visible_files

_KILLED_EXPORT = """
import os, signal, sys
import pyarrow.parquet as pq
from roadsense.lake import export_lake
from roadsense.store import open_store

writers = []
real = pq.ParquetWriter.write_batch

def dying(self, batch, *a, **k):
    if id(self) not in writers:
        writers.append(id(self))
    real(self, batch, *a, **k)
    if len(writers) == 2:  # a batch of the second partition written: killed outright
        os.kill(os.getpid(), signal.SIGKILL)

pq.ParquetWriter.write_batch = dying
with open_store(sys.argv[1], read_only=True) as db:
    export_lake(db, sys.argv[2], batch_rows=3)
"""


def test_an_export_killed_mid_partition_is_completed_by_the_next(tmp_path: Path) -> None:
    store, lake = str(tmp_path / "store.duckdb"), tmp_path / "lake"
    with open_store(store) as db:
        fill(db, DAY1, "taxi-1", 10, late=True)
        fill(db, DAY2, "taxi-2", 6)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_EXPORT, store, str(lake)], env=env, check=False
    )
    assert killed.returncode == -signal.SIGKILL
    assert LakeTarget.open(str(lake)).temp_files()  # the half partition lies aside
    assert list(visible_files(lake)) == [f"positions/day={DAY1}/part-00000.parquet"]
    with open_store(store, read_only=True) as db:
        export_lake(db, str(lake))
    assert lake_counts(str(lake)) == expected((DAY1, 10, True), (DAY2, 6, False))
    assert LakeTarget.open(str(lake)).temp_files() == []
