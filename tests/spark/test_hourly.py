"""The dashboard's hourly aggregates on Spark, on a store whose oldest weeks were pruned.

The city's store is copied and pruned in the middle of a day (the roll-up keeps the pruned
hours per cell and fleet, no vehicle), its lake exported after the prune; Spark's rows of
the lake, completed by the store with the roll-up and the batches, are the store's own
``hourly_aggregates`` row for row.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from roadsense.lake.export import export_lake
from roadsense.spark.engine import spark_source
from roadsense.spark.session import SparkOptions
from roadsense.store import open_store
from roadsense.store.analytics_rows import DASHBOARD_RESOLUTION as RES
from tests.spark.aggregates import assert_same_aggregates
from tests.spark.conftest import MOVED, T0, StoreWithLake

pytestmark = pytest.mark.slow

CUTOFF = T0 + timedelta(days=20, hours=3, minutes=30)


def test_spark_and_the_roll_up_give_the_stores_aggregates_after_a_prune(
    city_lake: StoreWithLake, tmp_path: Path
) -> None:
    store = tmp_path / "pruned.duckdb"
    shutil.copy(city_lake.store, store)
    with open_store(store) as db:
        assert db.prune(CUTOFF).positions_deleted > 0
        export_lake(db, str(tmp_path / "lake"))
    options = SparkOptions(log_dir=tmp_path / "spark")
    with spark_source(str(tmp_path / "lake"), options) as source:
        raw = source.hourly_aggregates(RES)
    with open_store(store, read_only=True) as db:
        got = db.completed_hourly_aggregates(raw, RES)
        want = db.hourly_aggregates(RES)
    assert_same_aggregates(want, got)
    cutoff_h = int(CUTOFF.timestamp()) // 3600
    assert min(r.hour for r in got.cells) < cutoff_h  # the pruned hours, from the roll-up
    assert min(r.hour for r in got.vehicles) >= cutoff_h  # no vehicle kept for them
    assert {r.fleet_id for r in got.vehicles if r.vehicle_id == MOVED} == {"fleet-b"}
