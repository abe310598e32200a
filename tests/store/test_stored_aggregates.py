"""The hourly aggregates an analysis run kept for the dashboard, on both stores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from roadsense.accounts import hash_token
from roadsense.schema import AnyRecord
from roadsense.store import Store, StoreError
from roadsense.store.analytics_rows import DASHBOARD_RESOLUTION, HourlyAggregates
from tests.factories import batch, event, track


def _fleet_city(db: Store) -> HourlyAggregates:
    """Two fleets' vehicles with fixes and events, and the store's own aggregates of them."""
    db.add_fleet("fleet-a", "A Cabs")
    db.add_fleet("fleet-b", "B Cabs")
    for vehicle, fleet in [("taxi-1", "fleet-a"), ("taxi-2", "fleet-b")]:
        db.add_vehicle(vehicle, fleet)
        db.add_device(f"gw-{vehicle}", vehicle, hash_token(f"token-{vehicle}"))
        items: list[AnyRecord] = [*track(vehicle, 40), event(vehicle, 3), event(vehicle, 9)]
        items.append(event(vehicle, 12, lat=None, lon=None))  # no fix: no cell
        db.ingest(batch(items, device=f"gw-{vehicle}"))
    agg = db.hourly_aggregates(DASHBOARD_RESOLUTION)
    assert {r.fleet_id for r in agg.cells} == {"fleet-a", "fleet-b"}
    assert agg.batches == {"fleet-a": 1, "fleet-b": 1}
    return agg


def _run(db: Store) -> str:
    return db.record_analysis_run("analyze", datetime.now(UTC), {}, {}, {}).run_id


def _rows(agg: HourlyAggregates) -> dict[str, object]:
    return {
        "cells": sorted(agg.cells),
        "vehicles": sorted(agg.vehicles),
        "cell_events": sorted(agg.cell_events),
        "vehicle_events": sorted(agg.vehicle_events),
        "cell_vehicles": sorted(agg.cell_vehicles),
        "batches": agg.batches,
    }


def test_kept_aggregates_read_back_exactly_with_their_run(any_store: Store) -> None:
    assert any_store.stored_hourly_aggregates(DASHBOARD_RESOLUTION) is None
    agg = _fleet_city(any_store)
    run = _run(any_store)
    kept = any_store.save_hourly_aggregates(run, DASHBOARD_RESOLUTION, agg)
    assert kept == sum(len(v) for v in _rows(agg).values() if isinstance(v, list)) + 2
    stored = any_store.stored_hourly_aggregates(DASHBOARD_RESOLUTION)
    assert stored is not None
    assert (stored.run_id, stored.resolution) == (run, DASHBOARD_RESOLUTION)
    assert _rows(stored.aggregates) == _rows(agg)
    assert any_store.stored_hourly_aggregates(9) is None  # kept per resolution


def test_a_later_run_replaces_the_kept_aggregates(any_store: Store) -> None:
    agg = _fleet_city(any_store)
    any_store.save_hourly_aggregates(_run(any_store), DASHBOARD_RESOLUTION, agg)
    only_a = HourlyAggregates(
        [r for r in agg.cells if r.fleet_id == "fleet-a"], [], [], [], {"fleet-a": 1}
    )
    later = _run(any_store)
    any_store.save_hourly_aggregates(later, DASHBOARD_RESOLUTION, only_a)
    stored = any_store.stored_hourly_aggregates(DASHBOARD_RESOLUTION)
    assert stored is not None
    assert stored.run_id == later
    assert _rows(stored.aggregates) == _rows(only_a)


def test_aggregates_need_a_recorded_run_and_the_whole_store(any_store: Store) -> None:
    agg = _fleet_city(any_store)
    with pytest.raises(StoreError, match="no analysis run"):
        any_store.save_hourly_aggregates("no-such-run", DASHBOARD_RESOLUTION, agg)
    with pytest.raises(StoreError, match="whole store"):
        any_store.scoped("fleet-a").stored_hourly_aggregates(DASHBOARD_RESOLUTION)


def test_pruning_drops_the_kept_kilometres_per_vehicle_hour(any_store: Store) -> None:
    agg = _fleet_city(any_store)
    any_store.save_hourly_aggregates(_run(any_store), DASHBOARD_RESOLUTION, agg)
    any_store.prune(datetime.now(UTC))  # every position is older
    stored = any_store.stored_hourly_aggregates(DASHBOARD_RESOLUTION)
    assert stored is not None
    assert stored.aggregates.vehicles == []  # as the store's roll-up, no vehicle kept
    assert sorted(stored.aggregates.cells) == sorted(agg.cells)
    assert sorted(stored.aggregates.vehicle_events) == sorted(agg.vehicle_events)
