"""Hotspot ranking: rates per 1,000 vehicle-km with a minimum-exposure rule."""

from __future__ import annotations

import h3
import pytest

from roadsense.analytics.hotspots import (
    HotspotParams,
    cell_rates,
    cells_along,
    hotspots_geojson,
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


def test_cells_are_ranked_by_rate_not_by_count(store: DuckDBStore) -> None:
    drive(store, A, vehicles=4, seconds=1001, events=5)  # 4 km, 20 events -> 5,000 per 1,000
    drive(store, B, vehicles=4, seconds=1001, events=1)  # 4 km, 4 events -> 1,000
    drive(store, C, vehicles=4, seconds=251, events=2)  # 1 km, 8 events -> 8,000
    top = top_hotspots(store, HotspotParams(resolution=7, min_vehicle_km=0.5, min_vehicles=3))
    assert [t.cell for t in top] == [h3.latlng_to_cell(*p, 7) for p in (C, A, B)]
    assert [t.rank for t in top] == [1, 2, 3]
    assert top[0].rate_per_1000_vkm == pytest.approx(8000, rel=1e-6)
    assert top[0].events == 8


def test_cells_with_too_little_exposure_or_too_few_vehicles_are_not_ranked(
    store: DuckDBStore,
) -> None:
    drive(store, A, vehicles=4, seconds=1001, events=1)
    drive(store, B, vehicles=4, seconds=101, events=50)  # 0.4 km: below the minimum
    drive(store, C, vehicles=2, seconds=1001, events=50)  # two vehicles only
    rates = cell_rates(store, HotspotParams(resolution=7, min_vehicle_km=1.0, min_vehicles=3))
    ranked = [r for r in rates if r.rank is not None]
    assert [r.cell for r in ranked] == [h3.latlng_to_cell(*A, 7)]
    unranked = {r.cell: r for r in rates if r.rank is None}
    assert unranked[h3.latlng_to_cell(*B, 7)].rate_per_1000_vkm is None
    assert not unranked[h3.latlng_to_cell(*C, 7)].eligible


def test_event_type_filter(store: DuckDBStore) -> None:
    drive(store, A, vehicles=3, seconds=1001, events=4, kind=EventType.HMW)
    drive(store, B, vehicles=3, seconds=1001, events=1, kind=EventType.FCW)
    params = HotspotParams(resolution=7, event_types=("FCW",), min_vehicle_km=0.5)
    assert top_hotspots(store, params)[0].cell == h3.latlng_to_cell(*B, 7)


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
    features = hotspots_geojson(cell_rates(store, HotspotParams(resolution=9)))["features"]
    assert features
    ring = features[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1]
    assert len(ring) == 7
