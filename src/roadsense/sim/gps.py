"""What a taxi's GPS receiver reports: the true track plus noise.

Position noise is Gaussian, independent per axis and per fix, with the configured
sigma in metres; speed and heading get a little noise too, and HDOP wanders slowly
around each receiver's own level. Whole tracks are done at once with numpy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""

METRES_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180.0
"""Metres per degree of latitude on the mean sphere."""

SPEED_SIGMA_MPS = 0.1
"""Noise on the reported speed, metres per second."""

HEADING_SIGMA_DEG = 1.5
"""Noise on the reported heading while moving, degrees."""

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class GpsTrack:
    """Noisy fixes of one vehicle, one array element per fix."""

    lat: Floats
    lon: Floats
    speed_mps: Floats
    heading_deg: Floats
    hdop: Floats


def metres_to_degrees(
    lat: float | Floats, east_m: Floats, north_m: Floats
) -> tuple[Floats, Floats]:
    """Offsets in metres east and north as degrees of (lon, lat) (local flat Earth)."""
    dlat = north_m / METRES_PER_DEG_LAT
    coslat = np.maximum(np.cos(np.radians(lat)), 1e-6)
    dlon = east_m / (METRES_PER_DEG_LAT * coslat)
    return dlon, dlat


def distance_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp = p1 - p0
    dl = math.radians(lon1 - lon0)
    a = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def noisy_track(
    lon: Floats,
    lat: Floats,
    speed_mps: Floats,
    angle_deg: Floats,
    sigma_m: float,
    rng: np.random.Generator,
) -> GpsTrack:
    """The fixes a receiver reports for a vehicle truly at (lon, lat) with this speed/angle."""
    n = len(lon)
    east = rng.standard_normal(n) * sigma_m
    north = rng.standard_normal(n) * sigma_m
    dlon, dlat = metres_to_degrees(lat, east, north)
    moving = speed_mps > 0.0
    speed = np.where(
        moving, np.maximum(speed_mps + rng.standard_normal(n) * SPEED_SIGMA_MPS, 0.0), 0.0
    )
    heading_noise = np.where(speed_mps > 0.5, rng.standard_normal(n) * HEADING_SIGMA_DEG, 0.0)
    heading = np.round(np.mod(angle_deg + heading_noise, 360.0), 1)
    heading[heading >= 360.0] = 0.0
    base = float(rng.uniform(0.8, 1.3))
    wander = np.cumsum(rng.standard_normal(n)) * 0.02
    window = min(n, 120)
    if window > 1:
        kernel = np.ones(window) / window
        wander = wander - np.convolve(wander, kernel, mode="same")
    hdop = np.round(np.clip(base + wander, 0.5, 5.0), 1)
    return GpsTrack(
        lat=np.round(lat + dlat, 7),
        lon=np.round(lon + dlon, 7),
        speed_mps=np.round(speed, 2),
        heading_deg=heading,
        hdop=hdop,
    )
