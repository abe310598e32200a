"""Small plane geometry on (lon, lat) polylines: local metres, projection onto lines.

A city is small enough for an equirectangular projection about a reference point: the
error is well under a metre across 20 km, far below GPS noise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]

METRES_PER_DEG_LAT = 6_371_008.8 * math.pi / 180.0
"""Metres per degree of latitude on the mean Earth sphere."""


@dataclass(frozen=True)
class LocalFrame:
    """Metres east and north of a reference point (equirectangular)."""

    lon0: float
    lat0: float

    @property
    def kx(self) -> float:
        """Metres per degree of longitude at the reference latitude."""
        return METRES_PER_DEG_LAT * math.cos(math.radians(self.lat0))

    def to_xy(self, lon: Floats | float, lat: Floats | float) -> tuple[Floats, Floats]:
        """(x, y) metres of (lon, lat) degrees."""
        x = (np.asarray(lon, dtype=np.float64) - self.lon0) * self.kx
        y = (np.asarray(lat, dtype=np.float64) - self.lat0) * METRES_PER_DEG_LAT
        return x, y

    def to_lonlat(self, x: Floats | float, y: Floats | float) -> tuple[Floats, Floats]:
        """(lon, lat) degrees of (x, y) metres."""
        lon = np.asarray(x, dtype=np.float64) / self.kx + self.lon0
        lat = np.asarray(y, dtype=np.float64) / METRES_PER_DEG_LAT + self.lat0
        return lon, lat


def haversine_m(lon0: float, lat0: float, lon1: float, lat1: float) -> float:
    """Great-circle distance in metres."""
    p0, p1 = math.radians(lat0), math.radians(lat1)
    dp = p1 - p0
    dl = math.radians(lon1 - lon0)
    a = math.sin(dp / 2) ** 2 + math.cos(p0) * math.cos(p1) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(a)))


def polyline_length_m(coords: Floats) -> float:
    """Length in metres of an (n, 2) array of (lon, lat) points."""
    if len(coords) < 2:
        return 0.0
    frame = LocalFrame(float(coords[0, 0]), float(coords[0, 1]))
    x, y = frame.to_xy(coords[:, 0], coords[:, 1])
    return float(np.hypot(np.diff(x), np.diff(y)).sum())


@dataclass(frozen=True)
class Projection:
    """Where a point falls on a polyline."""

    distance_m: float
    """From the point to the line."""
    offset_m: float
    """Along the line from its start to the foot of the perpendicular."""
    x: float
    y: float
    bearing_deg: float
    """Direction of the line at the foot, degrees clockwise from north."""


def project(px: float, py: float, xs: Floats, ys: Floats) -> Projection:
    """Project (px, py) onto the polyline (xs, ys), all in local metres."""
    ax, ay = xs[:-1], ys[:-1]
    dx, dy = np.diff(xs), np.diff(ys)
    seg2 = dx * dx + dy * dy
    safe = np.where(seg2 > 0, seg2, 1.0)
    u = np.clip(((px - ax) * dx + (py - ay) * dy) / safe, 0.0, 1.0)
    u = np.where(seg2 > 0, u, 0.0)
    fx, fy = ax + u * dx, ay + u * dy
    dist = np.hypot(fx - px, fy - py)
    i = int(np.argmin(dist))
    seglen = np.sqrt(seg2)
    before = float(seglen[:i].sum())
    return Projection(
        distance_m=float(dist[i]),
        offset_m=before + float(u[i] * seglen[i]),
        x=float(fx[i]),
        y=float(fy[i]),
        bearing_deg=float(math.degrees(math.atan2(dx[i], dy[i])) % 360.0),
    )


def angle_diff_deg(a: float, b: float) -> float:
    """Smallest absolute difference of two bearings, degrees (0-180)."""
    return abs((a - b + 180.0) % 360.0 - 180.0)
