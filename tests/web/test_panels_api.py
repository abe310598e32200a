"""The panels API on the real server: filters change the answers, fleets see only theirs.

Also the cube on its own: its vehicle-hours match the store's, and a stale cube keeps
answering while a background thread rebuilds it.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from roadsense.server.panels_cube import Cube, CubeHolder, build
from roadsense.store import Store
from tests.web.conftest import (
    FLEET_ID,
    FLEET_KEY,
    FLEET_VEHICLES,
    VEHICLES,
    LiveServer,
    fleet_batches,
)

pytestmark = pytest.mark.slow


def _get(server: LiveServer, path: str, key: str | None = None, **params: str | int) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    cookies = {} if key else {"roadsense_session": server.session}
    r = httpx.get(
        f"{server.url}{path}", params=params, headers=headers, cookies=cookies, timeout=30
    )
    r.raise_for_status()
    return r.json()


def _events(fc: Any) -> int:
    return sum(f["properties"]["events"] for f in fc["features"])


def test_filters_change_the_hotspots_and_events(live_server: LiveServer) -> None:
    fleet = live_server.fleet
    everything = _get(live_server, "/v1/panels/hotspots")
    assert _events(everything) == fleet.events
    hmw = _get(live_server, "/v1/panels/hotspots", event_type="HMW")
    assert _events(hmw) == fleet.events_by_type["HMW"]
    ranked = [f["properties"] for f in everything["features"] if f["properties"]["rank"]]
    assert ranked
    assert all(p["eligible"] for p in ranked)
    # the fleet drives 07:30-07:35 UTC = 16:30 in Seoul: a morning filter leaves nothing
    morning = _get(live_server, "/v1/panels/events", hour_from=6, hour_to=10)
    assert morning["features"] == []
    afternoon = _get(live_server, "/v1/panels/events", hour_from=16, hour_to=17)
    assert len(afternoon["features"]) == fleet.events
    later = _get(live_server, "/v1/panels/events", since="2024-05-07")
    assert later["features"] == []


def test_rates_and_meta(live_server: LiveServer) -> None:
    rates = _get(live_server, "/v1/panels/rates")
    assert rates["days"] == ["2024-05-06"]
    assert set(rates["per_100km"]) == set(live_server.fleet.events_by_type)
    meta = _get(live_server, "/v1/panels/meta")
    assert meta["role"] == "analyst"
    assert {f["fleet_id"] for f in meta["fleets"]} == {FLEET_ID, "fleet-two"}


def test_a_fleet_operator_sees_only_its_fleet(live_server: LiveServer) -> None:
    mine = _get(live_server, "/v1/panels/events", FLEET_KEY, fleet="fleet-two")
    vehicles = {f["properties"]["vehicle"] for f in mine["features"]}
    everyone = _get(live_server, "/v1/panels/events")
    assert len(vehicles) == FLEET_VEHICLES
    all_vehicles = {f["properties"]["vehicle"] for f in everyone["features"]}
    assert len(all_vehicles) == VEHICLES
    assert vehicles < all_vehicles
    scores = _get(live_server, "/v1/panels/fleet-scores", FLEET_KEY)
    assert scores["fleet_id"] == FLEET_ID
    assert {s["subject"] for s in scores["subjects"]} <= vehicles
    r = httpx.get(
        f"{live_server.url}/v1/panels/roads",
        headers={"Authorization": f"Bearer {FLEET_KEY}"},
        timeout=30,
    )
    assert r.status_code == 403


def test_panel_summary_matches_the_store(live_server: LiveServer) -> None:
    fleet = live_server.fleet
    cube = _get(live_server, "/v1/panels/summary")
    assert cube["positions"] == fleet.positions
    assert cube["events_by_type"] == fleet.events_by_type
    assert cube["vehicles"] == VEHICLES
    assert cube["batches"] == fleet.batches
    # resolution 9 is not the cube's: the cells' exposure is read from the store
    cells = _get(live_server, "/v1/panels/hotspots", resolution=9)["features"]
    store_km = sum(f["properties"]["vehicle_km"] for f in cells)
    assert abs(cube["vehicle_km"] - store_km) < 1e-3 * store_km
    mine = _get(live_server, "/v1/panels/summary", FLEET_KEY)
    assert mine["vehicles"] == FLEET_VEHICLES
    assert 0 < mine["positions"] < fleet.positions
    one = _get(live_server, "/v1/panels/fleet-scores", fleet=FLEET_ID)
    assert _get(live_server, "/v1/panels/fleet-scores", fleet=FLEET_ID) == one  # cached
    assert len(one["subjects"]) == FLEET_VEHICLES


def test_events_are_the_newest_whatever_the_limit(live_server: LiveServer) -> None:
    # a small limit takes the cube's bound on the time range: the same newest events
    everything = _get(live_server, "/v1/panels/events")["features"]
    assert len(everything) == live_server.fleet.events
    newest = _get(live_server, "/v1/panels/events", limit=5)["features"]
    assert newest == everything[:5]
    times = [f["properties"]["time"] for f in everything]
    assert times == sorted(times, reverse=True)
    assert times[0].endswith("+00:00")
    props = everything[0]["properties"]
    assert set(props) == {
        "event_id",
        "type",
        "time",
        "level",
        "speed_kmh",
        "ttc_s",
        "headway_s",
        "vehicle",
    }
    assert props["vehicle"].startswith("veh-")


def test_rates_account_for_every_event(live_server: LiveServer) -> None:
    rates = _get(live_server, "/v1/panels/rates")
    (km,) = rates["vehicle_km"]
    per_type = {t: round(v[0] * km / 100.0) for t, v in rates["per_100km"].items()}
    assert per_type == live_server.fleet.events_by_type
    hmw = _get(live_server, "/v1/panels/rates", event_type="HMW")
    assert set(hmw["per_100km"]) == {"HMW"}
    assert _get(live_server, "/v1/panels/rates", hour_from=6, hour_to=10)["days"] == []


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB store of the test fleet (its own file: the live server holds the other)."""
    from roadsense.store import open_store

    db = tmp_path_factory.mktemp("cube") / "roadsense.duckdb"
    batches, _ = fleet_batches()
    store = open_store(str(db))
    try:
        for batch in batches:
            store.ingest(batch)
        store.add_fleet(FLEET_ID, "Fleet One")
        for v in range(FLEET_VEHICLES):
            store.add_vehicle(f"taxi-{v:03d}", FLEET_ID)
    finally:
        store.close()
    return db


def test_the_cube_holds_the_stores_vehicle_hours(store_path: Path) -> None:
    from roadsense.store import open_store

    store = open_store(str(store_path), read_only=True)
    try:
        cube = build(store)
        expected = store.scoped(FLEET_ID).vehicle_hours()
    finally:
        store.close()
    got = cube.vehicle_hours(FLEET_ID)
    assert [(h.vehicle_id, h.hour, h.events) for h in got] == [
        (h.vehicle_id, h.hour, h.events) for h in expected
    ]
    assert [h.vehicle_km for h in got] == pytest.approx([h.vehicle_km for h in expected])
    assert len({h.vehicle_id for h in got}) == FLEET_VEHICLES
    assert cube.vehicle_hours("no-such-fleet") == []
    assert cube.last_hour(FLEET_ID) == max(h.hour for h in expected)
    # merged around a split: one row per vehicle and side, the same sums
    split = expected[0].hour + timedelta(minutes=30)
    merged = cube.vehicle_hours(FLEET_ID, merge_around=split)
    assert len(merged) == FLEET_VEHICLES
    for v in {h.vehicle_id for h in expected}:
        mine = [h for h in expected if h.vehicle_id == v]
        (row,) = [h for h in merged if h.vehicle_id == v]
        assert row.hour == mine[0].hour
        assert row.vehicle_km == pytest.approx(sum(h.vehicle_km for h in mine))
        assert row.events == dict(sum((Counter(h.events) for h in mine), Counter()))


def test_a_stale_cube_keeps_answering_while_it_is_rebuilt(store_path: Path) -> None:
    from roadsense.store import open_store

    release = threading.Event()
    started = threading.Event()
    builds: list[float] = []

    def slow_build(store: Store) -> Cube:
        if builds:  # every build after the first waits until the test lets it finish
            started.set()
            assert release.wait(30)
        cube = build(store)
        builds.append(cube.built_at)
        return cube

    store = open_store(str(store_path), read_only=True)
    try:
        holder = CubeHolder(ttl_s=0.0, builder=slow_build)
        first = holder.get(store)  # the first build blocks
        assert builds == [first.built_at]
        for _ in range(20):  # stale (ttl 0): each answers the old cube at once; had one
            assert holder.get(store) is first  # waited, the held rebuild would have failed
        assert started.wait(10)
        assert holder.rebuilding
        assert len(builds) == 1  # one rebuild at a time, still running
        release.set()
        assert holder.wait(30)
        second = holder.get(store)
        assert second is not first
        assert second.built_at > first.built_at
        assert len(builds) == 2
    finally:
        release.set()
        holder.wait(30)
        store.close()


def test_a_failed_rebuild_keeps_the_old_cube(store_path: Path) -> None:
    from roadsense.store import open_store

    calls: list[int] = []

    def failing_build(store: Store) -> Cube:
        calls.append(1)
        if len(calls) > 1:
            raise RuntimeError("the store went away")
        return build(store)

    store = open_store(str(store_path), read_only=True)
    try:
        holder = CubeHolder(ttl_s=0.0, builder=failing_build, retry_s=3600.0)
        first = holder.get(store)
        assert holder.get(store) is first
        assert holder.wait(30)
        assert holder.get(store) is first  # still serving, and no retry before retry_s
        assert holder.wait(30)
        assert len(calls) == 2
    finally:
        store.close()


def test_a_fresh_cube_is_built_after_the_request_and_wins_over_an_older_rebuild(
    store_path: Path,
) -> None:
    import time

    from roadsense.store import open_store

    release = threading.Event()
    started = threading.Event()
    builds: list[str] = []

    def builder(store: Store) -> Cube:
        builds.append(threading.current_thread().name)
        if len(builds) == 2:  # the background rebuild is held until the test lets it go
            started.set()
            assert release.wait(30)
        return build(store)

    store = open_store(str(store_path), read_only=True)
    try:
        holder = CubeHolder(ttl_s=0.0, builder=builder)
        first = holder.get(store)
        holder.get(store)  # stale: starts the held background rebuild
        assert started.wait(10)
        builds_before = len(builds)
        fresh = holder.refresh(store, time.monotonic())
        assert fresh is not first
        assert len(builds) == builds_before + 1  # built for this request
        assert holder.refresh(store, 0.0) is fresh  # asked before that build began: shared
        release.set()
        assert holder.wait(30)
        assert holder.get(store) is fresh  # the older background rebuild was not installed
    finally:
        release.set()
        holder.wait(30)
        store.close()


def test_closing_waits_for_the_warm_up_and_starts_no_more_builds(store_path: Path) -> None:
    """The app closes the cube holder before the store: a warm-up still reading it would
    otherwise find the connection closed under it (or refuse the close)."""
    from roadsense.store import open_store

    release = threading.Event()
    warming = threading.Event()
    warmed: list[float] = []
    builds: list[int] = []

    def counting_build(store: Store) -> Cube:
        builds.append(1)
        return build(store)

    def slow_warm(cube: Cube) -> None:
        warming.set()
        assert release.wait(30)
        warmed.append(cube.built_at)

    store = open_store(str(store_path), read_only=True)
    try:
        holder = CubeHolder(ttl_s=0.0, builder=counting_build, on_built=slow_warm)
        first = holder.get(store)
        assert warming.wait(10)
        assert not holder.close(timeout_s=0.2)  # the warm-up is still running
        release.set()
        assert holder.close(timeout_s=30)
        assert warmed == [first.built_at]  # it finished before close returned
        assert holder.get(store) is first  # stale, but closed: no rebuild starts
        assert holder.wait(5)
        assert builds == [1]
    finally:
        release.set()
        holder.close(30)
        store.close()
