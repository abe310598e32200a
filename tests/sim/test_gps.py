"""GPS noise has the asked-for spread, and fixes keep valid ranges."""

from __future__ import annotations

import numpy as np
import pytest

from roadsense.sim.gps import METRES_PER_DEG_LAT, distance_m, noisy_track


def test_noise_sigma_per_axis() -> None:
    n = 20000
    lat = np.full(n, 60.17)
    lon = np.full(n, 24.94)
    track = noisy_track(
        lon, lat, np.full(n, 10.0), np.full(n, 359.99), 5.0, np.random.default_rng(1)
    )
    north = (track.lat - lat) * METRES_PER_DEG_LAT
    east = (track.lon - lon) * METRES_PER_DEG_LAT * np.cos(np.radians(60.17))
    assert float(np.std(north)) == pytest.approx(5.0, rel=0.05)
    assert float(np.std(east)) == pytest.approx(5.0, rel=0.05)
    assert abs(float(np.mean(north))) < 0.2
    assert np.all((track.heading_deg >= 0) & (track.heading_deg < 360))
    assert np.all(track.speed_mps >= 0)
    assert np.all((track.hdop >= 0.5) & (track.hdop <= 5.0))


def test_stopped_vehicle_reports_zero_speed() -> None:
    n = 100
    track = noisy_track(
        np.full(n, 24.94),
        np.full(n, 60.17),
        np.zeros(n),
        np.zeros(n),
        5.0,
        np.random.default_rng(2),
    )
    assert np.all(track.speed_mps == 0.0)


def test_distance() -> None:
    assert distance_m(24.94, 60.17, 24.94, 60.18) == pytest.approx(
        0.01 * METRES_PER_DEG_LAT, rel=1e-6
    )
