"""Planted hazards: busy road stretches where drivers behave aggressively.

A hazard is one edge of 60-200 m (with its opposite direction, when the road has one)
among the edges most used by random routes, at least 300 m from every other hazard, and
not a link with traffic lights at both ends where there are others (see
:func:`choose_hazards`).
While a vehicle is on a hazard edge it follows closer (0.8 s, or its own time gap if
shorter), brakes later and firmer (3.2 m/s2) and drives faster (1.35 times the limit): a
unit warns there (HMW, SPEEDING, harsh braking) several times as often as elsewhere. Its
own behaviour comes back when it leaves (the time gap grows back gradually).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from roadsense.sim.network import SumoEdge, SumoNetwork

MIN_LENGTH_M = 60.0
MAX_LENGTH_M = 200.0
MIN_SPACING_M = 300.0
MIN_SPEED_LIMIT_MPS = 49.0 / 3.6
"""Prefer roads signed 50 km/h or more: close following warns (HMW) above 30 km/h, which
the busiest 40 km/h streets of a city centre, congested, rarely reach; a hazard there
plants behaviour that no unit can see."""

Route = Callable[[str, str], Sequence[str]]
"""Finds the edges of a route between two edges (empty when there is none)."""


@dataclass(frozen=True)
class HazardSite:
    """A chosen hazard stretch, in network terms."""

    hazard_id: str
    edge_ids: tuple[str, ...]
    """The chosen edge first, then its opposite direction where there is one."""
    main_edge: str
    usage: int
    """How many of the sampled routes used the stretch."""


def reverse_edge(edge_id: str, edges: dict[str, SumoEdge]) -> str | None:
    """The opposite direction of an edge made from an OSM way, if the network has it."""
    other = edge_id[1:] if edge_id.startswith("-") else "-" + edge_id
    return other if other in edges else None


def route_usage(
    network: SumoNetwork, rng: random.Random, route: Route, samples: int = 400
) -> dict[str, int]:
    """How many of ``samples`` random routes (between edges drawn by length) use each edge:
    the busy roads, where planted things are seen often."""
    edges = network.edges
    ids = sorted(edges)
    weights = [edges[e].length_m for e in ids]
    usage: dict[str, int] = dict.fromkeys(ids, 0)
    for _ in range(samples):
        a, b = rng.choices(ids, weights=weights, k=2)
        if a == b:
            continue
        for e in route(a, b):
            if e in usage:
                usage[e] += 1
    return usage


def choose_hazards(
    network: SumoNetwork,
    count: int,
    rng: random.Random,
    route: Route,
    samples: int = 400,
) -> list[HazardSite]:
    """Pick ``count`` busy, well-separated edges as hazards (fewer if the network is small)."""
    if count <= 0:
        return []
    edges = network.edges
    ids = sorted(edges)
    usage = route_usage(network, rng, route, samples)

    def stretch_usage(e: str) -> int:
        other = reverse_edge(e, edges)
        return usage[e] + (usage[other] if other else 0)

    def ranked(min_speed: float, signals: bool) -> list[str]:
        fits = [
            e
            for e in ids
            if MIN_LENGTH_M <= edges[e].length_m <= MAX_LENGTH_M
            and edges[e].speed_limit_mps >= min_speed
            and usage[e] > 0
            and (signals or not edges[e].between_signals)
        ]
        return sorted(fits, key=lambda e: (-usage[e], -stretch_usage(e), e))

    # A short link from one traffic light to the next is a queue most of the time: the
    # behaviour a hazard plants (close following, late braking, speed) shows there as
    # conflicts at walking pace that no unit warns of (HMW needs 30 km/h). On Helsinki's
    # extract the busiest 40 km/h link, Puutarhakatu between two lights, was SUMO's top
    # conflict site (360-390 SSM conflicts in the default demo) and ranked 70th-92nd of
    # the warnings' cells in three runs (docs/simulation.md).
    candidates: list[str] = []
    for min_speed, signals in ((MIN_SPEED_LIMIT_MPS, False), (0.0, False), (0.0, True)):
        if len(candidates) >= count * 3:
            break
        candidates += [e for e in ranked(min_speed, signals) if e not in candidates]
    if not candidates:  # a tiny network: take the longest edges that routes use
        candidates = sorted(ids, key=lambda e: (-usage[e], -edges[e].length_m, e))

    spacing = MIN_SPACING_M
    chosen: list[str] = []
    while spacing >= 10.0:
        chosen = []
        for e in candidates:
            if all(_apart(edges[e], edges[c], spacing) for c in chosen):
                chosen.append(e)
                if len(chosen) == count:
                    break
        if len(chosen) == count:
            break
        spacing /= 2.0

    sites: list[HazardSite] = []
    for number, e in enumerate(chosen, start=1):
        other = reverse_edge(e, edges)
        sites.append(
            HazardSite(
                hazard_id=f"H{number}",
                edge_ids=(e, other) if other else (e,),
                main_edge=e,
                usage=stretch_usage(e),
            )
        )
    return sites


def _apart(a: SumoEdge, b: SumoEdge, spacing: float) -> bool:
    ax, ay = a.centre_xy
    bx, by = b.centre_xy
    return math.hypot(ax - bx, ay - by) >= spacing


@dataclass(frozen=True)
class Aggression:
    """How drivers behave on a hazard stretch (applied per vehicle, then undone)."""

    # ``imperfection`` only matters for models with driver noise (Krauss); IDM ignores it.
    tau_s: float = 0.8
    """Close following: a unit warns (HMW) when following above 30 km/h."""
    min_gap_m: float = 1.5
    imperfection: float = 0.0
    decel_mps2: float = 4.5
    """Late, hard braking: a stop here comes too fast and goes beyond 3.5 m/s2 (a harsh brake,
    which the IMU sees at any speed, also where congestion keeps close following slow)."""
    apparent_decel_mps2: float = 4.5
    accel_mps2: float = 2.6
    speed_factor: float = 1.35
