"""No row can break a read: the edges of every bound stored, then every read route asked.

The store (both backends) gets rows at the edges of what an upload may carry: the oldest
and newest times the server's clock window lets in, the fastest speed, the poles and the
date line, the largest HDOP, TTC, lateral offset, sign value, episode and uptime, the
widest error codes and counters. Then every GET route of the app (the route table of
``test_read_scope``) is called by an admin and by a fleet operator, after the cube is
built: none may answer 5xx. A row of year 9999, stored before the window existed, is there
too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from roadsense.schema import (
    AdasEvent,
    AnyRecord,
    DeviceStatus,
    EventSource,
    EventType,
    LaneSample,
    Position,
    SignSighting,
)
from roadsense.schema.records import (
    MAX_EPISODE_S,
    MAX_HDOP,
    MAX_LATERAL_M,
    MAX_SIGN_VALUE,
    MAX_SPEED_MPS,
    MAX_TTC_S,
    MAX_UPTIME_S,
)
from roadsense.server.app import create_app
from roadsense.store import open_store
from tests.factories import batch, track
from tests.server.conftest import as_role, provision, settings_for
from tests.server.test_read_scope import CASES, NORTH, SOUTH

SETTINGS = settings_for("unused")
YEAR_9999 = datetime(9999, 12, 31, 20, tzinfo=UTC)
CORNERS = [(90.0, 180.0), (-90.0, -180.0), (0.0, 180.0), (89.999, -179.999), (60.17, 24.94)]


def _edge_times(now: datetime) -> list[datetime]:
    """The oldest and newest times the clock window lets in (a second inside each edge)."""
    oldest = now - timedelta(days=SETTINGS.upload_max_age_days) + timedelta(seconds=1)
    newest = now + timedelta(seconds=SETTINGS.upload_max_ahead_s) - timedelta(seconds=1)
    return [oldest, oldest + timedelta(seconds=1), newest - timedelta(seconds=1), newest]


SMALLEST_SPEED = 5e-324
"""The smallest positive float: times a step of a millisecond it underflows."""


def position(vehicle: str, *, lat: float, lon: float, at: datetime, speed: float) -> Position:
    return Position(
        vehicle_id=vehicle,
        time=at,
        lat=lat,
        lon=lon,
        speed_mps=speed,
        heading_deg=359.999,
        hdop=MAX_HDOP,
    )


def extreme_items(vehicle: str, now: datetime) -> list[AnyRecord]:
    items: list[AnyRecord] = []
    for i, t in enumerate(_edge_times(now)):
        for j, (lat, lon) in enumerate(CORNERS):
            at = t + timedelta(milliseconds=j)
            speed = MAX_SPEED_MPS if (i + j) % 2 else SMALLEST_SPEED
            items.append(position(vehicle, lat=lat, lon=lon, at=at, speed=speed))
            items.append(
                AdasEvent(
                    event_id=uuid.uuid4(),
                    vehicle_id=vehicle,
                    time=at,
                    type=list(EventType)[(i + j) % len(EventType)],
                    level=3,
                    duration_s=MAX_EPISODE_S,
                    lat=lat,
                    lon=lon,
                    speed_mps=MAX_SPEED_MPS,
                    ttc_s=MAX_TTC_S if j % 2 else 0.0,
                    headway_s=MAX_TTC_S,
                    speed_limit_kmh=200.0,
                    lateral_m=MAX_LATERAL_M if j % 2 else -MAX_LATERAL_M,
                    source=EventSource.MOBILEYE,
                    raw=["ff" * 64] * 4,
                )
            )
            items.append(
                SignSighting(
                    vehicle_id=vehicle,
                    time=at,
                    lat=lat,
                    lon=lon,
                    sign_type="speed_limit",
                    value=MAX_SIGN_VALUE if j % 2 else 0.0,
                    confidence=1.0,
                )
            )
            items.append(
                LaneSample(
                    vehicle_id=vehicle,
                    time=at,
                    lat=lat,
                    lon=lon,
                    side="left",
                    marking_type="solid",
                    quality=3,
                    lateral_m=-MAX_LATERAL_M,
                )
            )
        items.append(
            DeviceStatus(
                vehicle_id=vehicle,
                time=t,
                failsafe=True,
                tamper=True,
                adas_silent=True,
                error_codes=[-(2**31), 2**31 - 1],
                uptime_s=MAX_UPTIME_S,
                counters={"bad_frames": 2**63 - 1},
            )
        )
    return items


@pytest.fixture
def extreme_store(store_url: str) -> Iterator[TestClient]:
    now = datetime.now(UTC)
    with open_store(store_url) as db:
        provision(db)
        db.add_fleet(NORTH, "North Cabs")
        db.add_fleet(SOUTH, "South Cabs")
        db.ingest(batch([*track("taxi-1", 30), *extreme_items("taxi-1", now)], "gw-1"))
        db.ingest(batch(extreme_items("taxi-2", now), "gw-2"))
        # a row from before uploads were bounded, which the window refuses now
        db.ingest(
            batch([position("taxi-1", lat=60.17, lon=24.94, at=YEAR_9999, speed=1.0)], "gw-1")
        )
    app = create_app(settings_for(store_url))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def test_no_stored_row_breaks_a_read(extreme_store: TestClient) -> None:
    paths = sorted({case.path for case in CASES})
    failures = []
    for role in ("admin", "analyst", "ops-f1"):
        for path in paths:
            for params in ({}, {"since": "2000-01-01", "until": "2099-12-31"}):
                response = extreme_store.get(path, params=params, headers=as_role(role))
                if response.status_code >= 500:
                    failures.append((role, path, params, response.status_code, response.text))
    assert failures == []
