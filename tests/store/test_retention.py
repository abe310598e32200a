"""Retention: raw positions pruned, exposure and speed kept as hourly aggregates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from roadsense.store import Store, StoreError
from roadsense.store.exposure import MAX_STEP_S
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


@pytest.mark.parametrize("gap_s", [30, 2 * MAX_STEP_S])
def test_a_gap_across_the_cutoff_counts_as_before(any_store: Store, gap_s: float) -> None:
    # fixes gap_s apart: the first step is min(gap, cap) however the prune cuts between them
    any_store.ingest(batch([position("taxi-1", 0, speed=10.0), position("taxi-1", int(gap_s))]))
    km = any_store.totals().vehicle_km
    any_store.prune(T0 + timedelta(seconds=gap_s / 2))
    assert any_store.totals().vehicle_km == pytest.approx(km)
    assert km == pytest.approx(10.0 * min(gap_s, MAX_STEP_S) / 1000.0)


def test_every_exposure_read_includes_the_rollup(any_store: Store) -> None:
    any_store.add_fleet("f1", "F1")
    any_store.add_vehicle("taxi-1", "f1")
    any_store.ingest(batch([*track("taxi-1", 600, speed=10.0), event("taxi-1", 5)]))
    any_store.ingest(batch([*track("taxi-2", 300, start=3600, speed=5.0), event("taxi-2", 3700)]))

    def reads(store: Store) -> dict[str, float]:
        agg = store.hourly_aggregates(10)
        return {
            "totals": store.totals().vehicle_km,
            "cells": sum(c.vehicle_km for c in store.exposure_by_cell(10)),
            "hourly": sum(c.vehicle_km for c in agg.cells),
            "periods": sum(c.vehicle_km for c in store.cell_period_exposure(10, "day")),
        }

    before, fleet_before = reads(any_store), reads(any_store.scoped("f1"))
    assert len({round(v, 9) for v in before.values()}) == 1
    hours_before = {(c.hour, c.cell, c.fleet_id) for c in any_store.hourly_aggregates(10).cells}

    any_store.prune(T0 + timedelta(seconds=3700))  # all of taxi-1, a third of taxi-2

    for name, km in reads(any_store).items():
        assert km == pytest.approx(before[name]), name
    for name, km in reads(any_store.scoped("f1")).items():
        assert km == pytest.approx(fleet_before[name]), name
    agg = any_store.hourly_aggregates(10)
    assert {(c.hour, c.cell, c.fleet_id) for c in agg.cells} == hours_before
    assert all(c.vehicles >= 1 for c in agg.cells)
    # the per-vehicle rows hold the raw positions only (the roll-up keeps no vehicle)
    assert {v.vehicle_id for v in agg.vehicles} == {"taxi-2"}
    assert sum(v.positions for v in agg.vehicles) == 200
    assert sum(e.events for e in agg.vehicle_events) == 2


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
