"""A vehicle moved between fleets leaves its history with the fleet that had it then.

Fleet A has a vehicle with positions and events; it is moved to fleet B and drives on.
Every scoped read of the store (totals, events, exposure, the hourly aggregates of the
dashboard, the period panels, quality counts) and the retention roll-up count a record for
the fleet that had the vehicle at the record's time. Runs on both stores.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roadsense.accounts import hash_token
from roadsense.schema import AnyRecord
from roadsense.store import Store, open_store
from roadsense.store.account_store import DeviceToAdd
from roadsense.store.analytics_rows import EventWindow
from tests.backends import query
from tests.factories import T0, batch, event, track

A, B = "fleet-a", "fleet-b"
BEFORE_FIXES, BEFORE_EVENTS = 30, 3
AFTER_FIXES, AFTER_EVENTS = 50, 5
KM = {A: (BEFORE_FIXES - 1 + 60) * 10.0 / 1000.0, B: (AFTER_FIXES - 1) * 10.0 / 1000.0}
"""Each fleet's km by the exposure rule: 10 m/s, one fix a second; A's last fix stands for
the capped 60 s (its next fix, B's, is much later), as in the city's view."""


def _after_move() -> int:
    """Seconds from T0 to a little after now (the move happens now)."""
    return int((datetime.now(UTC) - T0).total_seconds()) + 120


def _moved_vehicle(db: Store) -> None:
    """taxi-1 drives in fleet A, is moved to fleet B, and drives on there."""
    db.add_fleet(A, "A Cabs")
    db.add_fleet(B, "B Cabs")
    db.add_vehicle("taxi-1", A)
    db.add_device("gw-1", "taxi-1", hash_token("token-1"))
    before: list[AnyRecord] = [
        *track("taxi-1", BEFORE_FIXES),
        *(event("taxi-1", 2 * i) for i in range(BEFORE_EVENTS)),
    ]
    db.ingest(batch(before))
    db.add_vehicle("taxi-1", B)
    start = _after_move()
    after: list[AnyRecord] = [
        *track("taxi-1", AFTER_FIXES, start=start),
        *(event("taxi-1", start + 2 * i) for i in range(AFTER_EVENTS)),
    ]
    db.ingest(batch(after))


@pytest.fixture
def moved(store_url: str) -> str:
    with open_store(store_url) as db:
        _moved_vehicle(db)
    return store_url


def test_the_move_closes_one_period_and_opens_the_next(moved: str) -> None:
    rows = query(
        moved,
        "SELECT fleet_id, valid_to IS NULL FROM fleet_memberships "
        "WHERE vehicle_id = 'taxi-1' ORDER BY valid_from",
    )
    assert rows == [(A, False), (B, True)]
    with open_store(moved) as db:
        assert [v.fleet_id for v in db.list_vehicles()] == [B]  # the current fleet


def test_scoped_totals_and_events_split_at_the_move(moved: str) -> None:
    with open_store(moved) as db:
        a, b = db.scoped(A).totals(), db.scoped(B).totals()
        assert (a.positions, a.events, a.batches) == (BEFORE_FIXES, BEFORE_EVENTS, 1)
        assert (b.positions, b.events, b.batches) == (AFTER_FIXES, AFTER_EVENTS, 1)
        assert (a.vehicle_km, b.vehicle_km) == pytest.approx((KM[A], KM[B]))
        city = db.totals()
        assert city.events == BEFORE_EVENTS + AFTER_EVENTS
        assert city.vehicle_km == pytest.approx(a.vehicle_km + b.vehicle_km)
        moved_at = T0 + timedelta(seconds=_after_move() - 120)
        for fleet, n, side in ((A, BEFORE_EVENTS, "before"), (B, AFTER_EVENTS, "after")):
            points = db.scoped(fleet).event_points(EventWindow(), 100)
            assert len(points) == n
            at = [datetime.fromtimestamp(p.epoch_s, UTC) for p in points]
            assert all((t < moved_at) == (side == "before") for t in at)
            cells = db.scoped(fleet).events_by_cell(9)
            assert sum(c.events for c in cells) == n


def test_exposure_and_panels_split_at_the_move(moved: str) -> None:
    with open_store(moved) as db:
        for fleet in (A, B):
            view = db.scoped(fleet)
            km = sum(c.vehicle_km for c in view.exposure_by_cell(9))
            assert km == pytest.approx(KM[fleet])
            hours = view.vehicle_hours()
            assert sum(h.vehicle_km for h in hours) == pytest.approx(km)
            periods = view.cell_period_exposure(9, "day")
            assert sum(p.vehicle_km for p in periods) == pytest.approx(km)


def test_the_dashboard_aggregates_attribute_each_row_to_the_fleet_then(moved: str) -> None:
    with open_store(moved) as db:
        agg = db.hourly_aggregates(9)
    events = {f: sum(r.events for r in agg.cell_events if r.fleet_id == f) for f in (A, B)}
    assert events == {A: BEFORE_EVENTS, B: AFTER_EVENTS}
    per_vehicle = {f: sum(r.events for r in agg.vehicle_events if r.fleet_id == f) for f in (A, B)}
    assert per_vehicle == events
    positions = {f: sum(r.positions for r in agg.vehicles if r.fleet_id == f) for f in (A, B)}
    assert positions == {A: BEFORE_FIXES, B: AFTER_FIXES}
    assert agg.batches == {A: 1, B: 1}
    km = {f: sum(r.vehicle_km for r in agg.cells if r.fleet_id == f) for f in (A, B)}
    assert km == pytest.approx(KM)


def test_the_roll_up_keeps_the_split_after_a_prune(moved: str) -> None:
    with open_store(moved) as db:
        km = {f: db.scoped(f).totals().vehicle_km for f in (A, B)}
        db.prune(T0 + timedelta(days=1))  # every fix from before the move
        assert db.scoped(A).totals().positions == 0
        assert {f: db.scoped(f).totals().vehicle_km for f in (A, B)} == pytest.approx(km)
        rolled = {f: sum(c.vehicle_km for c in db.scoped(f).exposure_by_cell(9)) for f in (A, B)}
        assert rolled == pytest.approx(km)
    rows = query(moved, "SELECT DISTINCT fleet_id FROM position_rollup")
    assert rows == [(A,)]


def test_a_bulk_provisioning_moves_a_vehicle_the_same_way(any_store: Store) -> None:
    any_store.add_fleet(A, "A Cabs")
    any_store.add_fleet(B, "B Cabs")
    any_store.add_devices([DeviceToAdd("gw-1", "taxi-1", hash_token("token-1"), A)])
    any_store.ingest(batch([*track("taxi-1", 10), event("taxi-1", 3)]))
    any_store.add_devices(
        [
            DeviceToAdd("gw-2", "taxi-1", hash_token("token-2"), B),
            DeviceToAdd("gw-3", "taxi-3", hash_token("token-3"), B),
        ]
    )
    assert [(v.vehicle_id, v.fleet_id) for v in any_store.list_vehicles()] == [
        ("taxi-1", B),
        ("taxi-3", B),
    ]
    assert any_store.scoped(A).totals().events == 1  # A's past stays A's
    assert any_store.scoped(B).totals().events == 0


def test_a_vehicle_first_claimed_takes_its_history_with_it(any_store: Store) -> None:
    any_store.add_fleet(A, "A Cabs")
    any_store.add_device("gw-1", "taxi-1", hash_token("token-1"))  # no fleet yet
    any_store.ingest(batch([*track("taxi-1", 10), event("taxi-1", 3)]))
    assert any_store.scoped(A).totals().events == 0
    any_store.add_vehicle("taxi-1", A)
    assert any_store.scoped(A).totals().events == 1
