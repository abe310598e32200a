"""``EdgeConfig(engine=True)``: the warning engine on the unit's obstacles, car info and lanes."""

from __future__ import annotations

from collections.abc import Iterator

import can
import pytest

from roadsense.edge.adas import Frame, ObjectType, TrackedObject, WarningEngine, WarningOnset
from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.decoding.event_building import event_id
from roadsense.schema import AdasEvent, AnyRecord, EventSource, EventType

from .conftest import VEHICLE, decode, of_kind
from .make_fixtures import T0, frame

E = EventType


def engine_events(records: list[AnyRecord]) -> list[AdasEvent]:
    return [e for e in of_kind(records, AdasEvent) if e.source is EventSource.ENGINE]


@pytest.fixture(scope="module")
def both() -> tuple[list[AnyRecord], list[AnyRecord]]:
    off, _ = decode("drive_me8.log", "drive.nmea", "drive_imu.csv")
    on, decoder = decode("drive_me8.log", "drive.nmea", "drive_imu.csv", engine=True)
    assert decoder.feed is not None
    assert decoder.feed.cycles == 370  # 40 s at 10 Hz, less the 3 s the unit is silent
    return off, on


def test_the_recorded_closing_lead_warns_fcw_then_hmw(
    both: tuple[list[AnyRecord], list[AnyRecord]],
) -> None:
    _, on = both
    events = {e.type: e for e in engine_events(on)}
    assert set(events) == {E.FCW, E.HMW}
    fcw = events[E.FCW]
    # CIPV 0 closes at 8 m/s from 23 m (t=4.0 s): the true TTC falls to 2.7 s at 4.4 s; the
    # engine sees each cycle one cycle late and needs its persistence
    onset = fcw.time.timestamp() - T0
    assert 4.35 <= onset <= 4.75
    assert fcw.ttc_s is not None
    assert 2.0 <= fcw.ttc_s <= 2.7
    assert fcw.level == 3  # TTC under 1.2 s before the lead stops closing at 6.2 s
    assert fcw.speed_mps == pytest.approx(55 / 3.6)
    assert fcw.position_flag == "interpolated"
    assert fcw.lat is not None
    hmw = events[E.HMW]
    assert hmw.time > fcw.time
    assert hmw.headway_s is not None
    assert hmw.headway_s <= 1.0
    # the engine's ids never collide with the unit's own warning at the same moment
    assert fcw.event_id != event_id(VEHICLE, E.FCW, fcw.time.timestamp())


def test_the_engine_adds_events_and_changes_nothing_else(
    both: tuple[list[AnyRecord], list[AnyRecord]],
) -> None:
    off, on = both
    assert not engine_events(off)
    rest = [r for r in on if not (isinstance(r, AdasEvent) and r.source is EventSource.ENGINE)]
    assert [r.model_dump() for r in rest] == [r.model_dump() for r in off]


def test_off_by_default() -> None:
    assert EdgeDecoder(EdgeConfig()).feed is None


# -- synthetic cycles: car info, lanes and the speed limit reach the engine --------------------


def cycles(
    seconds: float,
    *,
    speed_kmh: float = 80.0,
    left_c0: float | None = None,
    drift_mps: float = 0.0,
    left_signal: bool = False,
    shown_limit: int = 255,
    with_status: bool = True,
    lead_x: float | None = None,
    lead_vx: float = 0.0,
) -> Iterator[can.Message]:
    """10 Hz cycles: 0x760, lanes, 0x727, 0x738 and one obstacle (all optional bits)."""
    for i in range(int(seconds * 10)):
        rel = 0.05 + i * 0.1
        t = T0 + rel
        yield frame(
            t,
            0x760,
            Speed=speed_kmh,
            SpeedAvailable=1,
            LeftSignal=int(left_signal),
            LeftSignalAvailable=1,
        )
        if left_c0 is not None:
            c0 = left_c0 - drift_mps * rel
            yield frame(t + 0.001, 0x766, LaneType=0, Quality=3, C0=c0)
            yield frame(t + 0.002, 0x768, LaneType=0, Quality=3, C0=-(3.5 - c0))
        yield frame(t + 0.003, 0x727, SignType=shown_limit)
        if with_status:
            yield frame(t + 0.004, 0x738, NumObstacles=0 if lead_x is None else 1)
        if lead_x is not None:
            x = max(0.0, lead_x + lead_vx * rel)
            yield frame(t + 0.005, 0x739, ObstacleId=7, PosX=x, VelX=lead_vx, Valid=2)
            yield frame(t + 0.006, 0x73A, Lane=1, CIPV=1)
            yield frame(t + 0.007, 0x73B, Accel=0.0)


def run(frames: Iterator[can.Message]) -> list[AdasEvent]:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, engine=True))
    return engine_events(list(replay(decoder, frames)))


def test_a_drift_toward_the_left_marking_warns_ldw_left() -> None:
    events = run(cycles(5.0, left_c0=1.75, drift_mps=0.3))
    assert [e.type for e in events] == [E.LDW_LEFT]
    ldw = events[0]
    assert ldw.lateral_m is not None
    assert 0.0 <= ldw.lateral_m <= 0.2
    assert 2.0 <= ldw.time.timestamp() - T0 <= 3.0


def test_the_left_turn_signal_of_0x760_silences_it() -> None:
    assert run(cycles(5.0, left_c0=1.75, drift_mps=0.3, left_signal=True)) == []


def test_the_sign_shown_by_0x727_is_the_speeding_limit() -> None:
    events = run(cycles(5.0, speed_kmh=80.0, shown_limit=4))  # 50 km/h shown
    assert [e.type for e in events] == [E.SPEEDING]
    assert events[0].speed_limit_kmh == 50.0
    assert run(cycles(5.0, speed_kmh=80.0, shown_limit=7)) == []  # 80 km/h shown


def test_cycles_without_0x738_end_when_the_slot_comes_again() -> None:
    # a stopped car 60 m ahead at 72 km/h: TTC 3 s at the start
    events = run(cycles(4.0, speed_kmh=72.0, with_status=False, lead_x=60.0, lead_vx=-20.0))
    assert E.FCW in {e.type for e in events}


class RecordingEngine(WarningEngine):
    """The real engine, keeping every frame it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []

    def step(self, frame: Frame) -> list[WarningOnset]:
        self.frames.append(frame)
        return super().step(frame)


def frames_seen(frames: Iterator[can.Message]) -> list[Frame]:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, engine=True))
    assert decoder.feed is not None
    engine = decoder.feed.engine = RecordingEngine()
    list(replay(decoder, frames))
    return engine.frames


def test_what_the_engine_is_given_each_cycle() -> None:
    t = T0 + 0.05
    frames = [
        frame(t, 0x760, Speed=36, SpeedAvailable=1, Brakes=1, RightSignal=1),
        frame(t + 0.001, 0x766, Quality=3, C0=1.5),
        frame(t + 0.002, 0x768, Quality=0, C0=-1.5),
        frame(t + 0.003, 0x727, SignType=2),
        frame(t + 0.004, 0x738, NumObstacles=2),
        frame(t + 0.005, 0x739, ObstacleId=4, PosX=12.5, PosY=-1.0, VelX=-1.5, Type=3, Valid=1),
        frame(t + 0.006, 0x73B, Accel=0.6),
        frame(t + 0.007, 0x73C, ObstacleId=5, PosX=30.0, Type=1, Valid=0),  # not valid
        frame(t + 0.1, 0x738, NumObstacles=0),
        frame(t + 1.2, 0x738, NumObstacles=0),
    ]
    first, second, third = frames_seen(iter(frames))
    assert first.t == pytest.approx(t + 0.004)
    assert first.ego.speed == pytest.approx(10.0)
    assert (first.ego.turn_signal, first.ego.brake, first.ego.accel) == ("right", True, None)
    assert first.objects == (TrackedObject(4, ObjectType.PEDESTRIAN, 12.5, -1.0, -1.5, 0.6),)
    assert first.lanes.left == pytest.approx(0.6)  # 1.5 m to the marking less half the width
    assert first.lanes.right is None  # quality 0: not seen
    assert first.speed_limit_kmh == 30.0
    assert second.objects == ()
    assert second.lanes.left == pytest.approx(0.6)
    assert third.lanes.left is None  # no lane frame for over 0.5 s
