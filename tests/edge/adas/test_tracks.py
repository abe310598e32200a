"""The object filter's acceleration: averaged while steady, restarted on a manoeuvre."""

from __future__ import annotations

import pytest

from roadsense.edge.adas.config import FilterConfig
from roadsense.edge.adas.frame import ObjectType, TrackedObject
from roadsense.edge.adas.tracks import Tracks, gain

CFG = FilterConfig()


def follow(accels: list[float], dt: float = 0.1) -> list[float]:
    """The filtered acceleration of one object after each measurement."""
    tracks = Tracks(CFG)
    seen = []
    for k, ax in enumerate(accels):
        t = k * dt
        tracks.update(t, (TrackedObject(1, ObjectType.VEHICLE, 30.0, 0.0, 0.0, ax),), 0.0)
        seen.append(tracks.current(t)[0].ax)
    return seen


def test_a_hard_stop_is_seen_in_the_first_frame() -> None:
    # steady for 2 s, then -4.0 m/s2: the moving average alone would show 28 % of it
    seen = follow([0.0] * 20 + [-4.0, -4.0, -4.0])
    assert seen[20] == pytest.approx(-4.0)
    assert seen[22] == pytest.approx(-4.0)


def test_samples_after_a_restart_are_averaged() -> None:
    seen = follow([0.0] * 20 + [-4.0, -3.0, -3.5])
    assert seen[21] == pytest.approx(-3.5)  # mean of two
    assert seen[22] == pytest.approx(-3.5)  # mean of three


def test_noise_inside_the_gate_is_only_averaged() -> None:
    g = gain(0.1, CFG.accel_tau_s)
    seen = follow([0.0] * 20 + [1.5])  # under the 2.0 m/s2 gate
    assert seen[20] == pytest.approx(g * 1.5)
    assert seen[20] < CFG.accel_deadband_mps2
