"""Records for the edge tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from roadsense.schema import AdasEvent, DeviceStatus, EventSource, EventType, Position

T0 = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)


def position(i: int, vehicle: str = "taxi-1") -> Position:
    return Position(
        vehicle_id=vehicle,
        time=T0 + timedelta(seconds=i),
        lat=35.87 + i * 1e-6,
        lon=128.6,
        speed_mps=10.0,
        heading_deg=90.0,
        hdop=0.9,
    )


def event(i: int, vehicle: str = "taxi-1", tag: str = "") -> AdasEvent:
    return AdasEvent(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"roadsense-test/{tag}/{i}"),
        vehicle_id=vehicle,
        time=T0 + timedelta(seconds=i),
        type=EventType.FCW,
        level=2,
        lat=35.87,
        lon=128.6,
        speed_mps=12.0,
        ttc_s=1.4,
        source=EventSource.SIM,
        raw=["0x700 01 02"],
    )


def status(i: int, vehicle: str = "taxi-1") -> DeviceStatus:
    return DeviceStatus(vehicle_id=vehicle, time=T0 + timedelta(seconds=i), uptime_s=float(i))
