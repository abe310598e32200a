"""The engine on decoded CAN gets the lane's curvature from the 0x766/0x768 marking frames."""

from __future__ import annotations

from collections.abc import Iterator

import can
import pytest

from roadsense.edge.adas import Frame, WarningEngine, WarningOnset
from roadsense.edge.decoding.config import EdgeConfig
from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.schema import AdasEvent, EventSource, EventType
from tests.edge.decoding.make_fixtures import T0, frame

VEHICLE = "taxi-curves"


class RecordingEngine(WarningEngine):
    """The real engine, keeping every frame it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[Frame] = []

    def step(self, frame: Frame) -> list[WarningOnset]:
        self.frames.append(frame)
        return super().step(frame)


def drive(c2: float, drift_mps: float, seconds: float = 5.0) -> Iterator[can.Message]:
    """80 km/h, 10 Hz; both markings with polynomial term ``c2``; drifting left."""
    for i in range(int(seconds * 10)):
        rel = 0.05 + i * 0.1
        t = T0 + rel
        c0 = 1.75 - drift_mps * rel
        yield frame(t, 0x760, Speed=80, SpeedAvailable=1)
        yield frame(t + 0.001, 0x766, LaneType=0, Quality=3, C0=c0, C2=c2)
        yield frame(t + 0.002, 0x768, LaneType=0, Quality=3, C0=-(3.5 - c0), C2=c2)
        yield frame(t + 0.004, 0x738, NumObstacles=0)


def decode(messages: Iterator[can.Message]) -> tuple[list[Frame], list[EventType]]:
    decoder = EdgeDecoder(EdgeConfig(vehicle_id=VEHICLE, engine=True))
    assert decoder.feed is not None
    engine = decoder.feed.engine = RecordingEngine()
    records = list(replay(decoder, messages))
    events = [
        r.type for r in records if isinstance(r, AdasEvent) and r.source is EventSource.ENGINE
    ]
    return engine.frames, events


def test_curvature_is_twice_c2() -> None:
    frames, _ = decode(drive(c2=0.001, drift_mps=0.0, seconds=1.0))
    assert frames[-1].lanes.curvature == pytest.approx(0.002, abs=1e-5)


def test_cutting_a_left_hand_curve_on_can_is_silent_and_on_a_straight_road_warns() -> None:
    # 1/(2 x 0.00125) = 400 m left-hand curve, drifting toward its inside at 0.3 m/s
    _, in_curve = decode(drive(c2=0.00125, drift_mps=0.3))
    assert in_curve == []
    _, straight = decode(drive(c2=0.0, drift_mps=0.3))
    assert straight == [EventType.LDW_LEFT]
