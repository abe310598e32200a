"""The engine's contract: time order, episodes, missing inputs."""

from __future__ import annotations

import pytest

from roadsense.edge.adas import Frame, WarningEngine, frame_from_dict

from .harness import RATES
from .scenarios import LEAD_STOPPED, T0, frames


def test_time_must_increase() -> None:
    engine = WarningEngine()
    engine.step(Frame(1.0))
    with pytest.raises(ValueError, match="does not follow"):
        engine.step(Frame(1.0))


def test_finished_episode_has_onset_duration_and_peak_level() -> None:
    engine = WarningEngine()
    onsets = []
    for frame in frames(LEAD_STOPPED, 10, seed=0):
        onsets += engine.step(frame_from_dict(frame))
    assert "FCW" in engine.active
    assert engine.finished() == []
    fcw = [e for e in engine.close() if e.type == "FCW"]
    assert len(fcw) == 1
    assert fcw[0].peak_level == 3  # reached TTC <= 1.2 s before the end
    assert fcw[0].start_t == next(o.t for o in onsets if o.type == "FCW")
    assert fcw[0].duration_s > 2.0


@pytest.mark.parametrize("hz", RATES)
def test_range_rate_is_derived_when_the_sensor_gives_none(hz: int) -> None:
    impact = LEAD_STOPPED.impact_time(1)
    assert impact is not None
    engine = WarningEngine()
    first = None
    for frame in frames(LEAD_STOPPED, hz, seed=4):
        for obj in frame["objects"]:
            del obj["vx"], obj["ax"]
        for onset in engine.step(frame_from_dict(frame)):
            if onset.type == "FCW" and first is None:
                first = onset.t - T0
    assert first is not None
    assert 2.1 <= impact - first <= 3.0


def test_without_ego_speed_everything_is_silent() -> None:
    engine = WarningEngine()
    for frame in frames(LEAD_STOPPED, 10, seed=0):
        del frame["ego"]["speed"]
        assert engine.step(frame_from_dict(frame)) == []


def test_object_dropping_out_ends_its_warning() -> None:
    engine = WarningEngine()
    stopped = frames(LEAD_STOPPED, 10, seed=0)
    for frame in stopped[:60]:
        engine.step(frame_from_dict(frame))
    assert engine.active == {"FCW"}
    last = stopped[59]["t"]
    for k in range(1, 25):
        engine.step(Frame(last + k / 10))
    assert engine.active == set()
    assert [e.type for e in engine.finished()] == ["FCW"]
