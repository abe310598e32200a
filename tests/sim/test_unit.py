"""A simulated taxi's ADAS unit, driven by hand (no SUMO): what it writes is what the
gateway's decoder reads back, warning for warning (same type, onset and level)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roadsense.edge.decoding.can_input import read_can_log
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.decoding.line_sources import file_lines
from roadsense.edge.decoding.signals import SignalDecoder
from roadsense.edge.decoding.warnings_700 import active_warnings
from roadsense.schema import AdasEvent, AnyRecord, EventSource, EventType, SignSighting
from roadsense.sim.can_encoder import FrameEncoder
from roadsense.sim.decode import gateway_config
from roadsense.sim.unit import Lead, SimulatedUnit, UnitWarning, display_signals

E = EventType
EPOCH = datetime(2025, 6, 2, 8, 0, tzinfo=UTC).timestamp()
KMH = 1 / 3.6
VEHICLE = "taxi-042"


def new_unit(tmp_path: Path) -> SimulatedUnit:
    return SimulatedUnit(VEHICLE, tmp_path / "u.log", tmp_path / "u.imu.csv", EPOCH, FrameEncoder())


def decoded(tmp_path: Path) -> tuple[list[AnyRecord], Counter[str]]:
    decoder = EdgeDecoder(gateway_config(VEHICLE))
    frames = read_can_log(tmp_path / "u.log", decoder.counters)
    records = list(replay(decoder, frames, (), file_lines(tmp_path / "u.imu.csv")))
    return records, decoder.counters


def events(records: list[AnyRecord]) -> list[AdasEvent]:
    return [r for r in records if isinstance(r, AdasEvent)]


def keys(items: list[AdasEvent] | list[UnitWarning]) -> set[tuple[EventType, float, int]]:
    """What the gateway and the unit must agree on: type, onset (ms) and level."""
    out = set()
    for item in items:
        t = item.time.timestamp() if isinstance(item, AdasEvent) else item.onset_t
        out.add((item.type, round(t, 3), item.level))
    return out


def approach_stopped_car(unit: SimulatedUnit, speed_kmh: float) -> list[UnitWarning]:
    """Drive at ``speed_kmh`` toward a car stopped 80 m ahead; brake at 6 m/s2 late,
    to stop 2 m behind it."""
    speed, gap, t = speed_kmh * KMH, 80.0, 0.5
    brake_at = speed * speed / 12.0 + 2.0
    while speed > 0.0:
        braking = gap < brake_at
        accel = -6.0 if braking else 0.0
        lead = Lead(7, gap, 0.0, 0.0) if gap < 100 else None
        unit.step(t, speed, accel, 50 * KMH, lead)
        gap -= speed * 0.5
        speed = max(0.0, speed + accel * 0.5)
        t += 0.5
    for _ in range(6):  # standing behind it
        unit.step(t, 0.0, 0.0, 50 * KMH, Lead(7, max(gap, 1.0), 0.0, 0.0))
        t += 0.5
    return unit.close()


def test_a_forward_collision_warning_reaches_the_gateway(tmp_path: Path) -> None:
    # 65 km/h: a stop 35 m ahead needs 4.7 m/s2, beyond the unit's 0.4 g (at 50 km/h the
    # same driver brakes in time without a warning)
    warnings = approach_stopped_car(new_unit(tmp_path), 65.0)
    records, counters = decoded(tmp_path)
    assert counters == Counter()
    got = events(records)
    assert keys(got) == keys(warnings)
    fcw = next(e for e in got if e.type is E.FCW)
    assert fcw.source is EventSource.MOBILEYE
    assert fcw.speed_mps == pytest.approx(65 * KMH, abs=0.3)
    # the lead's frames go out with the warning: the gateway's TTC is range / closing speed
    assert fcw.ttc_s is not None
    assert 1.5 <= fcw.ttc_s <= 3.0
    assert fcw.speed_limit_kmh == 50.0
    harsh = [e for e in got if e.type is E.HARSH_BRAKE]
    assert len(harsh) == 1
    assert harsh[0].source is EventSource.IMU
    assert harsh[0].level == 2  # 6 m/s2 is beyond 1.5 times the 3.5 m/s2 threshold


def test_urban_speed_gives_ufcw(tmp_path: Path) -> None:
    warnings = approach_stopped_car(new_unit(tmp_path), 25.0)
    assert E.UFCW in {w.type for w in warnings}
    assert E.FCW not in {w.type for w in warnings}
    assert keys(events(decoded(tmp_path)[0])) == keys(warnings)


def test_speed_limit_signs_and_speeding(tmp_path: Path) -> None:
    unit = new_unit(tmp_path)
    t = 0.5
    for limit_kmh, seconds in ((50, 10), (30, 10), (30, 5)):
        for _ in range(seconds * 2):
            unit.step(t, 47 * KMH, 0.0, limit_kmh * KMH, None)
            t += 0.5
    warnings = unit.close()
    records, counters = decoded(tmp_path)
    assert counters == Counter()
    signs = [r for r in records if isinstance(r, SignSighting)]
    assert [(s.sign_type, s.value) for s in signs] == [("speed_limit", 50.0), ("speed_limit", 30.0)]
    assert signs[1].time.timestamp() == pytest.approx(EPOCH + 10.5, abs=0.01)
    assert [w.type for w in warnings] == [E.SPEEDING]  # 47 km/h where 30 is signed
    speeding = events(records)
    assert keys(speeding) == keys(warnings)
    assert speeding[0].speed_limit_kmh == 30.0


def test_a_quiet_drive_writes_frames_but_no_warning(tmp_path: Path) -> None:
    unit = new_unit(tmp_path)
    for k in range(1, 41):
        unit.step(k * 0.5, 40 * KMH, 0.2, 50 * KMH, Lead(3, 40.0, 40 * KMH, 0.0))
    assert unit.close() == []
    records, counters = decoded(tmp_path)
    assert counters == Counter()
    assert events(records) == []
    frames = list(read_can_log(tmp_path / "u.log", Counter()))
    ids = Counter(m.arbitration_id for m in frames)
    assert ids[0x700] == 40  # every step
    assert ids[0x760] == 20  # steady speed: once a second
    assert ids[0x739] == 4  # a steady lead: when it appears, then every 5 s
    assert (tmp_path / "u.imu.csv").read_text() == "time,ax,ay,az\n"  # nothing to log


@pytest.mark.parametrize(
    ("levels", "shown"),
    [
        ({E.FCW: 2}, {E.FCW: 2}),
        ({E.FCW: 3}, {E.FCW: 2}),  # the me8 family has no louder FCW than its sound
        ({E.UFCW: 2}, {E.UFCW: 2}),
        ({E.PCW: 2}, {E.PCW: 2}),
        ({E.HMW: 1}, {E.HMW: 1}),
        ({E.HMW: 2}, {E.HMW: 2}),
        ({E.SPEEDING: 1}, {E.SPEEDING: 1}),
        ({E.LDW_LEFT: 1}, {E.LDW_LEFT: 2}),
        ({E.LDW_RIGHT: 1}, {E.LDW_RIGHT: 2}),
        ({E.HMW: 1, E.SPEEDING: 1}, {E.HMW: 1, E.SPEEDING: 1}),
        ({E.FCW: 2, E.HMW: 2}, {E.FCW: 2, E.HMW: 2}),
        ({E.FCW: 2, E.UFCW: 2}, {E.FCW: 2}),  # one FCW bit, one sound: the louder wins
    ],
)
def test_what_0x700_shows_a_gateway(
    levels: dict[EventType, int], shown: dict[EventType, int]
) -> None:
    data = FrameEncoder().encode(0x700, **display_signals(levels, 0.8))
    sig = SignalDecoder().decode(0x700, data)
    assert sig["HeadwayValid"] == 1
    assert sig["HeadwayMeasurement"] == pytest.approx(0.8)
    active = active_warnings(sig, "me8", {}, None, Counter())
    assert {kind: obs.level for kind, obs in active.items()} == shown
