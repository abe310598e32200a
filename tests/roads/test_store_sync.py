"""Network import and incremental map matching over the store, on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import pytest

from roadsense.roads import store_sync
from roadsense.roads.service import CityRoads
from roadsense.roads.store_sync import import_network, match_new
from roadsense.schema import AdasEvent, EventSource, EventType, Position, Record
from roadsense.sim import SimResult, load_vehicle_records
from roadsense.store import Store
from roadsense.store.roads_rows import SpanMatches
from tests.roads.fleet_store import fill, upload


def test_import_stores_segments_and_junctions(any_store: Store, helsinki: CityRoads) -> None:
    assert any_store.road_network_info() is None
    info = import_network(any_store, helsinki.network)
    assert info.country == "FI"
    assert info.segments == len(helsinki.network.segments)
    assert any_store.road_network_info() == info
    stored = any_store.road_segments()
    assert len(stored) == info.segments
    by_id = {s.segment_id: s for s in stored}
    assert by_id == {s.segment_id: s for s in helsinki.network.segments}
    junctions = any_store.road_junctions()
    assert len(junctions) == info.junctions > 200
    assert junctions == helsinki.network.junctions
    import_network(any_store, helsinki.network)  # again: replaced, not doubled
    assert len(any_store.road_segments()) == info.segments
    assert any_store.road_junctions() == junctions


def test_matching_runs_over_new_batches_only(
    any_store: Store, helsinki: CityRoads, fleet_run: SimResult
) -> None:
    first = fill(any_store, fleet_run, helsinki)
    assert first.vehicles == len(fleet_run.vehicle_ids)
    assert first.fixes == fleet_run.positions
    assert first.matched / first.fixes > 0.97
    assert first.events == first.events_matched == fleet_run.events
    again = match_new(any_store, helsinki.matcher())
    assert (again.batches, again.fixes) == (0, 0)
    # a late upload: one far-away fix and an event without a fix near it in time
    vid = fleet_run.vehicle_ids[0]
    last = [r for r in load_vehicle_records(fleet_run.out_dir, vid) if isinstance(r, Position)][-1]
    far = Position(
        vehicle_id=vid, time=last.time.replace(hour=last.time.hour + 2), lat=1.0, lon=1.0
    )
    event = AdasEvent(
        event_id="00000000-0000-4000-8000-000000000001",
        vehicle_id=vid,
        time=far.time,
        type=EventType.POTHOLE,
        lat=1.0,
        lon=1.0,
        source=EventSource.SIM,
    )
    upload(any_store, [far, event], device=f"gw-{vid}")
    late = match_new(any_store, helsinki.matcher())
    assert late.batches == 1
    assert late.vehicles == 1
    assert (late.fixes, late.matched) == (1, 0)
    assert (late.events, late.events_matched) == (1, 0)
    placed = {e.event_id: e for e in any_store.placed_events()}
    assert len(placed) == fleet_run.events + 1  # every event kept, matched or not
    assert not placed[event.event_id].matched
    fixes = any_store.segment_fixes()
    assert len(fixes) == first.matched  # the unmatched fix is kept but has no segment


def test_a_batch_of_two_vehicles_is_marked_matched_with_the_last_of_them(
    any_store: Store, helsinki: CityRoads, fleet_run: SimResult, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Vehicles are matched and written a group at a time; a crash between two groups
    must not leave a batch marked matched while a vehicle's records in it are not."""
    import_network(any_store, helsinki.network)
    a, b = fleet_run.vehicle_ids[:2]
    records: list[Record] = []
    for vid in (a, b):
        records += [
            r for r in load_vehicle_records(fleet_run.out_dir, vid) if isinstance(r, Position)
        ][:60]
    upload(any_store, records, device="gw-shared")  # one batch, both vehicles
    monkeypatch.setattr(store_sync, "GROUP_WINDOWS", 1)
    real = any_store.save_matches
    marked: list[list[uuid.UUID]] = []

    def cut_after_the_first(matches: Sequence[SpanMatches], batch_ids: Sequence[uuid.UUID]) -> None:
        marked.append(list(batch_ids))
        if len(marked) == 2:
            raise RuntimeError("power cut")
        real(matches, batch_ids)

    monkeypatch.setattr(any_store, "save_matches", cut_after_the_first)
    with pytest.raises(RuntimeError, match="power cut"):
        match_new(any_store, helsinki.matcher())
    assert marked[0] == []  # the first vehicle's group left the shared batch pending
    monkeypatch.setattr(any_store, "save_matches", real)
    run = match_new(any_store, helsinki.matcher())
    assert (run.batches, run.vehicles, run.fixes) == (1, 2, len(records))
    assert match_new(any_store, helsinki.matcher()).batches == 0
