"""A unit that stops speaking while the gateway is on is silent; a night off is not; a
long failsafe is placed where it began."""

from __future__ import annotations

from datetime import UTC, datetime

import can
import pytest

from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.decoding.signals import load_dbc
from roadsense.schema import AdasEvent, DeviceStatus, EventType, Position

from .conftest import VEHICLE

CAR_INFO = bytes(8)
"""0x760 with nothing set: a frame the unit sends every drive."""


def drive(start: float, seconds: float) -> list[can.Message]:
    """The unit's car info at 2 Hz for ``seconds`` from ``start``."""
    return [
        can.Message(
            timestamp=start + i * 0.5, arbitration_id=0x760, is_extended_id=False, data=CAR_INFO
        )
        for i in range(int(seconds * 2))
    ]


def imu(start: float, seconds: float) -> list[str]:
    """The IMU's samples at 2 Hz: level, as a parked or cruising car reads."""
    return [f"{start + i * 0.5:.3f},0.0,0.0,9.807" for i in range(int(seconds * 2))]


def statuses(frames: list[can.Message], imu_lines: list[str]) -> list[DeviceStatus]:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE))
    return [r for r in replay(decoder, frames, imu_lines=imu_lines) if isinstance(r, DeviceStatus)]


def test_a_night_between_two_drives_is_not_a_silent_unit() -> None:
    day2 = 1_000.0 + 20 * 3600.0
    out = statuses(drive(1_000.0, 120) + drive(day2, 120), imu(1_000.0, 120) + imu(day2, 120))
    assert not any(s.adas_silent for s in out)
    last = out[-1]
    assert last.uptime_s is not None
    assert last.uptime_s < 120.0  # counted from the new drive


def test_a_new_drive_whose_unit_stays_quiet_is_silent_from_its_start() -> None:
    day2 = 1_000.0 + 20 * 3600.0
    out = statuses(drive(1_000.0, 120), imu(1_000.0, 120) + imu(day2, 120))
    silent = [s for s in out if s.adas_silent]
    assert silent, "the unit said nothing on the second drive"
    assert silent[0].time.timestamp() == day2 + 2.0  # silent_after_s from the drive's start


def test_a_unit_that_stops_while_the_gateway_runs_is_silent() -> None:
    # the IMU goes on: the gateway is on, only the unit is quiet for 90 s
    frames = drive(1_000.0, 60) + drive(1_150.0, 60)
    out = statuses(frames, imu(1_000.0, 210))
    went = next(s for s in out if s.adas_silent)
    assert went.time.timestamp() == 1_000.0 + 59.5 + 2.0
    back = next(s for s in out if s.time > went.time and not s.adas_silent)
    assert back.time.timestamp() == 1_150.0


def _warnings_700(t: float, **signals: int) -> can.Message:
    message = load_dbc().get_message_by_frame_id(0x700)
    values = {s.name: 0 for s in message.signals} | signals
    return can.Message(
        timestamp=t, arbitration_id=0x700, is_extended_id=False, data=message.encode(values)
    )


def test_a_camera_blocked_for_minutes_is_placed_where_it_began() -> None:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE))  # fixes kept for 120 s
    start, blocked_from, blocked_s = 1_000.0, 1_030.0, 600.0
    out: list[object] = []
    for i in range(int(blocked_s) + 90):
        t = start + i
        out += decoder.advance(t)
        lat = 60.17 + i * 1e-5  # a car driving north, a fix each second
        out += decoder.on_position(
            Position(vehicle_id=VEHICLE, time=datetime.fromtimestamp(t, UTC), lat=lat, lon=24.94)
        )
        for half in (0.0, 0.5):
            failsafe = int(blocked_from <= t + half < blocked_from + blocked_s)
            out += decoder.on_frame(_warnings_700(t + half, Failsafe=failsafe))
    out += decoder.finish()
    (event,) = [r for r in out if isinstance(r, AdasEvent) and r.type == EventType.FAILSAFE]
    assert event.time.timestamp() == blocked_from
    assert event.position_flag != "no_fix"
    assert event.lat == pytest.approx(60.17 + 30 * 1e-5, abs=1e-9)
    assert len(decoder.fixes) < 200  # once it ended, the old fixes went
