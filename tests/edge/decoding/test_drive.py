"""The recorded 40 s drive (see make_fixtures.SCRIPT) decodes to the records it should."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roadsense.edge.decoding.event_building import event_id
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

from .conftest import VEHICLE, decode, of_kind

E = EventType
T0 = datetime(2020, 6, 1, 8, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@pytest.fixture(scope="module")
def drive() -> list[AnyRecord]:
    records, decoder = decode("drive_me8.log", "drive.nmea", "drive_imu.csv")
    assert decoder.frames == 5920
    assert dict(decoder.counters) == {}
    return records


@pytest.fixture(scope="module")
def events(drive: list[AnyRecord]) -> dict[EventType, AdasEvent]:
    found = of_kind(drive, AdasEvent)
    by_type = {e.type: e for e in found}
    assert len(by_type) == len(found), "one event per episode"
    return by_type


def test_one_event_per_scripted_episode(events: dict[EventType, AdasEvent]) -> None:
    assert set(events) == {
        E.FCW, E.HMW, E.LDW_LEFT, E.SPEEDING, E.PED_IN_DZ, E.LDW_RIGHT, E.TAMPER,
        E.HARSH_BRAKE, E.POTHOLE,
    }  # fmt: skip
    expected = {  # onset (first frame), duration (first to last frame), peak level
        E.FCW: (5.05, 1.1, 2),
        E.HMW: (10.05, 2.9, 2),
        E.LDW_LEFT: (15.05, 0.4, 2),
        E.SPEEDING: (20.05, 0.9, 2),
        E.PED_IN_DZ: (24.05, 0.7, 2),
        E.LDW_RIGHT: (29.05, 0.5, 1),  # off 29.2-29.4: shorter than the merge gap
        E.TAMPER: (31.05, 0.9, 0),
    }
    for kind, (onset, duration, level) in expected.items():
        event = events[kind]
        assert event.time == at(onset), kind
        assert event.duration_s == pytest.approx(duration, abs=1e-3), kind
        assert event.level == level, kind
        assert event.source is EventSource.MOBILEYE
        assert event.vehicle_id == VEHICLE
        assert event.event_id == event_id(VEHICLE, kind, at(onset).timestamp())


def test_measurements_at_onset(events: dict[EventType, AdasEvent]) -> None:
    fcw = events[E.FCW]
    assert fcw.ttc_s == pytest.approx(15.5 / 8.0, abs=0.05)  # CIPV 15.5 m away, closing 8 m/s
    assert fcw.headway_s == pytest.approx(1.2)
    assert fcw.speed_mps == pytest.approx(55 / 3.6)  # from 0x760
    assert fcw.speed_limit_kmh is None
    assert events[E.HMW].headway_s == pytest.approx(0.6)
    assert events[E.HMW].ttc_s is None  # CIPV not closing
    assert events[E.LDW_LEFT].lateral_m == pytest.approx(0.1, abs=0.01)
    assert events[E.LDW_RIGHT].lateral_m == pytest.approx(0.9, abs=0.01)
    assert events[E.SPEEDING].speed_limit_kmh == 50.0  # shown on 0x727 since 18 s


def test_raw_frames_kept(events: dict[EventType, AdasEvent]) -> None:
    fcw = events[E.FCW]
    assert len(fcw.raw) == 12  # 5.05 .. 6.15
    assert fcw.raw[0].startswith(f"({at(5.05).timestamp():.6f}) 700#")
    assert all("700#" in r for r in fcw.raw)
    assert events[E.HARSH_BRAKE].raw[0].startswith("imu ")


def test_positions_interpolated_or_flagged(
    drive: list[AnyRecord], events: dict[EventType, AdasEvent]
) -> None:
    fixes = of_kind(drive, Position)
    assert len(fixes) == 41 - 6  # 1 Hz, six seconds without GPS
    assert fixes[0].hdop == pytest.approx(0.8)
    assert fixes[0].speed_mps == pytest.approx(55 / 3.6, abs=0.01)
    fcw = events[E.FCW]
    assert fcw.position_flag == "interpolated"
    before, after = fixes[5], fixes[6]
    assert (before.time, after.time) == (at(5), at(6))
    assert fcw.lon is not None
    assert before.lon < fcw.lon < after.lon
    assert fcw.lon == pytest.approx(before.lon + 0.05 * (after.lon - before.lon), abs=1e-9)
    ped = events[E.PED_IN_DZ]  # GPS gap 21.5-27.5: no fix within 2 s of 24.05
    assert (ped.position_flag, ped.lat, ped.lon) == ("no_fix", None, None)
    assert events[E.HARSH_BRAKE].position_flag == "ok"  # onset exactly on a fix
    assert events[E.HARSH_BRAKE].speed_mps == pytest.approx(55 / 3.6, abs=0.01)  # from GPS


def test_imu_events(events: dict[EventType, AdasEvent]) -> None:
    brake = events[E.HARSH_BRAKE]
    assert brake.source is EventSource.IMU
    assert brake.time == at(8.0)
    assert brake.duration_s == pytest.approx(0.58)
    pothole = events[E.POTHOLE]
    assert pothole.time == at(16.0)
    assert pothole.level == 1


def test_signs_and_lanes(drive: list[AnyRecord]) -> None:
    (sign,) = of_kind(drive, SignSighting)  # seen for 2 s: one sighting
    assert (sign.sign_type, sign.value) == ("speed_limit", 50.0)
    assert sign.time.timestamp() == pytest.approx(at(17.05).timestamp(), abs=0.01)
    assert sign.lat is not None
    lanes = of_kind(drive, LaneSample)
    left = [s for s in lanes if s.side == "left"]
    right = [s for s in lanes if s.side == "right"]
    assert len(left) == len(right) == 37  # one a second per side; 35-38 s silent
    assert {(s.marking_type, s.quality) for s in left} == {("dashed", 3)}
    assert {(s.marking_type, s.quality) for s in right} == {("solid", 2)}
    assert right[0].lateral_m == pytest.approx(-1.8, abs=0.01)
    assert sum(s.lat is None for s in lanes) == 6  # 23, 24, 25 s: no fix within 2 s


def test_device_status(drive: list[AnyRecord]) -> None:
    statuses = of_kind(drive, DeviceStatus)
    changes = [(round((s.time - T0).total_seconds(), 2), s) for s in statuses]
    tamper = [t for t, s in changes if s.tamper]
    assert tamper == [31.05]
    assert [t for t, s in changes if s.error_codes == [5]] == [32.05]
    assert [t for t, s in changes if s.failsafe] == [33.05]
    silent = [(t, s.adas_silent) for t, s in changes if t > 34.5]
    assert silent[:2] == [(36.96, True), (38.05, False)]  # last frame 34.96 + 2 s
    assert statuses[-1].counters == {}
    assert statuses[-1].uptime_s == pytest.approx(39.95, abs=0.01)  # first input: GPS at 0 s


def test_asc_and_candump_give_the_same_events() -> None:
    from_asc, dec = decode("drive_me8_first12s.asc")
    assert dict(dec.counters) == {}
    from_log, _ = decode("drive_me8.log")
    asc = {(e.type, e.time, e.level) for e in of_kind(from_asc, AdasEvent)}
    log = {(e.type, e.time, e.level) for e in of_kind(from_log, AdasEvent) if e.time < at(12)}
    assert asc == {(E.FCW, at(5.05), 2), (E.HMW, at(10.05), 2)} == log


def test_me560_family() -> None:
    records, decoder = decode("me560.log", family="me560")
    events = {e.type: e for e in of_kind(records, AdasEvent)}
    assert set(events) == {E.FCW, E.HMW}
    assert events[E.FCW].level == 3  # soft, then hard FCW: one episode
    assert events[E.FCW].duration_s == pytest.approx(0.9)
    assert events[E.HMW].level == 3  # near headway
    assert events[E.HMW].headway_s == pytest.approx(0.4)
    assert decoder.counters == {"can_reserved_sound": 2}
    assert of_kind(records, DeviceStatus)[-1].counters == {"can_reserved_sound": 2}
    assert all(e.position_flag == "no_fix" for e in events.values())  # decoded without GPS
    # the same log read as an ME8 unit: sound 5 is an urban FCW there
    as_me8 = {e.type for e in of_kind(decode("me560.log", family="me8")[0], AdasEvent)}
    assert E.UFCW in as_me8
