"""What really happened in a run: the planted hazards, per-vehicle counts, true event places.

``ground_truth.json`` holds a :class:`GroundTruth`; ``ground_truth_events.jsonl`` one
:class:`TruthEvent` per line (the true, noise-free place of every warning the simulated
units showed and every harsh manoeuvre their IMUs recorded). Everything here comes from the
simulation's own parameters and state (:mod:`roadsense.sim.unit_rules`, SUMO, the planted
hazards and roll-out), never from the gateway's code.
"""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from roadsense.schema.records import EventType, UtcTime


class _Truth(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hazard(_Truth):
    """A planted hazard: a road stretch where drivers behave aggressively."""

    hazard_id: str
    edge_ids: list[str]
    """SUMO edges of the stretch (the chosen direction first)."""
    osm_way_ids: list[int]
    """OSM ways the edges were built from."""
    polylines: list[list[tuple[float, float]]]
    """One (lon, lat) polyline per edge, in ``edge_ids`` order."""
    centre: tuple[float, float]
    """(lon, lat) of the middle of the stretch."""
    length_m: float
    speed_limit_kmh: float
    route_usage: int
    """How many sampled random routes used the stretch when it was chosen."""
    passages: int = 0
    """Vehicles (taxis and background) that drove onto the stretch during the run."""
    collisions: int = 0
    """Collisions SUMO detected on the stretch (none are removed; they are only counted)."""


class PlantedSign(_Truth):
    """A planted speed-limit sign that disagrees with OSM (:mod:`roadsense.sim.road_assets`)."""

    sign_id: str
    kind: Literal["differs", "missing"]
    """``differs`` from the way's ``maxspeed`` in the city's map; ``missing``: the map has
    no maxspeed there (OSM has none, or the run removed it, ``map_maxspeed``)."""
    lon: float
    lat: float
    value_kmh: float
    """What the sign says (what the units read)."""
    osm_maxspeed: str | None
    """The way's ``maxspeed`` tag in the OSM file, as written there."""
    map_maxspeed: str | None = None
    """The way's ``maxspeed`` in the city's map the platform imports: ``osm_maxspeed``,
    or None where the run removed it (``network.city_map``, :mod:`roadsense.sim.city_map`)."""
    map_kmh: float
    """The edge's limit in SUMO (OSM's maxspeed, or SUMO's default for the road type)."""
    edge_id: str
    osm_way_ids: list[int]
    """The OSM ways the edge was built from (all with the same ``maxspeed``)."""
    reads: int = 0
    """Times a reporting taxi's unit read it."""
    vehicles: int = 0
    """Distinct reporting taxis that read it."""


class PlantedPothole(_Truth):
    """A planted pothole (:mod:`roadsense.sim.road_assets`)."""

    pothole_id: str
    lon: float
    lat: float
    edge_id: str
    osm_way_ids: list[int]
    severity_mps2: float
    """The jolt (beyond gravity) of a hit at 30 km/h or more."""
    hits: int = 0
    """Hits by reporting taxis (each writes its IMU's jolt)."""
    strikes: int = 0
    """Hits whose jolt reached the pothole threshold (POTHOLE events in the truth)."""
    vehicles: int = 0
    """Distinct reporting taxis with a strike."""


class PlantedWornMarking(_Truth):
    """A planted stretch of worn lane markings (:mod:`roadsense.sim.lane_markings`)."""

    stretch_id: str
    edge_ids: list[str]
    """The chosen edge, then its reverse where the road is two-way."""
    osm_way_ids: list[int]
    polylines: list[list[tuple[float, float]]]
    """One (lon, lat) polyline per edge, in ``edge_ids`` order."""
    centre: tuple[float, float]
    """(lon, lat) of the middle of the first edge."""
    length_m: float
    quality: int
    """What the cameras see of its painted markings (0 not seen, 1 worn; 2-3 elsewhere)."""
    passes: int = 0
    """Times a reporting taxi drove onto it."""
    vehicles: int = 0
    """Distinct reporting taxis that drove on it."""


class DeviceFault(_Truth):
    """A planted fault of one taxi's unit or gateway (:mod:`roadsense.sim.faults`)."""

    vehicle_id: str
    kind: Literal["failsafe", "tamper", "adas_silent", "gateway_silent"]
    from_s: float
    """Seconds from the run's start (day 0, time 0)."""
    until_s: float
    from_time: UtcTime
    until_time: UtcTime


class GpsOutage(_Truth):
    """Seconds in which one taxi's GPS gave no fix (:mod:`roadsense.sim.faults`)."""

    vehicle_id: str
    from_s: int
    """Seconds from the run's start."""
    seconds: int
    from_time: UtcTime


class VehicleTruth(_Truth):
    """What one taxi wrote."""

    positions: int
    events: dict[str, int] = Field(default_factory=dict)
    """Events by type."""
    km: float = 0.0
    """Distance driven (SUMO's speeds, summed each second)."""
    risk: float = 1.0
    """The driver's risk (lognormal, mean 1; :mod:`roadsense.sim.drivers`)."""
    live_from: str | None = None
    """First live day of the taxi's unit (ISO date); None: silent all along."""


class Totals(_Truth):
    """Counts over the whole fleet."""

    positions: int
    events: int
    events_by_type: dict[str, int]
    events_on_hazards: int
    collisions: int
    teleports: int
    background_trips: int
    vehicle_km: float = 0.0
    drift_episodes: int = 0
    """Lane drift episodes of the taxi drivers (:mod:`roadsense.sim.lane_keeping`)."""
    ldw_km: float = 0.0
    """Distance the taxis drove at or above the units' LDW speed (where LDW can warn)."""


class RateRatioTruth(_Truth):
    """One warning type, live vs silent, as planted and as it came out in the truth."""

    event_type: str
    planted_rate_ratio: float
    """The ratio the drivers' spell rates were multiplied by once live."""
    silent_km: float
    live_km: float
    silent_events: int
    live_events: int
    rate_ratio: float | None
    """(live events / live km) / (silent events / silent km) in the truth; None without
    events or exposure on one side."""


class RolloutTruth(_Truth):
    """The roll-out programme of the run."""

    plan_file: str
    """The plan, relative to the output folder (``vehicle_id,installed,live_from``)."""
    waves: int
    days: int
    ratios: list[RateRatioTruth]


ConflictKind = Literal["following", "merging", "crossing", "oncoming", "collision", "other"]
"""What kind of encounter SUMO's SSM device saw (its encounter type, coarsened)."""


class TruthConflict(_Truth):
    """One conflict SUMO's SSM device logged for a taxi (:mod:`roadsense.sim.conflicts`):
    an encounter with another vehicle in which at least one measure passed its threshold.

    Seen from the taxi (the ego): two taxis in one conflict make one record each."""

    ego: str
    """The equipped taxi."""
    foe: str
    """The other vehicle (a taxi or a background car)."""
    day: int
    begin: UtcTime
    end: UtcTime
    """The encounter's logged span (SUMO keeps it a few seconds beyond the conflict)."""
    kind: ConflictKind
    type_code: int
    """SUMO's encounter type at the conflict point (``MSDevice_SSM::EncounterType``)."""
    min_ttc_s: float | None
    max_drac_mps2: float | None
    pet_s: float | None
    """The extreme values over the encounter (None: not measured, e.g. no PET when
    following)."""
    measures: list[str]
    """The measures that passed their thresholds (``TTC``, ``DRAC``, ``PET``)."""
    time: UtcTime
    """When the first of those measures was at its extreme."""
    lon: float | None
    lat: float | None
    """SUMO's predicted conflict point then (following: the leader's back; crossing and
    merging: where the follower enters the conflict area)."""
    edge_id: str
    """The taxi's SUMO edge then (the last normal edge, as for the truth's events)."""
    hazard_id: str | None
    on_hazard: bool
    live: bool = False
    """Whether the taxi's unit was live (audible) then."""


class ConflictTruth(_Truth):
    """SUMO's SSM conflicts of the run, counted (the list is ``file``)."""

    file: str
    """One :class:`TruthConflict` per line, relative to the output folder."""
    equipped: int
    """Vehicles with the SSM device (the taxis)."""
    thresholds: dict[str, float]
    """Measure: threshold (TTC and PET below, DRAC above, make a conflict)."""
    conflicts: int
    by_measure: dict[str, int]
    """Conflicts in which each measure passed its threshold."""
    by_kind: dict[str, int]
    per_vehicle: dict[str, int]
    """Conflicts per taxi (as ego; every taxi, 0 for none)."""
    per_hazard: dict[str, int]
    """Conflicts on each planted hazard (every hazard, 0 for none)."""
    on_hazards: int
    km_on_hazards: float
    """Distance the taxis drove on the hazards."""
    km_elsewhere: float
    per_km_on_hazards: float | None
    per_km_elsewhere: float | None
    """Conflicts per taxi-km (None without distance)."""


class GroundTruth(_Truth):
    """The contents of ``ground_truth.json``."""

    config: dict[str, Any]
    """The run's :class:`~roadsense.sim.config.SimConfig`, as JSON values."""
    network: dict[str, Any]
    """``net_file`` (relative to the output folder), ``roads`` and ``bounds_lonlat``."""
    hazards: list[Hazard]
    vehicles: dict[str, VehicleTruth]
    totals: Totals
    rollout: RolloutTruth | None = None
    signs: list[PlantedSign] = Field(default_factory=list)
    potholes: list[PlantedPothole] = Field(default_factory=list)
    worn_markings: list[PlantedWornMarking] = Field(default_factory=list)
    device_faults: list[DeviceFault] = Field(default_factory=list)
    gps_outages: list[GpsOutage] = Field(default_factory=list)
    conflicts: ConflictTruth | None = None
    """SUMO's SSM conflicts (``None``: the run had no SSM device)."""


class TruthEvent(_Truth):
    """One warning a taxi's unit showed (or harsh manoeuvre), with where it truly happened.

    The taxi's gateway reports it with the same vehicle, type and time (its own event id)."""

    event_id: uuid.UUID
    """The simulation's own id (:func:`roadsense.sim.unit_rules.truth_id`)."""
    vehicle_id: str
    time: UtcTime
    type: EventType
    level: int
    true_lat: float
    true_lon: float
    lat: float
    """The noisy GPS latitude the taxi reported in the second of the onset."""
    lon: float
    edge_id: str
    hazard_id: str | None
    on_hazard: bool
    live: bool = False
    """Whether the taxi's unit was live (audible) then."""
