"""The lake export on both stores: exact counts, idempotent, incremental, crash-safe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

import roadsense.lake.export as lake_export
from roadsense.lake import MANIFEST_NAME, LakeError, export_lake
from roadsense.lake.target import LakeTarget
from roadsense.schema import SCHEMA_VERSION, SignSighting
from roadsense.store import Store, StoreError
from tests.factories import batch
from tests.lake.records import DAY1, DAY2, DAY3, expected, fill, lake_counts, visible_files


@pytest.fixture
def lake(tmp_path: Path) -> Path:
    return tmp_path / "lake"


@pytest.fixture
def filled(any_store: Store) -> Store:
    fill(any_store, DAY1, "taxi-1", 10, late=True)
    fill(any_store, DAY2, "taxi-2", 6)
    return any_store


def test_round_trip_counts_are_exact_per_table_and_day(filled: Store, lake: Path) -> None:
    result = export_lake(filled, str(lake))
    want = expected((DAY1, 10, True), (DAY2, 6, False))
    assert lake_counts(str(lake)) == want
    assert {t: dict(d) for t, d in result.written.items() if d} == {
        t: dict(d) for t, d in want.items()
    }  # no road network: no matches
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    assert manifest["upload_schema_version"] == SCHEMA_VERSION
    assert manifest["tables"]["positions"][DAY1.isoformat()]["rows"] == 11
    # the whole table reads back as one Hive-partitioned dataset, the late fix on its UTC day
    table = ds.dataset(lake / "positions", format="parquet", partitioning="hive").to_table()
    assert table.num_rows == 17
    late = table.filter(ds.field("ts") == pa.scalar(datetime(2025, 6, 2, 23, 59, 59, tzinfo=UTC)))
    assert late.num_rows == 1
    assert str(late.column("day")[0].as_py()) == DAY1.isoformat()


def test_rows_keep_their_values(filled: Store, lake: Path) -> None:
    export_lake(filled, str(lake))
    events = pq.read_table(lake / "events" / f"day={DAY1}" / "part-00000.parquet")
    assert set(events.column("vehicle_id").to_pylist()) == {"taxi-1"}
    times = events.column("ts").to_pylist()
    assert times == sorted(times)  # ordered by vehicle and time
    assert len(set(events.column("event_id").to_pylist())) == 5
    no_fix = [r for r in events.to_pylist() if r["lat"] is None]
    assert len(no_fix) == 1
    assert no_fix[0]["geometry"] is None
    assert no_fix[0]["position_flag"] == "no_fix"
    positions = pq.read_table(lake / "positions" / f"day={DAY2}" / "part-00000.parquet")
    assert positions.schema.field("h3_cell").type == pa.uint64()
    assert positions.column("speed_mps").to_pylist() == [10.0] * 6


def test_a_second_export_adds_nothing_and_changes_no_file(filled: Store, lake: Path) -> None:
    export_lake(filled, str(lake))
    before = visible_files(lake)
    manifest = (lake / MANIFEST_NAME).read_bytes()
    again = export_lake(filled, str(lake))
    assert again.rows_written == 0
    assert visible_files(lake) == before
    assert (lake / MANIFEST_NAME).read_bytes() == manifest
    assert again.unchanged == {
        "positions": 2,
        "events": 2,
        "sign_sightings": 2,
        "lane_samples": 2,
        "matched_positions": 0,  # no road network, no matches
        "matched_events": 0,
    }


def test_a_new_day_and_a_grown_day_are_exported_on_the_next_run(filled: Store, lake: Path) -> None:
    export_lake(filled, str(lake))
    day2 = (lake / "positions" / f"day={DAY2}" / "part-00000.parquet").read_bytes()
    fill(filled, DAY3, "taxi-3", 4)
    fill(filled, DAY1, "taxi-4", 8)
    result = export_lake(filled, str(lake))
    assert sorted(result.written["positions"]) == [DAY1, DAY3]
    assert result.written["positions"][DAY1] == 19  # rewritten whole
    assert lake_counts(str(lake)) == expected(
        (DAY1, 10, True), (DAY2, 6, False), (DAY3, 4, False), (DAY1, 8, False)
    )
    assert (lake / "positions" / f"day={DAY2}" / "part-00000.parquet").read_bytes() == day2


def test_a_crash_mid_export_leaves_no_half_partition_and_a_rerun_completes_it(
    filled: Store, lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writers: list[int] = []
    real = pq.ParquetWriter.write_batch

    def dying(self: pq.ParquetWriter, batch: pa.RecordBatch, *a: object, **k: object) -> None:
        if id(self) not in writers:
            writers.append(id(self))
        real(self, batch, *a, **k)
        if len(writers) == 2:  # the second partition, a batch of it written: killed
            raise KeyboardInterrupt

    monkeypatch.setattr(pq.ParquetWriter, "write_batch", dying)
    monkeypatch.setattr(lake_export, "_discard", lambda *_: None)  # as a kill: no cleanup
    with pytest.raises(KeyboardInterrupt):
        export_lake(filled, str(lake), batch_rows=3)
    assert LakeTarget.open(str(lake)).temp_files()  # the half file lies aside...
    assert list(visible_files(lake)) == [f"positions/day={DAY1}/part-00000.parquet"]
    assert lake_counts(str(lake))["positions"][DAY1] == 11  # ...never in place
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    assert list(manifest["tables"]["positions"]) == [DAY1.isoformat()]

    monkeypatch.undo()
    result = export_lake(filled, str(lake))
    assert DAY1 not in result.written["positions"]
    assert lake_counts(str(lake)) == expected((DAY1, 10, True), (DAY2, 6, False))
    assert LakeTarget.open(str(lake)).temp_files() == []


def test_an_error_mid_partition_leaves_nothing_behind(
    filled: Store, lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(pq.ParquetWriter, "write_batch", failing)
    with pytest.raises(LakeError, match="disk full"):
        export_lake(filled, str(lake))
    assert visible_files(lake) == {}
    assert LakeTarget.open(str(lake)).temp_files() == []


def test_days_pruned_from_the_store_leave_the_lake(filled: Store, lake: Path) -> None:
    export_lake(filled, str(lake))
    filled.prune(datetime(2025, 6, 3, tzinfo=UTC))
    result = export_lake(filled, str(lake))
    assert result.removed["positions"] == [DAY1]
    assert not (lake / "positions" / f"day={DAY1}").exists()
    assert lake_counts(str(lake))["positions"] == expected((DAY2, 6, False))["positions"]
    assert lake_counts(str(lake))["events"][DAY1] == 5  # events are kept by the store


def test_a_new_upload_schema_version_rewrites_every_day(
    filled: Store, lake: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_lake(filled, str(lake))
    monkeypatch.setattr(lake_export, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    result = export_lake(filled, str(lake))
    assert sum(len(days) for days in result.written.values()) == 8
    manifest = json.loads((lake / MANIFEST_NAME).read_text())
    assert manifest["upload_schema_version"] == SCHEMA_VERSION + 1
    meta = pq.read_schema(lake / "lane_samples" / f"day={DAY2}" / "part-00000.parquet")
    assert json.loads(meta.metadata[b"roadsense"])["upload_schema_version"] == SCHEMA_VERSION + 1


def test_a_fleets_view_of_the_store_cannot_be_exported(filled: Store, lake: Path) -> None:
    with pytest.raises(StoreError, match="whole store"):
        export_lake(filled.scoped("fleet-a"), str(lake))


def test_texts_and_nulls_come_out_as_stored(any_store: Store, lake: Path) -> None:
    when = datetime(2025, 6, 2, 9, 0, 0, 250_000, tzinfo=UTC)
    odd = 'a,"b"\nNULL'
    sign = SignSighting(vehicle_id="taxi-1", time=when, sign_type=odd, value=None)
    assert any_store.ingest(batch([sign])).status == "stored"
    export_lake(any_store, str(lake))
    rows = pq.read_table(lake / "sign_sightings" / f"day={DAY1}" / "part-00000.parquet")
    (row,) = rows.to_pylist()
    assert row["sign_type"] == odd
    assert row["value"] is None
    assert row["lat"] is None
    assert row["geometry"] is None
    assert row["ts"] == when
    assert row["confidence"] == 1.0
