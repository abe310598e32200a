"""The simulated traffic: roaming taxis that report, and background cars that do not.

Taxis are inserted over the first minute and roam for the whole run: when one comes
near the end of its route it gets a new random destination, sometimes by way of a
hazard stretch. Background cars take random trips and are replaced when they
arrive, so the traffic stays at the same level. Every simulated second each taxi's
true state is logged; every SUMO step (0.5 s) its ADAS unit
(:class:`~roadsense.sim.unit.SimulatedUnit`) is given the taxi's state and its leader, the
limit signed where it is (a planted sign's, once it has passed one), a pothole's jolt
when it hits one (:mod:`roadsense.sim.road_assets`) and its place in its lane: the lane's
width (SUMO's), the taxi's lateral offset (:mod:`roadsense.sim.lane_keeping`), the lane's
markings (:mod:`roadsense.sim.lane_markings`) and the turn signal (SUMO's blinker, held for
:data:`LANE_CHANGE_SIGNAL_S` after SUMO moves the taxi to another lane: lane changes are
intended, and signalled).

Car following is SUMO's IDM (set in :mod:`roadsense.sim.engine`) at 0.5 s steps: with
Krauss or 1 s steps the stop-and-go queues at every light raise forward-collision
warnings everywhere and the planted hazards no longer stand out.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from types import ModuleType
from typing import Any, Literal

from roadsense.schema import EventType
from roadsense.sim.config import PEOPLE_PER_HOUR
from roadsense.sim.crossings import CrossingSite
from roadsense.sim.cyclists import CyclistRides, is_cyclist
from roadsense.sim.drivers import (
    INATTENTION_ACTION_S,
    TAILGATE_LEAD_BRAKE_MPS2,
    TAILGATE_MIN_GAP_M,
    TAILGATE_SPEED_FACTOR,
    WARNED_GAP_ELASTICITY,
    Driver,
    DriverSpells,
    DriverStyle,
    Spell,
    draw_driver,
    warned_style,
)
from roadsense.sim.hazards import Aggression, HazardSite
from roadsense.sim.lane_keeping import TAXI_HALF_WIDTH_M, LaneKeeping
from roadsense.sim.lane_markings import LaneMarkings
from roadsense.sim.network import SumoNetwork
from roadsense.sim.pedestrian_rule import (
    BICYCLE,
    PEDESTRIAN,
    VIEW_RANGE_M,
    RoadUser,
    in_taxi_frame,
)
from roadsense.sim.pedestrians import CrossingWalks
from roadsense.sim.road_assets import HIT_PROBABILITY, RoadAssets
from roadsense.sim.unit import Lead, SimulatedUnit, UnitWarning
from roadsense.sim.unit_rules import LaneView

UnitFactory = Callable[[str], SimulatedUnit]
"""Makes the ADAS unit of a taxi, given its id."""

TAXI_TYPE = "taxi"
CAR_TYPE = "car"
VIA_HAZARD_PROBABILITY = 0.3
"""Chance that a new trip is routed through a hazard stretch."""
RETARGET_REMAINING_M = 150.0
"""A taxi gets its next destination when less than this is left of its route."""
LEADER_RANGE_M = 100.0
"""How far ahead a taxi's unit sees its leader."""
MIN_TRIP_M = 300.0
INSERT_SPREAD_S = 60
SUBSTEPS = 2
"""SUMO steps per simulated second (car following is smoother below the 1 s log rate)."""
STEP_S = 1.0 / SUBSTEPS
BACKGROUND_DECEL_MPS2 = 2.6
"""Comfortable deceleration of the background cars (IDM)."""
EMERGENCY_DECEL_MPS2 = 3.4
"""The hardest a background car brakes (SUMO's default, 9 m/s2, is a crash stop): at 0.5 s
steps SUMO's junction model otherwise stops cars from walking pace in one step whenever a
foe appears, dozens of harsh brakes per 100 km that no real fleet shows."""
TAU_RELAX_PER_S = 0.05
"""How fast (s per s) a taxi driver's time gap grows back after a spell or a hazard."""
EMERGENCY_MARGIN_MPS2 = 0.7
"""A taxi driver brakes at most this much beyond their own comfortable deceleration: only
drivers who brake firmly anyway (risky ones, and everyone on a hazard) reach a harsh
brake (3.5 m/s2)."""
FCW_SPEED_MPS = 30.0 / 3.6
"""An inattention spell that begins at this speed or more risks an FCW, below it a UFCW."""
LANE_CHANGE_SIGNAL_S = 2.0
"""SUMO changes lanes within one step: the taxi's turn signal stays on this long after."""
BLINKER_RIGHT = 1
BLINKER_LEFT = 2
"""Bits of SUMO's vehicle signals (TraCI ``VEH_SIGNAL_BLINKER_*``)."""

# Subscription variable ids (libsumo.constants), fixed by the TraCI protocol.
VAR_SPEED = 0x40
VAR_POSITION = 0x42
VAR_ANGLE = 0x43
VAR_ROAD_ID = 0x50
VAR_LANE_ID = 0x51
VAR_LANE_INDEX = 0x52
VAR_SIGNALS = 0x5B
VAR_LANEPOSITION = 0x56
VAR_LEADER = 0x68
VAR_ROUTE_INDEX = 0x69
VAR_ACCELERATION = 0x72
_TAXI_VARS = [
    VAR_POSITION,
    VAR_SPEED,
    VAR_ACCELERATION,
    VAR_ANGLE,
    VAR_ROAD_ID,
    VAR_ROUTE_INDEX,
    VAR_LEADER,
    VAR_LANEPOSITION,
    VAR_LANE_ID,
    VAR_LANE_INDEX,
    VAR_SIGNALS,
]


_NO_ROUTE: tuple[int, list[float]] = (0, [])


def taxi_id(number: int) -> str:
    """The vehicle id of the run's taxi ``number`` (0-based): ``taxi-007``."""
    return f"taxi-{number:03d}"


@dataclass
class TaxiLog:
    """The true, second-by-second state of one taxi, and the warnings its gateway reports."""

    vehicle_id: str
    times: list[int] = field(default_factory=list)
    lon: list[float] = field(default_factory=list)
    lat: list[float] = field(default_factory=list)
    speed: list[float] = field(default_factory=list)
    angle: list[float] = field(default_factory=list)
    edge: list[str] = field(default_factory=list)
    """The last normal edge (not a junction's inner lane) the taxi was on."""
    warnings: list[UnitWarning] = field(default_factory=list)
    """What the taxi's unit displayed and its IMU recorded, by onset (empty without units)."""
    live: list[bool] = field(default_factory=list)
    """Whether the taxi's unit was live (audible) in each logged second."""

    def extend(self, later: TaxiLog) -> None:
        """Append ``later``, the same taxi's log of a later day."""
        if later.vehicle_id != self.vehicle_id:
            raise ValueError(f"{later.vehicle_id}'s log cannot extend {self.vehicle_id}'s")
        for f in fields(self):
            if f.name != "vehicle_id":
                getattr(self, f.name).extend(getattr(later, f.name))

    def index_at(self, t: int) -> int:
        """Index of the logged second at or just before ``t`` (0 if none before)."""
        i = bisect.bisect_right(self.times, t) - 1
        return max(i, 0)


@dataclass
class TrafficStats:
    """What the run did, beyond the taxis' own logs."""

    collisions: int = 0
    collisions_on_hazards: dict[str, int] = field(default_factory=dict)
    teleports: int = 0
    background_trips: int = 0
    hazard_passages: dict[str, int] = field(default_factory=dict)
    """Vehicles (taxis and background) that drove onto each hazard."""
    sign_reads: list[tuple[str, str, float]] = field(default_factory=list)
    """(sign id, taxi, run time s) of every time a taxi's unit passed a planted sign."""
    pothole_hits: list[tuple[str, str, float, float]] = field(default_factory=list)
    """(pothole id, taxi, run time s, jolt m/s2) of every hit."""
    pedestrian_walks: int = 0
    """People who walked across a crossing (:mod:`roadsense.sim.pedestrians`)."""
    cyclist_rides: int = 0
    """Cyclists who rode ahead of a taxi (:mod:`roadsense.sim.cyclists`)."""
    worn_passes: list[tuple[str, str, float]] = field(default_factory=list)
    """(worn stretch id, taxi, run time s) of every time a taxi drove onto one."""
    drift_episodes: int = 0
    """Drift episodes of the taxi drivers (:mod:`roadsense.sim.lane_keeping`)."""


class SumoTraffic:
    """All vehicles of one run, driven step by step through a started SUMO.

    The simulated traffic (taxis and background cars), not a taxi company: that is the
    store's ``Fleet``.
    """

    def __init__(
        self,
        sumo: ModuleType,
        network: SumoNetwork,
        sites: Sequence[HazardSite],
        taxis: int,
        background: int,
        rng: random.Random,
        aggression: Aggression | None = None,
        make_unit: UnitFactory | None = None,
        drivers: dict[str, Driver] | None = None,
        live: frozenset[str] = frozenset(),
        live_ratio: dict[EventType, float] | None = None,
        warned_gap_elasticity: float = WARNED_GAP_ELASTICITY,
        clock_offset_s: int = 0,
        logs: dict[str, TaxiLog] | None = None,
        assets: RoadAssets | None = None,
        asset_rng: random.Random | None = None,
        crossings: Sequence[CrossingSite] = (),
        walk_rng: random.Random | None = None,
        people_per_hour: float = PEOPLE_PER_HOUR,
        markings: LaneMarkings | None = None,
        lane_rng: random.Random | None = None,
        cyclists_per_hour: float = 0.0,
        cyclist_rng: random.Random | None = None,
    ) -> None:
        """``drivers``: each taxi's driver (drawn with ``rng`` when not given); ``live``:
        the taxis whose units are live (their drivers start spells less often, by
        ``live_ratio``, and keep a longer gap, by ``warned_gap_elasticity``,
        :func:`~roadsense.sim.drivers.warned_style`); ``clock_offset_s``: seconds from the
        run's start to this SUMO run's time 0 (the day's offset); ``logs``: the logs to
        append the taxis' seconds to;
        ``assets``: planted signs and potholes (whether a taxi hits a pothole is drawn with
        ``asset_rng``, so that the traffic's own draws stay as they are); ``crossings``: the
        crossings people walk across (``people_per_hour`` each, drawn with ``walk_rng``);
        ``markings``: the lanes' markings, worn stretches planted; ``lane_rng``: the stream
        the taxis' lateral motion is drawn from (:mod:`roadsense.sim.lane_keeping`);
        ``cyclists_per_hour``: cyclists who start riding ahead of a taxi, in the whole city
        (drawn with ``cyclist_rng``; :mod:`roadsense.sim.cyclists`)."""
        self._sumo = sumo
        self._rng = rng
        self._aggression = aggression or Aggression()
        self._edge_ids = sorted(network.edges)
        self._edge_len = {e: network.edges[e].length_m for e in self._edge_ids}
        self._edge_limit = {e: network.edges[e].speed_limit_mps for e in self._edge_ids}
        self._cum_weights: list[float] = []
        total = 0.0
        for e in self._edge_ids:
            total += self._edge_len[e]
            self._cum_weights.append(total)
        self._sites = list(sites)
        self._hazard_of_edge = {e: s.hazard_id for s in self._sites for e in s.edge_ids}
        self._hazard_edges = sorted(self._hazard_of_edge)
        self._on_hazard: dict[str, str] = {}
        self._styles: dict[str, DriverStyle] = {}
        self._min_gap: dict[str, float] = {}
        self._tau_now: dict[str, float] = {}
        self._tau_goal: dict[str, float] = {}
        self._route_rest: dict[str, tuple[int, list[float]]] = {}
        self._route_count = 0
        self._colliding: set[tuple[str, str]] = set()
        self._bg_count = 0
        self._taxi_ids = [taxi_id(i) for i in range(taxis)]
        self._background = background
        self.logs = logs if logs is not None else {vid: TaxiLog(vid) for vid in self._taxi_ids}
        self.drivers = drivers if drivers is not None else {}
        self._spells: dict[str, DriverSpells] = {}
        self._live = live
        self._live_ratio = live_ratio or {}
        self._warned_gap_elasticity = warned_gap_elasticity
        self._offset = clock_offset_s
        self._units = {vid: make_unit(vid) for vid in self._taxi_ids} if make_unit else {}
        self._object_ids: dict[str, int] = {}
        self._last_limit = dict.fromkeys(self._taxi_ids, 13.9)
        self._last_edge = dict.fromkeys(self._taxi_ids, "")
        self._assets = assets or RoadAssets()
        self._asset_edges = self._assets.edges
        self._asset_rng = asset_rng or random.Random(0)
        self._driven: set[str] = set()
        """Taxis that have been on the road (so that one without a road is teleporting)."""
        self._place: dict[str, tuple[str, float]] = {}
        """Each taxi's (edge, lane position) at its unit's last step."""
        self._sign_held: dict[str, tuple[str, float]] = {}
        """(edge, limit m/s) of the planted sign a taxi passed, while on that edge."""
        self._walks = (
            CrossingWalks(
                sumo, crossings, self._edge_len, walk_rng or random.Random(1), people_per_hour
            )
            if crossings and people_per_hour > 0
            else None
        )
        self._cyclists_per_hour = cyclists_per_hour
        self._cyclist_rng = cyclist_rng or random.Random(2)
        self._rides: CyclistRides | None = None
        self._markings = markings or LaneMarkings()
        self._lane_rng = lane_rng or random.Random(0)
        self._keeping: dict[str, LaneKeeping] = {}
        self._lane_width: dict[str, float] = {}
        self._lane_count: dict[str, int] = {}
        self._in_lane: dict[str, tuple[str, int]] = {}
        """Each taxi's (edge, lane index) at its unit's last step."""
        self._signal_held: dict[str, tuple[float, str]] = {}
        """(until, side) of the turn signal a taxi gives after a lane change."""
        self.stats = TrafficStats(
            collisions_on_hazards={s.hazard_id: 0 for s in self._sites},
            hazard_passages={s.hazard_id: 0 for s in self._sites},
        )

    @property
    def taxi_ids(self) -> list[str]:
        """Ids of the reporting taxis, in order."""
        return list(self._taxi_ids)

    # -- set-up ---------------------------------------------------------------------

    def start(self) -> None:
        """Define the vehicle types and insert the first wave of taxis and cars."""
        vtype = self._sumo.vehicletype
        for type_id in (TAXI_TYPE, CAR_TYPE):
            vtype.copy("DEFAULT_VEHTYPE", type_id)
            vtype.setVehicleClass(type_id, "passenger")
            vtype.setImperfection(type_id, 0.5)
            vtype.setDecel(type_id, BACKGROUND_DECEL_MPS2)
            vtype.setApparentDecel(type_id, BACKGROUND_DECEL_MPS2)
            vtype.setEmergencyDecel(type_id, EMERGENCY_DECEL_MPS2)
        vtype.setColor(TAXI_TYPE, (255, 200, 0, 255))
        self._default_style = DriverStyle(
            tau_s=vtype.getTau(CAR_TYPE),
            min_gap_m=vtype.getMinGap(CAR_TYPE),
            imperfection=vtype.getImperfection(CAR_TYPE),
            decel_mps2=vtype.getDecel(CAR_TYPE),
            apparent_decel_mps2=vtype.getApparentDecel(CAR_TYPE),
            accel_mps2=vtype.getAccel(CAR_TYPE),
            speed_factor=1.0,
        )
        n = len(self._taxi_ids)
        for i, vid in enumerate(self._taxi_ids):
            depart = (i * INSERT_SPREAD_S) // max(n, 1)
            self._add(vid, TAXI_TYPE, str(depart))
            driver = self.drivers.get(vid)
            if driver is None:
                driver = self.drivers[vid] = draw_driver(self._rng)
            self._spells[vid] = DriverSpells(driver, random.Random(self._rng.random()))
            self._keeping[vid] = LaneKeeping(driver.risk, random.Random(self._lane_rng.random()))
            style = driver.style
            if vid in self._live:  # a warned driver keeps a longer gap
                ratio = self._live_ratio.get(EventType.HMW, 1.0)
                style = warned_style(style, ratio, self._warned_gap_elasticity)
            self._styles[vid] = style
            self._apply(vid, style)
            self._subscribe(vid)
        for j in range(self._background):
            depart = (j * INSERT_SPREAD_S) // max(self._background, 1)
            self._add_background(str(depart))
        if self._cyclists_per_hour > 0 and self._taxi_ids:
            self._rides = CyclistRides(
                self._sumo, self._taxi_ids, self._cyclist_rng, self._cyclists_per_hour
            )

    def _subscribe(self, vid: str) -> None:
        self._sumo.vehicle.subscribe(vid, _TAXI_VARS, 0, 2**31 - 1, {VAR_LEADER: LEADER_RANGE_M})

    def _add_background(self, depart: str) -> None:
        vid = f"bg-{self._bg_count:05d}"
        self._bg_count += 1
        self._add(vid, CAR_TYPE, depart)
        self.stats.background_trips += 1

    def _add(self, vid: str, type_id: str, depart: str) -> None:
        origin = self._pick_edge()
        edges = self._new_route(origin)
        self._route_count += 1
        route_id = f"r{self._route_count}"
        self._sumo.route.add(route_id, edges)
        self._sumo.vehicle.add(
            vid,
            route_id,
            typeID=type_id,
            depart=depart,
            departLane="best",
            departPos="random_free",
            departSpeed="0",
        )
        self._remember_route(vid, edges)

    # -- routing --------------------------------------------------------------------

    def _pick_edge(self) -> str:
        return self._rng.choices(self._edge_ids, cum_weights=self._cum_weights, k=1)[0]

    def _find(self, a: str, b: str) -> list[str]:
        if a == b:
            return [a]
        return list(self._sumo.simulation.findRoute(a, b, vType=TAXI_TYPE).edges)

    def _new_route(self, origin: str) -> list[str]:
        """A random trip from ``origin``, through a hazard now and then."""
        fallback: list[str] = [origin]
        for _ in range(10):
            dest = self._pick_edge()
            if dest == origin:
                continue
            if self._hazard_edges and self._rng.random() < VIA_HAZARD_PROBABILITY:
                via = self._rng.choice(self._hazard_edges)
                first = self._find(origin, via)
                second = self._find(via, dest)
                edges = first + second[1:] if first and second else []
            else:
                edges = self._find(origin, dest)
            if len(edges) < 2:
                continue
            if sum(self._edge_len.get(e, 0.0) for e in edges[1:]) >= MIN_TRIP_M:
                return edges
            fallback = edges
        return fallback

    def _remember_route(self, vid: str, edges: list[str], offset: int = 0) -> None:
        """Metres left after each edge of ``edges``, which start at route index ``offset``."""
        rest = [0.0] * len(edges)
        acc = 0.0
        for i in range(len(edges) - 1, -1, -1):
            rest[i] = acc
            acc += self._edge_len.get(edges[i], 0.0)
        self._route_rest[vid] = (offset, rest)

    def _retarget(self, vid: str, road: str, index: int) -> None:
        """Continue from ``road`` (route index ``index``) to a new destination."""
        edges = self._new_route(road)
        if len(edges) < 2:
            return
        try:
            self._sumo.vehicle.setRoute(vid, edges)
        except self._sumo.TraCIException:
            return
        # SUMO keeps the edges already driven: the new ones start at the current index.
        self._remember_route(vid, edges, index)

    # -- behaviour ------------------------------------------------------------------

    def _apply(self, vid: str, style: DriverStyle, at_once: bool = False) -> None:
        """Give SUMO the driver's style; a longer time gap comes gradually unless
        ``at_once`` (a close follower dropping back behind a braking car)."""
        veh = self._sumo.vehicle
        now = self._tau_now.get(vid)
        if now is None or at_once or style.tau_s <= now:  # closing up is at once ...
            veh.setTau(vid, style.tau_s)
            self._tau_now[vid] = style.tau_s
        self._tau_goal[vid] = style.tau_s  # ... falling back is gradual (_relax_tau)
        veh.setMinGap(vid, style.min_gap_m)
        veh.setImperfection(vid, style.imperfection)
        veh.setDecel(vid, style.decel_mps2)
        veh.setEmergencyDecel(vid, style.decel_mps2 + EMERGENCY_MARGIN_MPS2)
        veh.setApparentDecel(vid, style.apparent_decel_mps2)
        veh.setAccel(vid, style.accel_mps2)
        veh.setSpeedFactor(vid, style.speed_factor)
        self._min_gap[vid] = style.min_gap_m

    def _relax_tau(self, vid: str) -> None:
        """One second nearer the driver's time gap, when it is to grow: a gap that grows at
        once makes IDM brake hard for a gap the driver has only just decided to want."""
        now, goal = self._tau_now.get(vid), self._tau_goal.get(vid)
        if now is None or goal is None or now >= goal:
            return
        now = min(goal, round(now + TAU_RELAX_PER_S, 3))
        self._tau_now[vid] = now
        self._sumo.vehicle.setTau(vid, now)

    def _aggressive(self, vid: str) -> None:
        agg = self._aggression
        base = self._styles.get(vid)
        if base is None:
            base = DriverStyle(
                **{
                    **self._default_style.__dict__,
                    "speed_factor": self._sumo.vehicle.getSpeedFactor(vid),
                }
            )
            self._styles[vid] = base
        self._apply(
            vid,
            DriverStyle(
                tau_s=min(agg.tau_s, self._current_style(vid).tau_s),
                min_gap_m=agg.min_gap_m,
                imperfection=agg.imperfection,
                decel_mps2=agg.decel_mps2,
                apparent_decel_mps2=agg.apparent_decel_mps2,
                accel_mps2=agg.accel_mps2,
                speed_factor=max(base.speed_factor, agg.speed_factor),
            ),
        )

    def _update_hazards(self) -> None:
        now: dict[str, str] = {}
        for e in self._hazard_edges:
            for vid in self._sumo.edge.getLastStepVehicleIDs(e):
                if not is_cyclist(vid):  # a hazard is its drivers' behaviour
                    now[vid] = self._hazard_of_edge[e]
        for vid in sorted(now):
            if vid not in self._on_hazard:
                self._aggressive(vid)
                self.stats.hazard_passages[now[vid]] += 1
        for vid in sorted(self._on_hazard):
            if vid not in now and vid in self._styles:
                self._apply(vid, self._current_style(vid))
        self._on_hazard = now

    def _current_style(self, vid: str) -> DriverStyle:
        """The driver's own style, with the time gap of a close-following spell in one."""
        style = self._styles[vid]
        spells = self._spells.get(vid)
        spell = spells.spell if spells is not None else None
        if spell is not None and spell.kind == "tailgate":
            return replace(
                style,
                tau_s=spell.tau_s,
                min_gap_m=TAILGATE_MIN_GAP_M,
                speed_factor=round(style.speed_factor * TAILGATE_SPEED_FACTOR, 3),
            )
        return style

    def _drive_spells(
        self, vid: str, t: int, speed: float, leader: tuple[str, float] | None
    ) -> None:
        """Begin and end the driver's spells for one more second at ``speed``, behind
        ``leader`` (SUMO's: id and gap, or None)."""
        spells = self._spells.get(vid)
        if spells is None:
            return
        live = vid in self._live
        ratio = self._live_ratio
        tailgate = ratio.get(EventType.HMW, 1.0) if live else 1.0
        kind = EventType.FCW if speed >= FCW_SPEED_MPS else EventType.UFCW
        inattention = ratio.get(kind, 1.0) if live else 1.0
        braking = False
        spell = spells.spell
        if spell is not None and spell.kind == "tailgate" and leader is not None and leader[0]:
            lead_accel = self._sumo.vehicle.getAcceleration(leader[0])
            braking = lead_accel <= -TAILGATE_LEAD_BRAKE_MPS2
        begun, ended = spells.advance(float(t), speed, tailgate, inattention, braking)
        for changed, starting in ((begun, True), (ended, False)):
            if changed is not None:
                self._spell(vid, changed, starting, at_once=braking)

    def _spell(self, vid: str, spell: Spell, starting: bool, at_once: bool = False) -> None:
        """Begin or end a spell in SUMO; ``at_once``: an ended close-following spell gives
        the driver their own time gap at once (the car ahead brakes)."""
        veh = self._sumo.vehicle
        if spell.kind == "inattention":
            veh.setActionStepLength(vid, INATTENTION_ACTION_S if starting else STEP_S, True)
        elif vid not in self._on_hazard:  # on a hazard the hazard's style holds
            if starting:
                self._apply(vid, self._current_style(vid))
            else:
                self._apply(vid, self._styles[vid], at_once=at_once)

    # -- the loop -------------------------------------------------------------------

    def run(self, duration_s: int, progress: Callable[[int, int], None] | None = None) -> None:
        """Step the simulation ``duration_s`` seconds, logging every taxi each second and
        stepping its unit every SUMO step."""
        sumo = self._sumo
        veh = sumo.vehicle
        convert = sumo.simulation.convertGeo
        taxi_set = set(self._taxi_ids)
        report_every = max(duration_s // 100, 1)
        walks, rides = self._walks, self._rides
        for t in range(1, duration_s + 1):
            arrived: list[str] = []
            if walks is not None:
                walks.second()
            if rides is not None:
                rides.second()
            for k in range(1, SUBSTEPS + 1):
                sumo.simulationStep(t - 1 + k * STEP_S)
                arrived.extend(sumo.simulation.getArrivedIDList())
                self.stats.teleports += sumo.simulation.getStartingTeleportNumber()
                if k < SUBSTEPS and self._units:
                    self._step_units(t - 1 + k * STEP_S, veh.getAllSubscriptionResults())
            for vid in arrived:
                self._route_rest.pop(vid, None)
                self._on_hazard.pop(vid, None)
                if is_cyclist(vid):
                    if rides is not None:
                        rides.arrived(vid)
                elif vid in taxi_set:  # should not happen; put the taxi back on the road
                    self._add(vid, TAXI_TYPE, "now")
                    self._apply(vid, self._current_style(vid))
                    self._subscribe(vid)
                else:
                    self._styles.pop(vid, None)
                    self._min_gap.pop(vid, None)
                    self._tau_now.pop(vid, None)
                    self._tau_goal.pop(vid, None)
                    self._add_background("now")
            if self._hazard_edges:
                self._update_hazards()
            if sumo.simulation.getCollidingVehiclesNumber():
                self._count_collisions()
            elif self._colliding:
                self._colliding = set()
            results = veh.getAllSubscriptionResults()
            for vid in self._taxi_ids:
                r = results.get(vid)
                if r is None:
                    continue
                road = r[VAR_ROAD_ID]
                if not road:
                    continue  # not yet inserted, or teleporting
                x, y = r[VAR_POSITION]
                if road[0] != ":":
                    self._last_edge[vid] = road
                    self._last_limit[vid] = self._edge_limit.get(road, self._last_limit[vid])
                    offset, rest = self._route_rest.get(vid, _NO_ROUTE)
                    idx = r[VAR_ROUTE_INDEX] - offset
                    if 0 <= idx < len(rest) and rest[idx] < RETARGET_REMAINING_M:
                        self._retarget(vid, road, r[VAR_ROUTE_INDEX])
                self._drive_spells(vid, t, r[VAR_SPEED], r[VAR_LEADER])
                self._relax_tau(vid)
                lon, lat = convert(x, y)
                log = self.logs[vid]
                log.live.append(vid in self._live)
                log.times.append(t + self._offset)
                log.lon.append(lon)
                log.lat.append(lat)
                log.speed.append(r[VAR_SPEED])
                log.angle.append(r[VAR_ANGLE])
                log.edge.append(self._last_edge[vid])
            if self._units:
                self._step_units(float(t), results)
            if progress is not None and (t % report_every == 0 or t == duration_s):
                progress(t, duration_s)
        for vid, unit in self._units.items():
            self.logs[vid].warnings.extend(unit.close())
        if walks is not None:
            self.stats.pedestrian_walks = walks.started
        if rides is not None:
            self.stats.cyclist_rides = rides.started
        self.stats.drift_episodes += sum(k.episodes for k in self._keeping.values())

    def _step_units(self, now: float, results: dict[str, dict[int, Any]]) -> None:
        """Give every taxi's unit its state and leader at simulation time ``now``."""
        veh = self._sumo.vehicle
        people = self._people_now()
        for vid, unit in self._units.items():
            r = results.get(vid)
            if r is None or not r[VAR_ROAD_ID]:
                if vid in self._driven:
                    # SUMO teleports a car stuck in a jam; a real one stands there, its
                    # unit on (a unit that went quiet is a planted fault, not a jam)
                    unit.step(now, 0.0, 0.0, self._last_limit[vid], None)
                continue  # not yet inserted
            self._driven.add(vid)
            lead: Lead | None = None
            leader = r[VAR_LEADER]
            if leader and leader[0] and leader[1] >= 0.0 and not is_cyclist(leader[0]):
                # a cyclist ahead is one of the ``people`` (PCW), not a vehicle to follow
                # SUMO's gap (less the minimum gap) is negative only where two cars meet
                # at a junction (a merge, a foe on an inner lane): no car in the path
                leader_id, gap = leader
                lead = Lead(
                    self._object_id(leader_id),
                    max(0.0, gap + self._min_gap[vid]),
                    veh.getSpeed(leader_id),
                    veh.getAcceleration(leader_id),
                )
            limit, jolt = self._last_limit[vid], 0.0
            if self._asset_edges:
                limit, jolt = self._on_assets(vid, now, r, limit)
            lane = self._lane_view(vid, now, r)
            unit.step(
                now,
                r[VAR_SPEED],
                r[VAR_ACCELERATION],
                limit,
                lead,
                jolt,
                people=self._people_about(r, people) if people else (),
                lane=lane,
            )

    def _people_now(self) -> list[tuple[int, int, tuple[float, float], float, float]]:
        """(object id, kind, place, speed, angle) of everyone walking or cycling (a few at
        a time: cheaper asked once a step than as a context of every taxi)."""
        person = self._sumo.person
        people = (
            [
                (
                    self._object_id(pid),
                    PEDESTRIAN,
                    person.getPosition(pid),
                    person.getSpeed(pid),
                    person.getAngle(pid),
                )
                for pid in person.getIDList()
            ]
            if person.getIDCount()
            else []
        )
        if self._rides is not None and self._rides.riding:
            veh = self._sumo.vehicle
            for bid in sorted(self._rides.riding):
                try:
                    if not veh.getRoadID(bid):
                        continue  # waiting to start, or teleporting
                    seen = (veh.getPosition(bid), veh.getSpeed(bid), veh.getAngle(bid))
                except self._sumo.TraCIException:  # gone (SUMO removed a stuck bicycle)
                    self._rides.arrived(bid)
                    continue
                people.append((self._object_id(bid), BICYCLE, *seen))
        return people

    def _people_about(
        self, r: dict[int, Any], people: list[tuple[int, int, tuple[float, float], float, float]]
    ) -> list[RoadUser]:
        """The people within the unit's view of a taxi, in the taxi's frame."""
        (x, y), angle = r[VAR_POSITION], r[VAR_ANGLE]
        reach = VIEW_RANGE_M * VIEW_RANGE_M
        return [
            in_taxi_frame(ident, kind, (x, y), angle, xy, speed, heading)
            for ident, kind, xy, speed, heading in people
            if (xy[0] - x) ** 2 + (xy[1] - y) ** 2 <= reach
        ]

    def _lane_view(self, vid: str, now: float, r: dict[int, Any]) -> LaneView | None:
        """The taxi in its lane for one unit step: SUMO's lane, the driver's lateral place."""
        keeping = self._keeping.get(vid)
        if keeping is None:
            return None
        road, lane_id, index = r[VAR_ROAD_ID], r[VAR_LANE_ID], r[VAR_LANE_INDEX]
        width = self._lane_width.get(lane_id)
        if width is None:
            width = self._lane_width[lane_id] = float(self._sumo.lane.getWidth(lane_id))
        lanes = self._lane_count.get(road)
        if lanes is None:
            lanes = self._lane_count[road] = int(self._sumo.edge.getLaneNumber(road))
        before = self._in_lane.get(vid)
        if before is None or before[0] != road:
            self._in_lane[vid] = (road, index)
            stretch = self._markings.worn_on.get(road)
            if stretch is not None:
                self.stats.worn_passes.append((stretch.stretch_id, vid, now + self._offset))
        elif before[1] != index:
            self._in_lane[vid] = (road, index)
            keeping.lane_changed()
            side = "left" if index > before[1] else "right"
            self._signal_held[vid] = (now + LANE_CHANGE_SIGNAL_S, side)
        offset = keeping.step(STEP_S, r[VAR_SPEED], width)
        blinker = r[VAR_SIGNALS]
        turn: Literal["left", "right"] | None = None
        if blinker & BLINKER_LEFT:
            turn = "left"
        elif blinker & BLINKER_RIGHT:
            turn = "right"
        else:
            held = self._signal_held.get(vid)
            if held is not None and now < held[0] - 1e-6:
                turn = "left" if held[1] == "left" else "right"
        left, right = self._markings.of_lane(road, index, lanes)
        return LaneView(width, offset, keeping.rate_mps, TAXI_HALF_WIDTH_M, left, right, turn)

    def _on_assets(
        self, vid: str, now: float, r: dict[int, Any], limit: float
    ) -> tuple[float, float]:
        """The limit signed where the taxi is and a pothole's jolt, for one unit step."""
        road, pos = r[VAR_ROAD_ID], r[VAR_LANEPOSITION]
        before = self._place.get(vid)
        self._place[vid] = (road, pos)
        held = self._sign_held.get(vid)
        if held is not None and road[0] != ":" and road != held[0]:
            del self._sign_held[vid]  # on to another edge: its own limit
            held = None
        jolt = 0.0
        if road in self._asset_edges and before is not None and before[0] == road:
            passed = before[1]
            for sign in self._assets.signs_on.get(road, ()):
                if passed < sign.seen_pos_m <= pos:
                    held = self._sign_held[vid] = (road, sign.value_kmh / 3.6)
                    self.stats.sign_reads.append((sign.sign_id, vid, now + self._offset))
            for hole in self._assets.potholes_on.get(road, ()):
                if passed < hole.pos_m <= pos and self._asset_rng.random() < HIT_PROBABILITY:
                    jolt = hole.jolt(r[VAR_SPEED])
                    self.stats.pothole_hits.append((hole.pothole_id, vid, now + self._offset, jolt))
        return (held[1] if held is not None else limit), jolt

    def _object_id(self, vehicle_id: str) -> int:
        """The obstacle id (1-255) a unit gives another vehicle."""
        ident = self._object_ids.get(vehicle_id)
        if ident is None:
            ident = self._object_ids[vehicle_id] = len(self._object_ids) % 255 + 1
        return ident

    def _count_collisions(self) -> None:
        now: set[tuple[str, str]] = set()
        for collision in self._sumo.simulation.getCollisions():
            pair = (str(collision.collider), str(collision.victim))
            now.add(pair)
            if pair in self._colliding:
                continue  # the same two vehicles, still overlapping
            self.stats.collisions += 1
            lane = str(collision.lane)
            edge = lane.rsplit("_", 1)[0]
            hazard = self._hazard_of_edge.get(edge)
            if hazard is not None:
                self.stats.collisions_on_hazards[hazard] += 1
        self._colliding = now
