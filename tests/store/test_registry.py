"""Fleets, vehicles, drivers, API keys, users and sessions, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roadsense.store import Principal, Store, StoreError
from roadsense.store.analytics_rows import EventWindow
from tests.factories import batch, event, track


def test_fleets_vehicles_and_drivers(any_store: Store) -> None:
    any_store.add_fleet("daegu-1", "Daegu Taxi 1")
    any_store.add_fleet("daegu-2", "Daegu Taxi 2")
    with pytest.raises(StoreError, match="already exists"):
        any_store.add_fleet("daegu-1", "again")
    any_store.add_vehicle("taxi-1", "daegu-1")
    any_store.add_vehicle("taxi-2", "daegu-2")
    with pytest.raises(StoreError, match="no fleet 'nope'"):
        any_store.add_vehicle("taxi-3", "nope")
    assert [v.vehicle_id for v in any_store.list_vehicles("daegu-1")] == ["taxi-1"]
    any_store.add_vehicle("taxi-1", "daegu-2")  # moved to another company
    assert [v.vehicle_id for v in any_store.list_vehicles("daegu-2")] == ["taxi-1", "taxi-2"]
    any_store.add_driver("drv-1", "daegu-1", "Kim Min-jun")
    with pytest.raises(StoreError, match="no fleet"):
        any_store.add_driver("drv-2", "nope", "Lee")
    assert [d.name for d in any_store.list_drivers("daegu-1")] == ["Kim Min-jun"]
    assert any_store.list_drivers("daegu-2") == []
    assert [f.fleet_id for f in any_store.list_fleets()] == ["daegu-1", "daegu-2"]


def test_a_device_knows_its_vehicles_fleet(any_store: Store) -> None:
    any_store.add_fleet("f1", "F1")
    any_store.add_vehicle("taxi-1", "f1")
    device = any_store.add_device("gw-1", "taxi-1", "h1")
    assert device.fleet_id == "f1"
    found = any_store.device_by_token_hash("h1")
    assert found is not None
    assert found.fleet_id == "f1"


def test_api_keys_and_their_roles(any_store: Store) -> None:
    any_store.add_fleet("f1", "F1")
    any_store.add_api_key("ops", "hash-ops", "fleet_operator", "f1")
    any_store.add_api_key("city", "hash-city", "analyst")
    with pytest.raises(StoreError, match="needs a fleet"):
        any_store.add_api_key("x", "hash-x", "fleet_operator")
    with pytest.raises(StoreError, match="only fleet operators"):
        any_store.add_api_key("y", "hash-y", "analyst", "f1")
    with pytest.raises(StoreError, match="unknown role"):
        any_store.add_api_key("z", "hash-z", "root")  # type: ignore[arg-type]
    assert any_store.principal_by_key_hash("hash-ops") == Principal("ops", "fleet_operator", "f1")
    assert any_store.principal_by_key_hash("hash-city") == Principal("city", "analyst")
    assert any_store.revoke_api_key("city")
    assert not any_store.revoke_api_key("city")
    assert any_store.principal_by_key_hash("hash-city") is None
    assert [(k.key_id, k.revoked_at is not None) for k in any_store.list_api_keys()] == [
        ("city", True),
        ("ops", False),
    ]


def test_users_and_sessions(any_store: Store) -> None:
    any_store.add_user("mina", "scrypt$...", "analyst")
    with pytest.raises(StoreError, match="already exists"):
        any_store.add_user("mina", "scrypt$...", "admin")
    found = any_store.user_password_hash("mina")
    assert found == ("scrypt$...", Principal("mina", "analyst", None, "user"))
    assert any_store.user_password_hash("nobody") is None
    now = datetime.now(UTC)
    who = Principal("mina", "analyst", None, "user")
    any_store.add_session("s1", who, now + timedelta(hours=1))
    any_store.add_session("s2", who, now - timedelta(seconds=1))
    assert any_store.principal_by_session_hash("s1", now) == who
    assert any_store.principal_by_session_hash("s2", now) is None  # expired
    any_store.delete_session("s1")
    assert any_store.principal_by_session_hash("s1", now) is None


def test_revoking_a_key_ends_its_sessions(any_store: Store) -> None:
    any_store.add_api_key("city", "hash-city", "analyst")
    now = datetime.now(UTC)
    any_store.add_session("s1", Principal("city", "analyst"), now + timedelta(hours=1))
    any_store.revoke_api_key("city")
    assert any_store.principal_by_session_hash("s1", now) is None


def test_a_fleet_view_sees_only_its_vehicles(any_store: Store) -> None:
    any_store.add_fleet("f1", "F1")
    any_store.add_fleet("f2", "F2")
    any_store.add_vehicle("taxi-1", "f1")
    any_store.add_vehicle("taxi-2", "f2")
    any_store.add_device("gw-1", "taxi-1", "h1")
    any_store.add_device("gw-2", "taxi-2", "h2")
    any_store.ingest(batch([*track("taxi-1", 11), event("taxi-1")], device="gw-1"))
    any_store.ingest(batch([*track("taxi-2", 21), event("taxi-2"), event("taxi-2")], "gw-2"))
    whole = any_store.totals()
    assert (whole.vehicles, whole.positions, whole.events, whole.batches) == (2, 32, 3, 2)
    f1 = any_store.scoped("f1")
    t1 = f1.totals()
    assert (t1.vehicles, t1.positions, t1.events, t1.batches) == (1, 11, 1, 1)
    assert t1.vehicle_km == pytest.approx(0.1)
    assert {e.vehicle_id for e in f1.event_points(EventWindow(), 100)} == {"taxi-1"}
    assert sum(c.events for c in f1.events_by_cell(9)) == 1
    assert sum(c.vehicle_km for c in f1.exposure_by_cell(9)) == pytest.approx(0.1)
    with pytest.raises(StoreError):
        f1.submit(batch([event("taxi-1")]))
    with pytest.raises(StoreError):
        f1.add_fleet("f3", "F3")
    f1.close()  # a view closes nothing
    assert any_store.totals().positions == 32
