"""Retention: raw positions pruned, exposure and speed kept as hourly aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roadsense.store import Store, StoreError
from tests.factories import T0, batch, event, position, track


def test_prune_keeps_exposure_events_and_speeds(any_store: Store) -> None:
    any_store.add_fleet("f1", "F1")
    any_store.add_vehicle("taxi-1", "f1")
    # taxi-1: 200 fixes a second apart straddling the cutoff; taxi-2: all before it
    any_store.ingest(batch([*track("taxi-1", 200, speed=10.0), event("taxi-1", 5)]))
    any_store.ingest(batch([*track("taxi-2", 50, speed=20.0), event("taxi-2", 7)]))
    before = any_store.totals()
    cells_before = {c.cell: c.vehicle_km for c in any_store.exposure_by_cell(10)}
    fleet_before = any_store.scoped("f1").totals().vehicle_km

    result = any_store.prune(T0 + timedelta(seconds=120))

    assert result.positions_deleted == 120 + 50
    assert result.rollup_rows > 0
    after = any_store.totals()
    assert after.positions == before.positions - 170
    assert after.events == before.events == 2
    assert after.vehicle_km == pytest.approx(before.vehicle_km)
    cells_after = {c.cell: c.vehicle_km for c in any_store.exposure_by_cell(10)}
    assert cells_after.keys() == cells_before.keys()
    for cell, km in cells_before.items():
        assert cells_after[cell] == pytest.approx(km)
    assert any_store.scoped("f1").totals().vehicle_km == pytest.approx(fleet_before)


def test_a_gap_across_the_cutoff_counts_as_before(any_store: Store) -> None:
    # fixes at 0 s and 100 s: the first step is capped at 5 s however the prune cuts
    any_store.ingest(batch([position("taxi-1", 0, speed=10.0), position("taxi-1", 100)]))
    km = any_store.totals().vehicle_km
    any_store.prune(T0 + timedelta(seconds=50))
    assert any_store.totals().vehicle_km == pytest.approx(km) == pytest.approx(0.05)


def test_pruning_twice_and_late_data_add_up(any_store: Store) -> None:
    any_store.ingest(batch(track("taxi-1", 30)))
    any_store.prune(T0 + timedelta(seconds=10))
    any_store.prune(T0 + timedelta(seconds=20))
    any_store.prune(T0 + timedelta(seconds=20))  # nothing left to do
    assert any_store.totals().positions == 10
    assert any_store.totals().vehicle_km == pytest.approx(0.29)


def test_prune_wants_an_aware_cutoff(any_store: Store) -> None:
    with pytest.raises(StoreError, match="timezone"):
        any_store.prune(T0.replace(tzinfo=None))
