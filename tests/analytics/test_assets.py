"""Signs, sign-vs-map differences, lane markings and potholes from a matched fleet."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest

from roadsense.analytics.assets import (
    Sign,
    lane_quality,
    mismatches_geojson,
    potholes,
    sign_inventory,
    sign_mismatches,
)
from roadsense.roads.service import CityRoads
from roadsense.roads.store_sync import match_new
from roadsense.schema import (
    AdasEvent,
    EventSource,
    EventType,
    LaneSample,
    Position,
    Record,
    SignSighting,
)
from roadsense.sim import SimResult, load_vehicle_records
from roadsense.store import Store, open_store
from roadsense.store.roads_rows import DEFAULT_LIMIT, TAGGED_LIMIT, Segment
from tests.roads.conftest import fleet_run, helsinki, roads_cache  # noqa: F401
from tests.roads.fleet_store import fill, shared_segment, upload

LONE_POTHOLE: set[uuid.UUID] = set()
"""The id of the pothole the fixture has one taxi report (the fleet's own simulation
strikes its planted potholes too, wherever the run put them)."""


@pytest.fixture(scope="module")
def asset_store(
    tmp_path_factory: pytest.TempPathFactory,
    helsinki: CityRoads,  # noqa: F811
    fleet_run: SimResult,  # noqa: F811
) -> Iterator[tuple[Store, str, float]]:
    """The fleet matched, then each taxi on a shared segment reports a sign (map limit
    + 20), a worn marking and a pothole at that segment's middle; one more pothole is
    reported by one taxi only."""
    db = open_store(tmp_path_factory.mktemp("assets") / "store.duckdb")
    fill(db, fleet_run, helsinki)
    segment, times = shared_segment(db, vehicles=2)
    seg = helsinki.network.by_id[segment]
    lon, lat = seg.coords[len(seg.coords) // 2]
    items: list[Record] = []
    for k, (vid, ts) in enumerate(sorted(times.items())):
        jitter = k * 2e-5
        # the pothole is struck where the taxi passed the segment's middle (its nearest
        # fix), not mid-visit: the platform places an event on the road at its time
        struck = _nearest_fix_time(fleet_run, vid, lon, lat)
        items += [
            SignSighting(
                vehicle_id=vid,
                time=ts,
                lat=lat + jitter,
                lon=lon,
                sign_type="speed_limit",
                value=seg.speed_limit_kmh + 20,
                confidence=0.9,
            ),
            LaneSample(
                vehicle_id=vid,
                time=ts,
                lat=lat,
                lon=lon,
                side="left",
                marking_type="dashed",
                quality=0,
            ),
            AdasEvent(
                event_id=uuid.uuid4(),
                vehicle_id=vid,
                time=struck,
                type=EventType.POTHOLE,
                lat=lat + jitter,
                lon=lon - jitter,
                source=EventSource.SIM,
            ),
        ]
    lone = next(iter(sorted(times)))
    fix = [r for r in load_vehicle_records(fleet_run.out_dir, lone) if isinstance(r, Position)][5]
    LONE_POTHOLE.add(lone_id := uuid.uuid4())
    items.append(
        AdasEvent(
            event_id=lone_id,
            vehicle_id=lone,
            time=fix.time,
            type=EventType.POTHOLE,
            lat=fix.lat,
            lon=fix.lon,
            source=EventSource.SIM,
        )
    )
    upload(db, items, device="gw-assets")
    run = match_new(db, helsinki.matcher())
    assert run.batches == 1
    yield db, segment, seg.speed_limit_kmh
    db.close()


def _nearest_fix_time(run: SimResult, vehicle: str, lon: float, lat: float) -> datetime:
    """When ``vehicle``'s GPS put it nearest to (lon, lat)."""
    fixes = [r for r in load_vehicle_records(run.out_dir, vehicle) if isinstance(r, Position)]
    scale = math.cos(math.radians(lat))
    nearest = min(fixes, key=lambda f: ((f.lon - lon) * scale) ** 2 + (f.lat - lat) ** 2)
    return nearest.time


def test_sign_inventory_and_map_mismatch(asset_store: tuple[Store, str, float]) -> None:
    db, segment, limit = asset_store
    signs = sign_inventory(db, min_vehicles=2)
    assert len(signs) == 1
    sign = signs[0]
    assert sign.value == limit + 20
    assert sign.vehicles >= 2
    assert sign.confidence == pytest.approx(1 - 0.5**sign.vehicles, abs=1e-3)  # 3 decimals
    assert sign.segment_id == segment
    mismatches = sign_mismatches(signs, db.road_segments())
    assert [m.segment_id for m in mismatches] == [segment]
    assert mismatches[0].map_limit_kmh == limit
    feature = mismatches_geojson(mismatches)["features"][0]
    assert feature["properties"]["sign_value"] == limit + 20
    assert not sign_inventory(db, min_vehicles=sign.vehicles + 1)


def test_worn_lane_markings(asset_store: tuple[Store, str, float]) -> None:
    db, segment, _ = asset_store
    rows = lane_quality(db, min_vehicles=2)
    assert [r.segment_id for r in rows] == [segment]
    assert rows[0].worn
    assert rows[0].mean_quality == 0
    assert not lane_quality(db, min_vehicles=rows[0].vehicles + 1)


def test_potholes_need_two_vehicles(asset_store: tuple[Store, str, float]) -> None:
    db, segment, _ = asset_store
    found = potholes(db, min_vehicles=2)
    assert len(found) == 1
    assert found[0].vehicles >= 2
    assert found[0].segment_id == segment
    # the lone report is kept, and is a pothole of its own with one vehicle
    assert len(LONE_POTHOLE) == 1
    assert {e.event_id for e in db.placed_events(["POTHOLE"])} >= LONE_POTHOLE
    assert len(potholes(db, min_vehicles=1)) > len(found)


def _segment(segment_id: str, limit: float, source: str) -> Segment:
    return Segment(
        segment_id, 1, 1, 2, "secondary", "Mannerheimintie", 2, 0, limit, source, 100.0,
        ((24.94, 60.17), (24.941, 60.17)),
    )  # fmt: skip


def test_a_sign_where_the_map_has_no_limit_is_a_mismatch_even_at_the_default() -> None:
    signs = [
        Sign(f"s{k}", "speed_limit", value, 24.94, 60.17, 4, 3, 0.875, seg)
        for k, (value, seg) in enumerate(
            [(50.0, "tagged"), (60.0, "tagged"), (50.0, "untagged"), (40.0, "untagged")]
        )
    ]
    segments = [
        _segment("tagged", 50.0, TAGGED_LIMIT),  # the map says 50
        _segment("untagged", 50.0, DEFAULT_LIMIT),  # 50 is only the class's default
    ]
    found = sign_mismatches(signs, segments)
    # the 50 sign agrees with a tagged 50; every sign on the untagged way is a map gap
    assert [(m.sign.sign_id, m.map_limit_source) for m in found] == [
        ("s1", TAGGED_LIMIT),
        ("s2", DEFAULT_LIMIT),
        ("s3", DEFAULT_LIMIT),
    ]
