"""What a GNSS receiver would report for a SUMO truth track: noise models and sampling.

- ``white``: independent Gaussian noise per axis and fix (sigma metres).
- ``real``: what a receiver in a city does: a Gauss-Markov (AR(1)) error per axis with a
  correlation time of 10-30 s (drawn per car) and stationary sigma, multipath outliers
  (about one burst of 1-5 fixes off by 30-100 m every 100 fixes) and dropouts (gaps of
  5-40 s, about one every 5 minutes).

Speed (Doppler, sigma 0.1 m/s) and heading (sigma 1.5 degrees, none when standing) are
given only when asked for. Fixes are kept every ``step_s`` seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mm_truth import TruthTrack

M_PER_DEG = 6_371_008.8 * math.pi / 180.0
EPOCH = 1_750_000_000.0
"""Simulation second 0 as epoch seconds (fixes carry real-looking times)."""


@dataclass(frozen=True)
class NoiseSpec:
    """One evaluation setting."""

    name: str
    sigma_m: float
    step_s: int
    kind: str = "white"
    """``white`` or ``real``."""
    speed_heading: bool = False


@dataclass
class Fixes:
    """One car's reported fixes and, for each, the index of its truth second."""

    vehicle_id: str
    ts: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    speed: np.ndarray | None
    heading: np.ndarray | None
    truth_index: np.ndarray


def _ar1(n: int, sigma: float, tau_s: float, rng: np.random.Generator) -> np.ndarray:
    phi = math.exp(-1.0 / tau_s)
    e = rng.standard_normal(n) * sigma * math.sqrt(1 - phi * phi)
    out = np.empty(n)
    prev = rng.standard_normal() * sigma
    for k in range(n):
        prev = phi * prev + e[k]
        out[k] = prev
    return out


def noisy_fixes(track: TruthTrack, spec: NoiseSpec, seed: int) -> Fixes:
    """The fixes of ``track`` under ``spec`` (the same seed gives the same fixes)."""
    rng = np.random.default_rng([seed, int(spec.sigma_m * 10), spec.step_s, len(spec.kind)])
    n = len(track.ts)
    keep = np.ones(n, dtype=bool)
    if spec.kind == "real":
        tau = rng.uniform(10.0, 30.0)
        east = _ar1(n, spec.sigma_m, tau, rng)
        north = _ar1(n, spec.sigma_m, tau, rng)
        k = 0
        while k < n:
            if rng.random() < 0.01:
                length = int(rng.integers(1, 6))
                dist = rng.uniform(30.0, 100.0)
                ang = rng.uniform(0, 2 * math.pi)
                east[k : k + length] += dist * math.sin(ang)
                north[k : k + length] += dist * math.cos(ang)
                k += length
            if rng.random() < 1.0 / 300.0:
                gap = int(rng.integers(5, 41))
                keep[k : k + gap] = False
                k += gap
            k += 1
    else:
        east = rng.standard_normal(n) * spec.sigma_m
        north = rng.standard_normal(n) * spec.sigma_m
    coslat = np.cos(np.radians(track.lat))
    lat = track.lat + north / M_PER_DEG
    lon = track.lon + east / (M_PER_DEG * coslat)
    keep &= (track.ts.astype(np.int64) % spec.step_s) == 0
    idx = np.flatnonzero(keep)
    speed = heading = None
    if spec.speed_heading:
        speed = np.maximum(track.speed + rng.standard_normal(n) * 0.1, 0.0)[idx]
        hd = np.mod(track.heading + rng.standard_normal(n) * 1.5, 360.0)
        heading = np.where(track.speed > 0.5, hd, np.nan)[idx]
    return Fixes(
        track.vehicle_id,
        track.ts[idx] + EPOCH,
        np.round(lat[idx], 7),
        np.round(lon[idx], 7),
        speed,
        heading,
        idx,
    )
