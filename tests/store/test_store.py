"""Every backend: durable, once-only ingest, devices, and the aggregates analytics use.

Each test runs on a DuckDB file and on a real PostgreSQL + PostGIS database.
"""

from __future__ import annotations

import threading

import pytest

from roadsense.schema import AnyRecord, Batch, DeviceStatus, EventType, LaneSample, SignSighting
from roadsense.store import Store, StoreError, open_store
from roadsense.store.analytics_rows import EventWindow
from roadsense.store.exposure import MAX_STEP_S
from roadsense.store.migrations import latest_version
from tests.factories import T0, batch, event, position, track


def test_new_store_is_migrated_to_the_latest_schema(any_store: Store) -> None:
    assert any_store.schema_version() == latest_version(any_store.backend) >= 1


def test_ingest_stores_every_record_once(any_store: Store) -> None:
    b = batch([*track("taxi-1", 10), event(second=3), event(second=4)])
    first = any_store.ingest(b)
    assert first.status == "stored"
    assert first.counts == {"position": 10, "event": 2}
    again = any_store.ingest(b)
    assert again.status == "duplicate"
    totals = any_store.totals()
    assert (totals.positions, totals.events, totals.batches) == (10, 2, 1)


def test_the_same_batch_twice_in_one_group_is_stored_once(any_store: Store) -> None:
    b = batch(track("taxi-1", 3))
    futures = [any_store.submit(b) for _ in range(5)]
    statuses = sorted(f.result(timeout=30).status for f in futures)
    assert statuses == ["duplicate"] * 4 + ["stored"]
    assert any_store.totals().positions == 3


def test_an_event_resent_in_another_batch_is_stored_once(any_store: Store) -> None:
    e = event()
    any_store.ingest(batch([e, position()]))
    result = any_store.ingest(batch([e, position(second=1)]))
    assert result.status == "stored"
    assert result.counts == {"position": 1}
    assert any_store.totals().events == 1


def test_an_event_id_with_other_content_is_a_conflict_even_in_one_group(
    any_store: Store,
) -> None:
    mine = event("taxi-1")
    claim = mine.model_copy(update={"vehicle_id": "taxi-2"})
    genuine = batch([mine, position("taxi-1")])
    first, second, third = (
        any_store.submit(batch([claim, position("taxi-2")], "gw-2")),
        any_store.submit(genuine),
        any_store.submit(batch([mine.model_copy(update={"level": 3})])),
    )
    assert first.result(timeout=30).status == "stored"
    refused = second.result(timeout=30)
    assert (refused.status, refused.conflicts, refused.counts) == ("conflict", (mine.event_id,), {})
    assert third.result(timeout=30).status == "conflict"
    totals = any_store.totals()
    assert (totals.events, totals.positions, totals.batches) == (1, 1, 1)
    # a refused batch left no trace: sent again, it is refused again, not a "duplicate"
    assert any_store.ingest(genuine).status == "conflict"


def test_a_group_meeting_stored_events_keeps_its_other_uploads(any_store: Store) -> None:
    mine = event("taxi-1")
    any_store.ingest(batch([mine]))
    repeat = batch([mine, position("taxi-1")])  # the same event again: stored, event skipped
    claim = batch([mine.model_copy(update={"vehicle_id": "taxi-2"}), position("taxi-2")], "gw-2")
    others = [batch([event(f"taxi-{i}", 5), position(f"taxi-{i}")], f"gw-{i}") for i in range(3, 9)]
    futures = [any_store.submit(b) for b in (repeat, claim, *others)]
    assert [f.result(timeout=30).status for f in futures] == ["stored", "conflict"] + ["stored"] * 6
    totals = any_store.totals()
    assert (totals.events, totals.positions, totals.batches) == (7, 7, 8)


def test_last_seen_under_load_is_written_when_the_store_closes(store_url: str) -> None:
    devices = {f"gw-{i}" for i in range(40)}
    with open_store(store_url) as store:
        futures = [store.submit(batch([position(f"taxi-{d}")], d)) for d in sorted(devices)]
        assert {f.result(timeout=30).status for f in futures} == {"stored"}
    with open_store(store_url) as again:
        assert set(again.device_last_seen()) == devices


def test_other_record_kinds_are_stored(any_store: Store) -> None:
    items: list[AnyRecord] = [
        SignSighting(
            vehicle_id="taxi-1", time=T0, lat=60.17, lon=24.94, sign_type="speed_limit", value=40
        ),
        LaneSample(vehicle_id="taxi-1", time=T0, side="left", marking_type="dashed", quality=2),
        DeviceStatus(vehicle_id="taxi-1", time=T0, failsafe=True, counters={"bad_frames": 3}),
    ]
    result = any_store.ingest(batch(items))
    assert result.counts == {"sign": 1, "lane": 1, "status": 1}


def test_data_survives_closing_and_reopening(store_url: str) -> None:
    with open_store(store_url) as db:
        db.ingest(batch(track("taxi-1", 5)))
    with open_store(store_url) as db:
        assert db.totals().positions == 5


def test_concurrent_uploads_are_all_committed(any_store: Store) -> None:
    batches = [batch(track(f"taxi-{i}", 50)) for i in range(40)]
    results: list[str] = []
    lock = threading.Lock()

    def upload(chunk: list[Batch]) -> None:
        for b in chunk:
            r = any_store.ingest(b)
            with lock:
                results.append(r.status)

    threads = [threading.Thread(target=upload, args=(batches[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count("stored") == 40
    assert any_store.totals().positions == 40 * 50


def test_devices_are_provisioned_found_by_token_hash_and_revoked(any_store: Store) -> None:
    any_store.add_device("gw-1", "taxi-1", "hash-1")
    device = any_store.device_by_token_hash("hash-1")
    assert device is not None
    assert (device.device_id, device.vehicle_id, device.fleet_id) == ("gw-1", "taxi-1", None)
    assert any_store.device_by_token_hash("hash-2") is None
    with pytest.raises(StoreError, match="already"):
        any_store.add_device("gw-1", "taxi-9", "hash-3")
    with pytest.raises(StoreError, match="token"):
        any_store.add_device("gw-2", "taxi-2", "hash-1")
    assert any_store.revoke_device("gw-1")
    assert not any_store.revoke_device("gw-1")
    assert any_store.device_by_token_hash("hash-1") is None
    assert [d.device_id for d in any_store.list_devices()] == ["gw-1"]
    assert [v.vehicle_id for v in any_store.list_vehicles()] == ["taxi-1"]


def test_last_seen_is_kept_per_device(any_store: Store) -> None:
    any_store.ingest(batch([position()], device="gw-1"))
    any_store.ingest(batch([position("taxi-2")], device="gw-2"))
    seen = any_store.device_last_seen()
    assert set(seen) == {"gw-1", "gw-2"}
    assert all(t.tzinfo is not None for t in seen.values())


def test_exposure_is_speed_times_time_to_next_fix(any_store: Store) -> None:
    # 101 fixes at 10 m/s: 100 one-second steps = 1 km (the last fix has no next one)
    any_store.ingest(batch(track("taxi-1", 101, speed=10.0)))
    # a gap of twice the cap counts only up to the cap (60 s at 20 m/s: 1.2 km)
    gap = int(2 * MAX_STEP_S)
    any_store.ingest(
        batch([position("taxi-2", 0, speed=20.0), position("taxi-2", gap, speed=20.0)])
    )
    assert any_store.totals().vehicle_km == pytest.approx(1.0 + 1.2)
    cells = any_store.exposure_by_cell(9)
    assert sum(c.vehicle_km for c in cells) == pytest.approx(2.2)
    assert max(c.vehicles for c in cells) == 2


def test_events_by_cell_filters_by_type(any_store: Store) -> None:
    any_store.ingest(
        batch(
            [
                event(kind=EventType.FCW),
                event(kind=EventType.FCW),
                event(kind=EventType.HMW),
                event(lat=None, lon=None),
            ]
        )
    )
    assert sum(c.events for c in any_store.events_by_cell(10)) == 3  # no fix, no cell
    assert sum(c.events for c in any_store.events_by_cell(10, ["HMW"])) == 1
    assert [e.type for e in any_store.event_points(EventWindow(types=("FCW",)), 100)] == [
        "FCW",
        "FCW",
    ]


def test_same_cells_on_both_backends(any_store: Store) -> None:
    """The SQL parent of an H3 cell is the same whichever backend computes it."""
    import h3

    any_store.ingest(batch([event(lat=35.8714, lon=128.6014), event(lat=-33.86, lon=151.2)]))
    cells = {h3.int_to_str(c.cell) for c in any_store.events_by_cell(7)}
    assert cells == {h3.latlng_to_cell(35.8714, 128.6014, 7), h3.latlng_to_cell(-33.86, 151.2, 7)}


def test_unsupported_store_urls_are_refused() -> None:
    with pytest.raises(StoreError, match="unsupported"):
        open_store("mysql://example/db")
