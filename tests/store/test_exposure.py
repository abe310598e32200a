"""The exposure rule: one rule in every read, and kilometres kept when fixes are sparse."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from roadsense.schema import Position
from roadsense.store import Store
from roadsense.store.analytics_rows import EventWindow
from roadsense.store.exposure import MAX_STEP_S
from tests.factories import T0, batch, event, position

SPEED = 12.0


def _sparse_track(vehicle: str, seconds: int, seed: int) -> tuple[list[Position], float]:
    """Fixes every 10-30 s (a sparse gateway) at a steady speed, and the true km driven."""
    rng = random.Random(seed)
    fixes, t = [], 0
    while t <= seconds:
        fixes.append(position(vehicle, t, lat=60.17 + t * SPEED / 111_320.0, speed=SPEED))
        t += rng.randint(10, 30)
    last = (fixes[-1].time - T0).total_seconds()
    return fixes, SPEED * last / 1000.0


def test_a_sparse_gateway_keeps_its_kilometres(any_store: Store) -> None:
    fixes, true_km = _sparse_track("taxi-1", 1800, seed=7)
    assert len(fixes) < 1800 / 10  # one fix every 10-30 s
    any_store.ingest(batch(fixes))
    agg = any_store.hourly_aggregates(10)
    seen = {
        "totals": any_store.totals().vehicle_km,
        "cells": sum(c.vehicle_km for c in any_store.exposure_by_cell(9)),
        "hourly cells": sum(c.vehicle_km for c in agg.cells),
        "hourly vehicles": sum(v.vehicle_km for v in agg.vehicles),
        "vehicle hours": sum(h.vehicle_km for h in any_store.vehicle_hours()),
        "vehicle periods": sum(p.vehicle_km for p in any_store.vehicle_periods("day")),
        "cell periods": sum(c.vehicle_km for c in any_store.cell_period_exposure(9, "day")),
    }
    for name, km in seen.items():
        assert km == pytest.approx(true_km, rel=1e-9), name


def test_a_vehicle_that_goes_dark_counts_at_most_the_cap(any_store: Store) -> None:
    # moving at 20 m/s, then nothing for 10 minutes: only MAX_STEP_S of it counts
    any_store.ingest(batch([position("taxi-1", 0, speed=20.0), position("taxi-1", 600)]))
    assert any_store.totals().vehicle_km == pytest.approx(20.0 * MAX_STEP_S / 1000.0)


def test_event_points_follow_the_window_and_the_scope(any_store: Store) -> None:
    any_store.add_fleet("f1", "F1")
    any_store.add_vehicle("taxi-1", "f1")
    # T0 is 08:00 UTC; events at 08:00 and 09:00 UTC of taxi-1, 08:00 of taxi-2
    any_store.ingest(
        batch([event("taxi-1", 0), event("taxi-1", 3600), event("taxi-2", 1), event("taxi-2", 2)])
    )
    everything = any_store.event_points(EventWindow(), 100)
    assert [p.epoch_s for p in everything] == sorted((p.epoch_s for p in everything), reverse=True)
    assert len(everything) == 4
    mine = any_store.scoped("f1").event_points(EventWindow(), 100)
    assert {p.vehicle_id for p in mine} == {"taxi-1"}
    # local hours 17-18 at UTC+9: only the 08:00 UTC events
    at_17 = any_store.event_points(EventWindow(hour_from=17, hour_to=18, utc_offset_h=9), 100)
    assert len(at_17) == 3
    later = any_store.event_points(EventWindow(since=T0 + timedelta(minutes=30)), 100)
    assert [p.vehicle_id for p in later] == ["taxi-1"]
    assert len(any_store.event_points(EventWindow(), 2)) == 2


def test_quality_counts_gaps_and_failsafe(any_store: Store) -> None:
    # one pause of 20 s (a GPS gap), one of 5 s (not), one of an hour (parked)
    seconds = [0, 5, 25, 3625]
    any_store.ingest(batch([position("taxi-1", s) for s in seconds]))
    q = any_store.quality_counts(T0, T0 + timedelta(days=1), 10.0, 600.0)
    assert (q.gps_gaps, q.gps_gap_s, q.gps_gap_vehicles) == (1, 20.0, 1)
    assert q.failsafe_events == 0
