"""The published warning rates the simulated fleet is calibrated to, and a run's own rates.

The ranges are those of ``../shared/reference/field-rates.md`` for an urban fleet of
Mobileye-class units with alerts silent, per 100 km; ``bench/sim_calibration.py`` writes
the simulated rates next to them in ``docs/benchmarks.md`` and
``tests/sim/test_calibration.py`` checks that a small run falls inside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from scipy import stats

from roadsense.sim.ground_truth import GroundTruth

ADAS_TYPES = ("HMW", "LDW_LEFT", "LDW_RIGHT", "UFCW", "FCW", "PCW")
"""The warnings the published "ADAS warnings per 100 km" count (not speeding, not IMU)."""
ALL_ADAS = "ADAS (all)"
HMW_LDW_SHARE = "HMW + LDW share"
UFCW_SHARE = "UFCW share"
FCW_SHARE = "FCW share"
ACUDRIVE = "Acudrive (Mobileye, Singapore), alerts silent"
GEOTAB = "Geotab 2024, light to heavy duty"


@dataclass(frozen=True)
class PublishedRange:
    """A published figure as a range, with where it comes from."""

    low: float
    high: float
    unit: str
    """``per 100 km`` or ``share`` (of all ADAS warnings)."""
    source: str
    published: str
    """The figure as published (for the table)."""


PUBLISHED: Mapping[str, PublishedRange] = {
    ALL_ADAS: PublishedRange(10.0, 80.0, "per 100 km", ACUDRIVE, "76.4 (sum of the types)"),
    "HMW": PublishedRange(5.0, 75.0, "per 100 km", ACUDRIVE, "20.61"),
    "LDW": PublishedRange(
        0.0, 55.0, "per 100 km", ACUDRIVE + "; IVBSS 9 per 100 km", "53.08 (trucks, highways)"
    ),
    "UFCW": PublishedRange(0.2, 6.0, "per 100 km", ACUDRIVE, "2.21"),
    "FCW": PublishedRange(0.0, 1.0, "per 100 km", ACUDRIVE + "; Tesla cap 8.4", "0.42"),
    "PCW": PublishedRange(0.0, 0.1, "per 100 km", ACUDRIVE, "0.03"),
    "HARSH_BRAKE": PublishedRange(0.1, 5.0, "per 100 km", GEOTAB, "0.12-5 (harsh events)"),
    "HARSH_ACCEL": PublishedRange(0.0, 5.0, "per 100 km", GEOTAB, "0.12-5 (harsh events)"),
    HMW_LDW_SHARE: PublishedRange(0.85, 1.0, "share", ACUDRIVE, "about 95 %"),
    UFCW_SHARE: PublishedRange(0.005, 0.10, "share", ACUDRIVE, "2.9 %"),
    FCW_SHARE: PublishedRange(0.0, 0.02, "share", ACUDRIVE, "0.55 % (under 1 %)"),
}
"""Every figure a calibrated run is checked against (key: warning type or share)."""

POISSON_TAIL = 0.01
"""A rate per 100 km is inside its range when its count is one the range allows at the
run's distance: at least the 1 % quantile of a Poisson count at the range's floor, at most
the 99 % quantile at its top. A rare type (UFCW about 3 events in a small run) may be 0."""


def inside_published(figure: str, value: float, km: float) -> bool:
    """Whether ``value`` (per 100 km, or a share) of ``figure`` in a run of ``km`` is
    inside its published range (:data:`POISSON_TAIL` for the rates; shares as they are)."""
    published = PUBLISHED[figure]
    if published.unit != "per 100 km":
        return published.low <= value <= published.high
    count = round(value * km / 100.0)
    least = stats.poisson.ppf(POISSON_TAIL, published.low * km / 100.0)
    most = stats.poisson.ppf(1.0 - POISSON_TAIL, published.high * km / 100.0)
    return bool(least <= count <= most)


def simulated_rates(truth: GroundTruth, events_by_type: Mapping[str, int]) -> dict[str, float]:
    """The run's figures under the keys of :data:`PUBLISHED` (and SPEEDING), from its
    distance and its truth counts."""
    km = truth.totals.vehicle_km
    if km <= 0:
        raise ValueError("the run drove no distance")
    count = dict(events_by_type)
    ldw = count.get("LDW_LEFT", 0) + count.get("LDW_RIGHT", 0)
    adas = sum(count.get(t, 0) for t in ADAS_TYPES)
    rates = {
        kind: 100.0 * n / km
        for kind, n in {
            ALL_ADAS: adas,
            "HMW": count.get("HMW", 0),
            "LDW": ldw,
            "UFCW": count.get("UFCW", 0),
            "FCW": count.get("FCW", 0),
            "PCW": count.get("PCW", 0),
            "HARSH_BRAKE": count.get("HARSH_BRAKE", 0),
            "HARSH_ACCEL": count.get("HARSH_ACCEL", 0),
            "SPEEDING": count.get("SPEEDING", 0),
        }.items()
    }
    share = 1.0 / adas if adas else 0.0
    rates[HMW_LDW_SHARE] = (count.get("HMW", 0) + ldw) * share
    rates[UFCW_SHARE] = count.get("UFCW", 0) * share
    rates[FCW_SHARE] = count.get("FCW", 0) * share
    return rates


def top_driver_share(truth: GroundTruth, fraction: float = 0.1) -> float:
    """Share of all ADAS warnings made by the ``fraction`` of taxis that make the most."""
    counts = sorted(
        (sum(v.events.get(t, 0) for t in ADAS_TYPES) for v in truth.vehicles.values()),
        reverse=True,
    )
    total = sum(counts)
    if not total:
        return 0.0
    top = max(1, round(fraction * len(counts)))
    return sum(counts[:top]) / total
