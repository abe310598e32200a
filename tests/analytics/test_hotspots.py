"""Hotspot cells: the one ranking on the store's cells, with a minimum-exposure rule.

Few cells (no SPF can be fitted): ranked by rate per 1,000 vehicle-km; enough cells: by
empirical Bayes excess.
"""

from __future__ import annotations

import h3
import pytest

from roadsense.analytics.hotspots import (
    HotspotParams,
    cells_along,
    hotspots_geojson,
    rank_cells,
    top_hotspots,
)
from roadsense.schema import AnyRecord, EventType
from roadsense.store import DuckDBStore
from tests.factories import batch, event, position

# three places about 1 km apart
A, B, C = (60.160, 24.930), (60.170, 24.950), (60.180, 24.970)


def drive(
    store: DuckDBStore,
    where: tuple[float, float],
    vehicles: int,
    seconds: int,
    events: int,
    kind: EventType = EventType.FCW,
) -> None:
    for v in range(vehicles):
        vid = f"taxi-{where[0]}-{v}"
        # circling one spot at 1 m/s: exposure without leaving the cell
        items: list[AnyRecord] = [
            position(vid, i, where[0], where[1], speed=1.0) for i in range(seconds)
        ]
        items += [event(vid, i, kind, lat=where[0], lon=where[1]) for i in range(events)]
        store.ingest(batch(items))


def test_few_cells_are_ranked_by_rate_not_by_count(store: DuckDBStore) -> None:
    drive(store, A, vehicles=4, seconds=1001, events=5)  # 4 km, 20 events -> 5,000 per 1,000
    drive(store, B, vehicles=4, seconds=1001, events=1)  # 4 km, 4 events -> 1,000
    drive(store, C, vehicles=4, seconds=251, events=2)  # 1 km, 8 events -> 8,000
    top = top_hotspots(store, HotspotParams(resolution=7, min_vehicle_km=0.5, min_vehicles=3))
    assert [t.site_id for t in top] == [h3.latlng_to_cell(*p, 7) for p in (C, A, B)]
    assert [t.rank for t in top] == [1, 2, 3]
    assert top[0].rate_per_1000_vkm == pytest.approx(8000, rel=1e-6)
    assert top[0].observed == 8
    # three cells cannot support an SPF: no expected count or excess is made up
    ranking = rank_cells(store, HotspotParams(resolution=7, min_vehicle_km=0.5, min_vehicles=3))
    assert ranking.method == "rate"
    assert all(t.expected is None and t.excess is None for t in top)


def test_cells_with_too_little_exposure_or_too_few_vehicles_are_not_ranked(
    store: DuckDBStore,
) -> None:
    drive(store, A, vehicles=4, seconds=1001, events=1)
    drive(store, B, vehicles=4, seconds=101, events=50)  # 0.4 km: below the minimum
    drive(store, C, vehicles=2, seconds=1001, events=50)  # two vehicles only
    ranking = rank_cells(store, HotspotParams(resolution=7, min_vehicle_km=1.0, min_vehicles=3))
    assert [r.site_id for r in ranking.ranked] == [h3.latlng_to_cell(*A, 7)]
    unranked = {r.site_id: r for r in ranking.sites if r.rank is None}
    assert not unranked[h3.latlng_to_cell(*B, 7)].eligible
    assert unranked[h3.latlng_to_cell(*B, 7)].excess is None
    assert not unranked[h3.latlng_to_cell(*C, 7)].eligible
    assert unranked[h3.latlng_to_cell(*C, 7)].observed == 100


def test_event_type_filter(store: DuckDBStore) -> None:
    drive(store, A, vehicles=3, seconds=1001, events=4, kind=EventType.HMW)
    drive(store, B, vehicles=3, seconds=1001, events=1, kind=EventType.FCW)
    params = HotspotParams(resolution=7, event_types=("FCW",), min_vehicle_km=0.5)
    assert top_hotspots(store, params)[0].site_id == h3.latlng_to_cell(*B, 7)


def test_potholes_and_device_events_are_no_near_misses(store: DuckDBStore) -> None:
    drive(store, A, vehicles=3, seconds=1001, events=2, kind=EventType.HMW)
    drive(store, B, vehicles=3, seconds=1001, events=10, kind=EventType.POTHOLE)
    drive(store, C, vehicles=3, seconds=1001, events=5, kind=EventType.FAILSAFE)
    params = HotspotParams(resolution=7, min_vehicle_km=0.5)
    top = top_hotspots(store, params)
    assert top[0].site_id == h3.latlng_to_cell(*A, 7)
    assert {t.site_id: t.observed for t in top}[h3.latlng_to_cell(*B, 7)] == 0
    # asked for, they count
    potholes = HotspotParams(resolution=7, event_types=("POTHOLE",), min_vehicle_km=0.5)
    assert top_hotspots(store, potholes)[0].site_id == h3.latlng_to_cell(*B, 7)


def test_cells_along_a_line_cover_it_without_gaps() -> None:
    line = [(24.930, 60.160), (24.950, 60.160)]  # about 1.1 km east-west
    cells = cells_along(line, 10)
    assert h3.latlng_to_cell(60.160, 24.930, 10) in cells
    assert h3.latlng_to_cell(60.160, 24.950, 10) in cells
    # a ~66 m edge hexagon is ~115 m across: about 10 cells, and the set is connected
    assert 8 <= len(cells) <= 30
    for cell in cells:
        assert any(h3.are_neighbor_cells(cell, other) for other in cells - {cell})


def test_geojson_polygons_are_closed_rings(store: DuckDBStore) -> None:
    drive(store, A, vehicles=3, seconds=101, events=1)
    features = hotspots_geojson(rank_cells(store, HotspotParams(resolution=9)))["features"]
    assert features
    ring = features[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 7


def test_enough_cells_are_ranked_by_excess_not_by_rate(store: DuckDBStore) -> None:
    # twelve ordinary cells, a busy one with many warnings over many kilometres and a thin
    # one with a few kilometres: the thin cell's rate is the highest, but empirical Bayes
    # pulls its count toward the SPF; the busy cell has the larger excess
    for i in range(12):
        where = (60.10 + 0.03 * i, 24.80)
        drive(store, where, vehicles=3, seconds=400 + 150 * i, events=1 + i % 3)
    drive(store, (60.10, 25.00), vehicles=3, seconds=1501, events=15)  # busy: 4.5 km, 45
    drive(store, (60.20, 25.00), vehicles=3, seconds=301, events=5)  # thin: 0.9 km, 15
    params = HotspotParams(resolution=7, min_vehicle_km=0.5, min_vehicles=3)
    ranking = rank_cells(store, params)
    assert ranking.method == "excess", ranking.note
    assert ranking.spf is not None
    top = ranking.ranked
    by_rate = max(top, key=lambda s: s.rate_per_1000_vkm or 0.0)
    assert by_rate.observed == 15  # the thin cell
    assert top[0].observed == 45  # the busy cell
    assert by_rate.excess is not None
    assert top[0].excess is not None
    assert top[0].excess > by_rate.excess
    assert all(s.excess is not None for s in top)
    assert [s.excess for s in top] == sorted((s.excess or 0.0 for s in top), reverse=True)
