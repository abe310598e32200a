"""The DuckDB store: durable, once-only ingest, devices, and the aggregates analytics use."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import h3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from roadsense.schema import Batch, DeviceStatus, EventType, LaneSample, SignSighting
from roadsense.store import DuckDBStore, StoreError, open_store
from roadsense.store.h3cells import fine_cell, parent_sql
from roadsense.store.migrations import latest_version
from tests.factories import T0, AnyRecord, batch, event, position, track


def test_new_store_is_migrated_to_the_latest_schema(store: DuckDBStore) -> None:
    assert store.schema_version() == latest_version("duckdb") >= 1


def test_ingest_stores_every_record_once(store: DuckDBStore) -> None:
    b = batch([*track("taxi-1", 10), event(second=3), event(second=4)])
    first = store.ingest(b)
    assert first.status == "stored"
    assert first.counts == {"position": 10, "event": 2}
    again = store.ingest(b)
    assert again.status == "duplicate"
    totals = store.totals()
    assert (totals.positions, totals.events, totals.batches) == (10, 2, 1)


def test_an_event_resent_in_another_batch_is_stored_once(store: DuckDBStore) -> None:
    e = event()
    store.ingest(batch([e, position()]))
    result = store.ingest(batch([e, position(second=1)]))
    assert result.status == "stored"
    assert result.counts == {"position": 1}
    assert store.totals().events == 1


def test_other_record_kinds_are_stored(store: DuckDBStore) -> None:
    items: list[AnyRecord] = [
        SignSighting(
            vehicle_id="taxi-1", time=T0, lat=60.17, lon=24.94, sign_type="speed_limit", value=40
        ),
        LaneSample(vehicle_id="taxi-1", time=T0, side="left", marking_type="dashed", quality=2),
        DeviceStatus(vehicle_id="taxi-1", time=T0, failsafe=True, counters={"bad_frames": 3}),
    ]
    result = store.ingest(batch(items))
    assert result.counts == {"sign": 1, "lane": 1, "status": 1}


def test_data_survives_closing_and_reopening(store_path: Path) -> None:
    with open_store(store_path) as db:
        db.ingest(batch(track("taxi-1", 5)))
    with open_store(store_path) as db:
        assert db.totals().positions == 5


def test_concurrent_uploads_are_all_committed(store: DuckDBStore) -> None:
    batches = [batch(track(f"taxi-{i}", 50)) for i in range(40)]
    results: list[str] = []
    lock = threading.Lock()

    def upload(chunk: list[Batch]) -> None:
        for b in chunk:
            r = store.ingest(b)
            with lock:
                results.append(r.status)

    threads = [threading.Thread(target=upload, args=(batches[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("stored") == 40
    assert store.totals().positions == 40 * 50


def test_devices_are_provisioned_found_by_token_hash_and_revoked(store: DuckDBStore) -> None:
    store.add_device("gw-1", "taxi-1", "hash-1")
    device = store.device_by_token_hash("hash-1")
    assert device is not None
    assert (device.device_id, device.vehicle_id) == ("gw-1", "taxi-1")
    assert store.device_by_token_hash("hash-2") is None
    with pytest.raises(StoreError, match="already"):
        store.add_device("gw-1", "taxi-9", "hash-3")
    assert store.revoke_device("gw-1")
    assert not store.revoke_device("gw-1")
    assert store.device_by_token_hash("hash-1") is None
    assert [d.device_id for d in store.list_devices()] == ["gw-1"]


def test_exposure_is_speed_times_time_to_next_fix(store: DuckDBStore) -> None:
    # 101 fixes at 10 m/s: 100 one-second steps = 1 km (the last fix has no next one)
    store.ingest(batch(track("taxi-1", 101, speed=10.0)))
    # a 60 s gap counts only up to 5 s
    store.ingest(batch([position("taxi-2", 0, speed=20.0), position("taxi-2", 60, speed=20.0)]))
    assert store.totals().vehicle_km == pytest.approx(1.0 + 0.1)
    cells = store.exposure_by_cell(9)
    assert sum(c.vehicle_km for c in cells) == pytest.approx(1.1)
    assert max(c.vehicles for c in cells) == 2


def test_events_by_cell_filters_by_type(store: DuckDBStore) -> None:
    store.ingest(
        batch(
            [
                event(kind=EventType.FCW),
                event(kind=EventType.FCW),
                event(kind=EventType.HMW),
                event(lat=None, lon=None),
            ]
        )
    )
    assert sum(c.events for c in store.events_by_cell(10)) == 3  # the one without a fix has no cell
    assert sum(c.events for c in store.events_by_cell(10, ["HMW"])) == 1
    assert [e.type for e in store.events(["FCW"])] == ["FCW", "FCW"]


def test_a_second_process_gets_a_clear_error(store: DuckDBStore, store_path: Path) -> None:
    assert store.totals().positions == 0  # held open by this process
    code = (
        "import sys\n"
        "from roadsense.store import open_store, StoreError\n"
        "try:\n"
        f"    open_store({str(store_path)!r})\n"
        "except StoreError as exc:\n"
        "    print(exc); sys.exit(3)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 3, done.stderr
    assert "Is a roadsense server using it?" in done.stdout


def test_a_store_from_a_newer_roadsense_is_refused(store_path: Path) -> None:
    open_store(store_path).close()
    con = duckdb.connect(str(store_path))
    con.execute("INSERT INTO schema_migrations VALUES (999, now())")
    con.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(store_path)


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "broken.duckdb"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"not a readable DuckDB store|cannot open"):
        open_store(bad)


def test_unsupported_store_urls_are_refused() -> None:
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://example/db")


@given(lat=st.floats(-85, 85), lon=st.floats(-179.9, 179.9), resolution=st.integers(0, 12))
def test_parent_in_sql_matches_h3(lat: float, lon: float, resolution: int) -> None:
    cell = fine_cell(lat, lon)
    ((parent,),) = duckdb.execute(
        f"SELECT {parent_sql(str(cell) + '::UBIGINT', resolution)}"
    ).fetchall()
    expected = h3.cell_to_parent(h3.int_to_str(cell), resolution)
    assert h3.int_to_str(parent) == expected
