"""Planted road assets: speed-limit signs that disagree with OSM, and potholes.

Simulation parameters, drawn from the run's seed and placed by the same route sampling as
the hazards (:func:`~roadsense.sim.hazards.route_usage`, with a random stream of its own),
each away from the hazards and from each other:

- A planted sign stands at 60 % of an edge of 80 m or more on a busy road
  (:data:`SIGN_TRAFFIC`) whose OSM ways all have the same ``maxspeed`` (or none). Its
  value is the edge's limit (OSM's ``maxspeed``, or SUMO's default for the road type where
  OSM has none) plus :data:`SIGN_ABOVE_KMH`: the limit was raised and OSM still has the old
  one, or OSM has no limit where there is a sign (a sign "missing" from the map: the
  platform's signs vs map compares it with its default limit for the road class). The
  first sign is such a missing one, on the busiest edge without ``maxspeed``; where no
  busy edge lacks one (the Helsinki centre, where every busy street has one), it stands
  on the busiest edge with one and the simulation removes that limit from the city's map
  it hands the platform (:mod:`roadsense.sim.city_map`). (Above, not below: a lower sign would
  make the taxis, which drive by SUMO's limit, speed there, and add warnings the published
  rates do not have.) A unit reads it :data:`SIGN_SEEN_AHEAD_M` before it (0x720 and
  0x727) and shows it until the taxi leaves the edge.
- A pothole lies at the middle of an edge of 60 m or more, of middling traffic
  (:data:`POTHOLE_TRAFFIC`), signed 40 km/h or more where there are enough. A taxi that
  drives over it hits it with :data:`HIT_PROBABILITY`; the jolt is the hole's severity
  (7-11 m/s2) times the speed over 40 km/h (at most 1): slow taxis feel less.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import osmium

from roadsense.sim.hazards import HazardSite, reverse_edge
from roadsense.sim.network import SumoEdge, SumoNetwork

SIGN_MIN_LENGTH_M: Final = 80.0
SIGN_AT: Final = 0.6
"""Where along its edge a planted sign stands (fraction of the length)."""
SIGN_SEEN_AHEAD_M: Final = 20.0
"""The unit reads a sign this far before it (0x720 ``PosX``)."""
SIGN_ABOVE_KMH: Final = 20.0
POTHOLE_MIN_LENGTH_M: Final = 60.0
POTHOLE_AT: Final = 0.5
HIT_PROBABILITY: Final = 0.4
"""A pass hits the hole (it lies in one wheel track; drivers who see it steer round)."""
POTHOLE_MIN_LIMIT_KMH: Final = 40.0
"""Potholes lie on roads signed this or more where there are enough: on a 30 km/h street
most passes are slow, and a hit reads as a bump, not a pothole."""
SIGN_TRAFFIC: Final = (0.25, 1.0)
"""Signs stand on busy roads: at least a quarter of the sampled routes of the busiest edge
(so that several taxis of a small demo read each one)."""
POTHOLE_TRAFFIC: Final = (0.25, 0.5)
"""Potholes lie on roads of middling traffic: a quarter to a half of the sampled routes of
the busiest edge. On the busiest roads a pothole's strikes (one POTHOLE event each) would
outnumber every warning of a small demo, and the platform's safety screening, which counts
every event type, would rank it above the planted hazards."""
SEVERITY_MPS2: Final = (7.0, 11.0)
FULL_JOLT_MPS: Final = 40.0 / 3.6
"""At this speed and above a hit jolts by the hole's whole severity (less in proportion
below: a pothole taken at 20 km/h reads as a bump under the 6 m/s2 of a pothole event)."""
MIN_SPACING_M: Final = 200.0
"""From each other and from every hazard (down to a quarter of it on a small network)."""
MAX_SIGN_KMH: Final = 140.0

SignKind = Literal["differs", "missing"]


@dataclass(frozen=True)
class SignSite:
    """A planted speed-limit sign."""

    sign_id: str
    edge_id: str
    osm_way_ids: tuple[int, ...]
    pos_m: float
    """Along the edge, metres from its start."""
    lon: float
    lat: float
    value_kmh: float
    map_kmh: float
    """The edge's limit in SUMO (OSM's maxspeed, or the road type's default)."""
    osm_maxspeed: str | None
    """The way's ``maxspeed`` tag as in the OSM file (None: OSM has none)."""
    unmapped: bool = False
    """The simulation removes its ways' limits from the city's map (``osm_maxspeed`` is
    then the street's real limit, which the taxis drive by)."""

    @property
    def map_maxspeed(self) -> str | None:
        """The ``maxspeed`` of its ways in the city's map, which the platform imports."""
        return None if self.unmapped else self.osm_maxspeed

    @property
    def kind(self) -> SignKind:
        """``differs`` from the map's maxspeed, or ``missing`` from the map."""
        return "missing" if self.map_maxspeed is None else "differs"

    @property
    def seen_pos_m(self) -> float:
        """Where along the edge the unit reads it."""
        return max(0.0, self.pos_m - SIGN_SEEN_AHEAD_M)


@dataclass(frozen=True)
class PotholeSite:
    """A planted pothole."""

    pothole_id: str
    edge_id: str
    osm_way_ids: tuple[int, ...]
    pos_m: float
    lon: float
    lat: float
    severity_mps2: float

    def jolt(self, speed_mps: float) -> float:
        """The vertical jolt (m/s2, beyond gravity) a hit at this speed gives."""
        return round(self.severity_mps2 * min(1.0, max(speed_mps, 0.0) / FULL_JOLT_MPS), 3)


@dataclass(frozen=True)
class RoadAssets:
    """The planted signs and potholes, by edge."""

    signs: tuple[SignSite, ...] = ()
    potholes: tuple[PotholeSite, ...] = ()
    signs_on: Mapping[str, tuple[SignSite, ...]] = field(default_factory=dict)
    potholes_on: Mapping[str, tuple[PotholeSite, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, signs: Iterable[SignSite], potholes: Iterable[PotholeSite]) -> RoadAssets:
        """Signs and potholes, indexed by their edges."""
        s, p = tuple(signs), tuple(potholes)
        signs_on: dict[str, tuple[SignSite, ...]] = {}
        potholes_on: dict[str, tuple[PotholeSite, ...]] = {}
        for sign in s:
            signs_on[sign.edge_id] = (*signs_on.get(sign.edge_id, ()), sign)
        for hole in p:
            potholes_on[hole.edge_id] = (*potholes_on.get(hole.edge_id, ()), hole)
        return cls(s, p, signs_on, potholes_on)

    @property
    def edges(self) -> frozenset[str]:
        """Every edge with a planted sign or pothole."""
        return frozenset(self.signs_on) | frozenset(self.potholes_on)

    @property
    def unmapped_ways(self) -> frozenset[int]:
        """The OSM ways whose limits the city's map lacks (:mod:`roadsense.sim.city_map`)."""
        return frozenset(w for s in self.signs if s.unmapped for w in s.osm_way_ids)


def choose_assets(
    network: SumoNetwork,
    source: Path,
    usage: Mapping[str, int],
    hazards: Iterable[HazardSite],
    signs: int,
    potholes: int,
    rng: random.Random,
) -> RoadAssets:
    """``signs`` signs and ``potholes`` potholes on busy edges (fewer on a small network)."""
    edges = network.edges
    taken: list[SumoEdge] = []
    for site in hazards:
        taken.extend(edges[e] for e in site.edge_ids)

    def candidates(min_length: float) -> list[SumoEdge]:
        fits = [
            e
            for e in edges.values()
            if e.length_m >= min_length and e.osm_way_ids and usage.get(e.edge_id, 0)
        ]
        return sorted(fits, key=lambda e: (-usage.get(e.edge_id, 0), e.edge_id))

    def tiers(pool: list[SumoEdge], band: tuple[float, float]) -> list[list[SumoEdge]]:
        """The edges whose usage is within ``band`` (fractions of the busiest edge's),
        busiest first; then every other edge, nearest the band first."""
        top = max(usage.values(), default=0)
        lo, hi = band[0] * top, band[1] * top
        inside = [e for e in pool if lo <= usage.get(e.edge_id, 0) <= hi]
        rest = sorted(
            (e for e in pool if e not in inside),
            key=lambda e: (min(abs(usage.get(e.edge_id, 0) - b) for b in (lo, hi)), e.edge_id),
        )
        return [inside, inside + rest]

    def pick(pools: list[list[SumoEdge]], count: int) -> list[SumoEdge]:
        """``count`` well-separated edges from the first pool that has them (closer
        together on a small network before a later pool is tried)."""
        chosen: list[SumoEdge] = []
        near: list[SumoEdge] = []
        for pool in pools:
            spacing = MIN_SPACING_M
            while spacing >= MIN_SPACING_M / 4:
                chosen, near = [], list(taken)
                for edge in pool:
                    if len(chosen) == count:
                        break
                    ways = {w for c in chosen for w in c.osm_way_ids}
                    if not ways.isdisjoint(edge.osm_way_ids) or any(
                        _distance(edge, t) < spacing for t in near
                    ):
                        continue
                    chosen.append(edge)
                    near.append(edge)
                    other = reverse_edge(edge.edge_id, edges)
                    if other is not None:
                        near.append(edges[other])
                if len(chosen) == count:
                    taken[:] = near
                    return chosen
                spacing /= 2.0
        taken[:] = near
        return chosen

    all_tags = maxspeed_tags(source, {w for e in edges.values() for w in e.osm_way_ids})
    same_limit = [
        e
        for e in candidates(SIGN_MIN_LENGTH_M)
        if len({all_tags.get(w) for w in e.osm_way_ids}) == 1
    ]
    untagged = [e for e in same_limit if all_tags.get(e.osm_way_ids[0]) is None]
    hole_pool = tiers(candidates(POTHOLE_MIN_LENGTH_M), POTHOLE_TRAFFIC)
    fast = POTHOLE_MIN_LIMIT_KMH / 3.6 - 0.1
    hole_pool.insert(0, [e for e in hole_pool[0] if e.speed_limit_mps >= fast])
    sign_edges: list[SumoEdge] = []
    unmapped = False
    if signs > 0:  # one missing from the map (the busiest edge without maxspeed, else the
        # busiest with one, whose limit the city's map then loses), then the busiest
        sign_edges = pick(tiers(untagged, SIGN_TRAFFIC)[:1], 1)
        if not sign_edges:
            sign_edges = pick(tiers(same_limit, SIGN_TRAFFIC), 1)
            unmapped = bool(sign_edges)
        first = {w for e in sign_edges for w in e.osm_way_ids}
        others = [e for e in same_limit if first.isdisjoint(e.osm_way_ids)]
        sign_edges += pick(tiers(others, SIGN_TRAFFIC), signs - len(sign_edges))
    hole_edges = pick(hole_pool, potholes) if potholes > 0 else []
    tags = all_tags
    planted_signs = []
    for n, edge in enumerate(sign_edges, start=1):
        map_kmh = round(edge.speed_limit_mps * 3.6 / 10.0) * 10.0
        pos = round(SIGN_AT * edge.length_m, 1)
        lon, lat = point_along(edge.shape_lonlat, SIGN_AT)
        planted_signs.append(
            SignSite(
                sign_id=f"S{n}",
                edge_id=edge.edge_id,
                osm_way_ids=edge.osm_way_ids,
                pos_m=pos,
                lon=lon,
                lat=lat,
                value_kmh=min(MAX_SIGN_KMH, map_kmh + SIGN_ABOVE_KMH),
                map_kmh=map_kmh,
                osm_maxspeed=tags.get(edge.osm_way_ids[0]),  # the same on all its ways
                unmapped=unmapped and n == 1,
            )
        )
    planted_holes = []
    low, high = SEVERITY_MPS2
    for n, edge in enumerate(hole_edges, start=1):
        lon, lat = point_along(edge.shape_lonlat, POTHOLE_AT)
        planted_holes.append(
            PotholeSite(
                pothole_id=f"P{n}",
                edge_id=edge.edge_id,
                osm_way_ids=edge.osm_way_ids,
                pos_m=round(POTHOLE_AT * edge.length_m, 1),
                lon=lon,
                lat=lat,
                severity_mps2=round(rng.uniform(low, high), 2),
            )
        )
    return RoadAssets.of(planted_signs, planted_holes)


def maxspeed_tags(source: Path, way_ids: set[int]) -> dict[int, str]:
    """The ``maxspeed`` tag of each of these OSM ways that has one, from the OSM file."""
    if not way_ids:
        return {}
    out: dict[int, str] = {}
    for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
        if way.id in way_ids and "maxspeed" in way.tags:
            out[way.id] = str(way.tags["maxspeed"])
    return out


def point_along(line: tuple[tuple[float, float], ...], fraction: float) -> tuple[float, float]:
    """The (lon, lat) at ``fraction`` of a short polyline's length (flat Earth)."""
    if len(line) == 1:
        return line[0]
    coslat = math.cos(math.radians(line[0][1]))
    seg = [math.hypot((b[0] - a[0]) * coslat, b[1] - a[1]) for a, b in itertools.pairwise(line)]
    rest = fraction * sum(seg)
    for a, b, s in zip(line, line[1:], seg, strict=False):
        if rest <= s and s > 0:
            f = rest / s
            return (round(a[0] + f * (b[0] - a[0]), 7), round(a[1] + f * (b[1] - a[1]), 7))
        rest -= s
    return line[-1]


def _distance(a: SumoEdge, b: SumoEdge) -> float:
    ax, ay = a.centre_xy
    bx, by = b.centre_xy
    return math.hypot(ax - bx, ay - by)
