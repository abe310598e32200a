"""What the safety analytics read and keep, on both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import h3
import pytest

from roadsense.schema import EventType
from roadsense.store import Store
from roadsense.store.analytics_rows import CrashRecord, DriverShift
from tests.factories import batch, event, position

# 2025-06-30 23:30 KST is 14:30 UTC: the half hour before midnight belongs to June in
# Daegu, the half hour after to July
JUNE_END = datetime(2025, 6, 30, 14, 30, tzinfo=UTC)


def drive(store: Store, vehicle: str, start: datetime, seconds: int, speed: float = 10.0) -> None:
    base = position(vehicle, 0)
    items = [
        base.model_copy(update={"time": start + timedelta(seconds=i), "speed_mps": speed})
        for i in range(seconds)
    ]
    store.ingest(batch(items))


def test_cell_exposure_and_events_by_local_month(any_store: Store) -> None:
    drive(any_store, "taxi-1", JUNE_END, 3601)  # 1 h at 10 m/s = 36 km, half in each month
    drive(any_store, "taxi-2", JUNE_END, 1801)
    june = event("taxi-1", 0, EventType.FCW).model_copy(update={"time": JUNE_END})
    july = event("taxi-1", 0, EventType.HMW).model_copy(
        update={"time": JUNE_END + timedelta(hours=1)}
    )
    any_store.ingest(batch([june, july]))
    exposure = any_store.cell_period_exposure(9, "month")
    by_month: dict[date, float] = {}
    for row in exposure:
        by_month[row.period] = by_month.get(row.period, 0.0) + row.vehicle_km
    assert by_month[date(2025, 6, 1)] == pytest.approx(18.0 + 18.0, abs=0.05)
    assert by_month[date(2025, 7, 1)] == pytest.approx(18.0, abs=0.05)
    assert max(r.vehicles for r in exposure) == 2
    events = any_store.cell_period_events(9, "month")
    assert {(e.period, e.event_type, e.events) for e in events} == {
        (date(2025, 6, 1), "FCW", 1),
        (date(2025, 7, 1), "HMW", 1),
    }
    assert events[0].cell == h3.str_to_int(h3.latlng_to_cell(june.lat, june.lon, 9))
    in_utc = any_store.cell_period_exposure(9, "month", tz="UTC")
    assert {r.period for r in in_utc} == {date(2025, 6, 1)}
    july_only = any_store.cell_period_exposure(
        9, "month", since=datetime(2025, 6, 30, 15, tzinfo=UTC)
    )
    assert sum(r.vehicle_km for r in july_only) == pytest.approx(18.0, abs=0.05)


def test_vehicle_periods(any_store: Store) -> None:
    drive(any_store, "taxi-1", JUNE_END, 601, speed=5.0)
    any_store.ingest(
        batch(
            [
                event("taxi-1", 0, EventType.FCW).model_copy(
                    update={"time": JUNE_END + timedelta(seconds=5)}
                ),
                event("taxi-2", 0, EventType.HMW).model_copy(update={"time": JUNE_END}),
            ]
        )
    )
    panel = {(p.vehicle_id, p.period): p for p in any_store.vehicle_periods("week")}
    monday = date(2025, 6, 30)
    assert panel[("taxi-1", monday)].vehicle_km == pytest.approx(3.0)
    assert panel[("taxi-1", monday)].events == {"FCW": 1}
    assert panel[("taxi-2", monday)].vehicle_km == 0.0  # warned without positions: kept
    with pytest.raises(ValueError, match="period must be one of"):
        any_store.vehicle_periods("fortnight")  # type: ignore[arg-type]


def test_crashes_are_stored_once_and_counted_by_cell(any_store: Store) -> None:
    crash = CrashRecord("koroad:1", JUNE_END, 35.8714, 128.6014, "serious", "rear-end", "test")
    other = CrashRecord("koroad:2", JUNE_END, 35.8714, 128.6014, "minor", None, "test")
    assert any_store.add_crashes([crash, other]) == 2
    assert any_store.add_crashes([crash]) == 0
    assert any_store.crash_count() == 2
    cell = h3.str_to_int(h3.latlng_to_cell(35.8714, 128.6014, 10))
    assert any_store.crashes_by_cell(10) == {cell: 2}
    assert any_store.crashes_by_cell(10, severities=["serious"]) == {cell: 1}
    assert any_store.crashes_by_cell(10, since=JUNE_END + timedelta(days=1)) == {}


def test_driver_shifts(any_store: Store) -> None:
    shift = DriverShift("drv-1", "taxi-1", JUNE_END, JUNE_END + timedelta(hours=10))
    assert any_store.add_driver_shifts([shift, shift]) == 1
    assert any_store.driver_shifts() == [shift]
    with pytest.raises(ValueError, match="ends before"):
        any_store.add_driver_shifts([DriverShift("d", "v", JUNE_END, JUNE_END)])


def test_analysis_runs_are_recorded(any_store: Store) -> None:
    started = datetime.now(UTC)
    run = any_store.record_analysis_run(
        "screening", started, {"resolution": 10}, {"positions": 0}, {"sites": 3}
    )
    (back,) = any_store.analysis_runs()
    assert back.run_id == run.run_id
    assert back.parameters == {"resolution": 10}
    assert back.results == {"sites": 3}
    assert back.finished_at >= back.started_at


def test_vehicle_hours_in_utc(any_store: Store) -> None:
    drive(any_store, "taxi-1", JUNE_END, 3601)
    any_store.ingest(
        batch(
            [
                event("taxi-1", 0, EventType.HMW).model_copy(
                    update={"time": JUNE_END + timedelta(minutes=40)}
                )
            ]
        )
    )
    hours = any_store.vehicle_hours()
    assert [h.hour for h in hours] == [
        datetime(2025, 6, 30, 14, tzinfo=UTC),
        datetime(2025, 6, 30, 15, tzinfo=UTC),
    ]
    assert hours[0].vehicle_km == pytest.approx(18.0, abs=0.02)
    assert hours[1].events == {"HMW": 1}
