"""The lane markings the taxis' cameras see, and the planted stretches of worn markings.

Markings follow from SUMO's lanes (the OSM extract has no paint):

- between two lanes of the same direction: ``dashed``;
- on the left of the leftmost lane: a ``dashed`` centre line where the road is two-way
  (SUMO has the reverse edge), a ``road_edge`` (kerb) on a one-way street;
- on the right of the rightmost lane: a ``solid`` line on roads signed 40 km/h or
  more (a city's main streets: an edge line, or the line of a parking or bus lane), a
  ``road_edge`` (kerb, no paint) on slower streets;
- inside a junction: ``none``.

A painted marking is seen clear (quality 3). **Worn stretches**
(``SimConfig.worn_markings``, 2 by default) are planted like the signs and potholes
(:mod:`roadsense.sim.road_assets`): on busy edges (a quarter of the busiest edge's sampled
routes or more, so that the five vehicles the platform's lane-quality analysis needs drive
them in a small demo) of 100 m or more with a painted marking, away from the hazards and
from each other, chosen with a random stream of their own. On a worn stretch (the edge and
its reverse) every painted marking is seen at quality 0 or 1 (drawn per stretch); the unit
gives no lane departure warning there.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from roadsense.sim.hazards import HazardSite, reverse_edge
from roadsense.sim.network import SumoEdge, SumoNetwork
from roadsense.sim.unit_rules import NO_MARKING, Marking, MarkingType

WORN_MIN_LENGTH_M: Final = 100.0
WORN_TRAFFIC: Final = 0.25
"""Worn stretches lie on edges used by at least this share of the busiest edge's routes."""
WORN_QUALITY: Final = (0, 1)
CLEAR: Final = 3
MIN_SPACING_M: Final = 200.0
EDGE_LINE_FROM_MPS: Final = 40.0 / 3.6 - 0.1
"""Roads signed this or more have a painted edge line on the right."""


@dataclass(frozen=True)
class WornStretch:
    """A planted stretch of worn lane markings."""

    stretch_id: str
    edge_ids: tuple[str, ...]
    """The chosen edge, then its reverse where the road is two-way."""
    osm_way_ids: tuple[int, ...]
    polylines: tuple[tuple[tuple[float, float], ...], ...]
    """(lon, lat) centre line of each edge, in ``edge_ids`` order."""
    length_m: float
    quality: int
    """What the cameras see of its markings (0 not seen, 1 worn)."""


@dataclass(frozen=True)
class LaneMarkings:
    """Every lane's markings, and the worn stretches among them."""

    worn: tuple[WornStretch, ...] = ()
    two_way: frozenset[str] = frozenset()
    """Edges whose reverse the network has (a centre line on their left)."""
    edge_lines: frozenset[str] = frozenset()
    """Edges with a painted edge line on the right (the rest: a kerb)."""
    worn_on: Mapping[str, WornStretch] = field(default_factory=dict)
    _seen: dict[tuple[str, int, int], tuple[Marking, Marking]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    @classmethod
    def of(cls, network: SumoNetwork, worn: Iterable[WornStretch]) -> LaneMarkings:
        """The markings of ``network`` with these worn stretches."""
        edges = network.edges
        ids = sorted(edges)
        stretches = tuple(worn)
        return cls(
            worn=stretches,
            two_way=frozenset(e for e in ids if reverse_edge(e, edges) is not None),
            edge_lines=frozenset(e for e in ids if _edge_line(edges[e])),
            worn_on={e: s for s in stretches for e in s.edge_ids},
        )

    def of_lane(self, edge_id: str, index: int, lanes: int) -> tuple[Marking, Marking]:
        """(left, right) markings of lane ``index`` (0 the rightmost) of ``lanes``."""
        key = (edge_id, index, lanes)
        known = self._seen.get(key)
        if known is None:
            known = self._seen[key] = self._of_lane(edge_id, index, lanes)
        return known

    def _of_lane(self, edge_id: str, index: int, lanes: int) -> tuple[Marking, Marking]:
        if not edge_id or edge_id[0] == ":":
            return NO_MARKING, NO_MARKING
        stretch = self.worn_on.get(edge_id)
        quality = CLEAR if stretch is None else stretch.quality
        centre_line = index < lanes - 1 or edge_id in self.two_way
        left: MarkingType = "dashed" if centre_line else "road_edge"
        right: MarkingType = (
            "dashed" if index > 0 else "solid" if edge_id in self.edge_lines else "road_edge"
        )
        return _seen(left, quality), _seen(right, quality)


def _edge_line(edge: SumoEdge) -> bool:
    return edge.speed_limit_mps >= EDGE_LINE_FROM_MPS


def _seen(kind: MarkingType, quality: int) -> Marking:
    """A kerb is seen clear (it does not wear); paint as well as it is kept."""
    return Marking(kind, quality if kind in ("dashed", "solid") else CLEAR)


def choose_worn(
    network: SumoNetwork,
    usage: Mapping[str, int],
    hazards: Iterable[HazardSite],
    count: int,
    rng: random.Random,
) -> list[WornStretch]:
    """``count`` worn stretches on busy edges with paint (fewer on a small network)."""
    if count <= 0:
        return []
    edges = network.edges
    top = max(usage.values(), default=0)
    near: list[SumoEdge] = [edges[e] for site in hazards for e in site.edge_ids]

    def painted(edge: SumoEdge) -> bool:
        return edge.lanes > 1 or _edge_line(edge) or reverse_edge(edge.edge_id, edges) is not None

    pool = [
        e
        for e in (edges[k] for k in sorted(edges))
        if e.length_m >= WORN_MIN_LENGTH_M
        and e.osm_way_ids
        and painted(e)
        and usage.get(e.edge_id, 0) >= max(1, WORN_TRAFFIC * top)
    ]
    rng.shuffle(pool)
    chosen: list[SumoEdge] = []
    ways: set[int] = set()
    for edge in pool:
        if len(chosen) == count:
            break
        if not ways.isdisjoint(edge.osm_way_ids) or any(
            _distance(edge, other) < MIN_SPACING_M for other in near
        ):
            continue
        chosen.append(edge)
        ways.update(edge.osm_way_ids)
        near.append(edge)
    out = []
    for n, edge in enumerate(chosen, start=1):
        other = reverse_edge(edge.edge_id, edges)
        members = [edge] if other is None else [edge, edges[other]]
        way_ids: list[int] = []
        for member in members:
            way_ids.extend(w for w in member.osm_way_ids if w not in way_ids)
        out.append(
            WornStretch(
                stretch_id=f"L{n}",
                edge_ids=tuple(m.edge_id for m in members),
                osm_way_ids=tuple(way_ids),
                polylines=tuple(m.shape_lonlat for m in members),
                length_m=round(edge.length_m, 1),
                quality=rng.choice(WORN_QUALITY),
            )
        )
    return out


def _distance(a: SumoEdge, b: SumoEdge) -> float:
    ax, ay = a.centre_xy
    bx, by = b.centre_xy
    return math.hypot(ax - bx, ay - by)
