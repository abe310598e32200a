"""Pedestrian crossings of the simulated city: a few, planted, on the main streets.

The network keeps its car lanes as they are and gets a sidewalk on the streets netconvert
guesses one for (``--sidewalks.guess``: roads up to 50 km/h); crossings are built at a few
junctions only. Crossings at every junction (``--crossings.guess``) cost a third of the
fleet's distance in the Helsinki centre even with nobody walking (junctions that grow
round their crossings, traffic lights with pedestrian phases), so the crossings are
**planted**: :data:`CROSSINGS` junctions without traffic lights, across two-way streets
with sidewalks on both sides, the most important roads first (netconvert's priority, from
the OSM class, then the lanes), at least :data:`MIN_SPACING_M` apart. They are unmarked
(``priority="false"``): people give way to cars, and cars stop for people already on
them. As zebras (people first) they made the cars brake hard for people stepping out
(21 harsh brakes instead of 6-12 in a 1,200 s run of 40 taxis).

:func:`plan_crossings` chooses them when the network is built (no seed: the same extract
gives the same crossings); :func:`crossing_sites` reads them back from the built network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import sumolib

CROSSINGS = 10
"""Crossings planted in the network."""
MIN_SPACING_M = 150.0
"""Planted crossings are at least this far apart."""
MAX_SPEED_MPS = 50.0 / 3.6 + 0.1
"""Crossings only across streets signed 50 km/h or less."""
PRIORITY = "false"
"""People give way to cars (an unmarked crossing); see the module's docstring."""
SIGNALLED = frozenset({"traffic_light", "traffic_light_right_on_red", "traffic_light_unregulated"})
"""SUMO's junction types with traffic lights."""


@dataclass(frozen=True)
class CrossingSite:
    """One planted crossing over a two-way street, as the pedestrians use it."""

    node_id: str
    in_edge: str
    """The street's edge that ends at the crossing's junction."""
    out_edge: str
    """Its reverse, which starts there (the other side of the street)."""
    xy: tuple[float, float]
    """The junction, network coordinates."""


def _has_sidewalk(edge: sumolib.net.edge.Edge) -> bool:
    lane = edge.getLane(0)
    return bool(lane.allows("pedestrian")) and not lane.allows("passenger")


def plan_crossings(net_file: Path, keep: set[str], count: int = CROSSINGS) -> list[CrossingSite]:
    """The junctions of ``net_file`` (edges ``keep`` only) where crossings are to be built."""
    if count <= 0:
        return []
    net = sumolib.net.readNet(str(net_file), withInternal=False)
    candidates: list[tuple[tuple[int, int, float], CrossingSite]] = []
    for node in net.getNodes():
        if node.getType() in SIGNALLED or node.getType() == "dead_end":
            continue
        for edge in node.getIncoming():
            eid = edge.getID()
            rev = eid[1:] if eid.startswith("-") else f"-{eid}"
            if eid not in keep or rev not in keep or not net.hasEdge(rev):
                continue
            back = net.getEdge(rev)
            if back.getFromNode().getID() != node.getID():
                continue
            if edge.getSpeed() > MAX_SPEED_MPS or not (_has_sidewalk(edge) and _has_sidewalk(back)):
                continue
            lanes = sum(1 for lane in edge.getLanes() if lane.allows("passenger"))
            x, y = node.getCoord()
            site = CrossingSite(node.getID(), eid, rev, (float(x), float(y)))
            candidates.append(((edge.getPriority(), lanes, edge.getLength()), site))
    candidates.sort(key=lambda c: (-c[0][0], -c[0][1], -c[0][2], c[1].node_id, c[1].in_edge))
    chosen: list[CrossingSite] = []
    for _, site in candidates:
        if len(chosen) >= count:
            break
        if all(math.dist(site.xy, c.xy) >= MIN_SPACING_M for c in chosen):
            chosen.append(site)
    return chosen


def write_connections(sites: list[CrossingSite], path: Path) -> None:
    """A netconvert connection file that builds ``sites``."""
    lines = ["<connections>"]
    for s in sites:
        node, edges = quoteattr(s.node_id), quoteattr(f"{s.in_edge} {s.out_edge}")
        lines.append(f"    <crossing node={node} edges={edges} priority={quoteattr(PRIORITY)}/>")
    lines.append("</connections>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def crossing_sites(net_file: Path) -> list[CrossingSite]:
    """The planted crossings of a built network, each across a two-way street (in node id order)."""
    net = sumolib.net.readNet(str(net_file), withInternal=True, withPedestrianConnections=True)
    sites: list[CrossingSite] = []
    for crossing in net.getEdges(withInternal=True):
        if crossing.getFunction() != "crossing":
            continue
        node_id = crossing.getID()[1:].rsplit("_c", 1)[0]
        crossed = {e.getID(): e for e in crossing.getCrossingEdges()}
        for eid, edge in sorted(crossed.items()):
            rev = eid[1:] if eid.startswith("-") else f"-{eid}"
            if edge.getToNode().getID() == node_id and rev in crossed:
                x, y = edge.getToNode().getCoord()
                sites.append(CrossingSite(node_id, eid, rev, (float(x), float(y))))
                break
    sites.sort(key=lambda s: (s.node_id, s.in_edge))
    return sites
