"""The road network of one OSM file: segments between junctions, and the junctions.

A *segment* is the stretch of one OSM way between two nodes where it meets another
drivable way (or its own ends). Its id, ``"<way id>:<first node index>-<last node
index>"``, is stable: the same file always gives the same ids, and an edit elsewhere in
the city leaves it alone. Segments and junctions are the store's own records
(:class:`~roadsense.store.roads_rows.Segment`, :class:`~roadsense.store.roads_rows.Junction`):
a network read here is stored as it is.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from roadsense.progress import Progress
from roadsense.roads.geometry import Floats, LocalFrame, Projection, polyline_length_m, project
from roadsense.roads.osm_roads import OsmWay, read_ways
from roadsense.roads.speed_limits import country_at, default_limit_kmh, parse_maxspeed_kmh
from roadsense.store.roads_rows import DEFAULT_LIMIT, TAGGED_LIMIT, Junction, Segment

_IMPLIED_ONEWAY = frozenset({"motorway", "motorway_link"})


@dataclass
class RoadNetwork:
    """Segments and junctions of one OSM file, with lookups for map matching."""

    source: Path
    country: str
    segments: list[Segment]
    junctions: list[Junction]
    _by_way: dict[int, list[Segment]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for seg in self.segments:
            self._by_way.setdefault(seg.osm_way_id, []).append(seg)

    @cached_property
    def frame(self) -> LocalFrame:
        """The local metric frame of the network (centred on its bounds)."""
        lons = [c[0] for s in self.segments for c in (s.coords[0], s.coords[-1])]
        lats = [c[1] for s in self.segments for c in (s.coords[0], s.coords[-1])]
        return LocalFrame((min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2)

    @cached_property
    def _xy(self) -> dict[str, tuple[Floats, Floats]]:
        out: dict[str, tuple[Floats, Floats]] = {}
        for seg in self.segments:
            arr = np.asarray(seg.coords, dtype=np.float64)
            out[seg.segment_id] = self.frame.to_xy(arr[:, 0], arr[:, 1])
        return out

    @cached_property
    def by_id(self) -> dict[str, Segment]:
        """Segments by id."""
        return {s.segment_id: s for s in self.segments}

    def way_segments(self, way_id: int) -> list[Segment]:
        """The segments of one OSM way, in node order (empty if the way is unknown)."""
        return self._by_way.get(way_id, [])

    def locate_on_way(self, way_id: int, x: float, y: float) -> tuple[Segment, Projection] | None:
        """The segment of ``way_id`` nearest to (x, y) (local metres) and the projection."""
        best: tuple[Segment, Projection] | None = None
        for seg in self.way_segments(way_id):
            xs, ys = self._xy[seg.segment_id]
            proj = project(x, y, xs, ys)
            if best is None or proj.distance_m < best[1].distance_m:
                best = (seg, proj)
        return best

    def segment_xy(self, segment_id: str) -> tuple[Floats, Floats]:
        """A segment's polyline in local metres."""
        return self._xy[segment_id]


def _lanes(value: str | None) -> int | None:
    if not value:
        return None
    match = re.match(r"\s*(\d+)", value)
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


def _oneway(tags: dict[str, str]) -> int:
    value = tags.get("oneway", "").lower()
    if value in {"yes", "true", "1"}:
        return 1
    if value in {"-1", "reverse"}:
        return -1
    if value in {"no", "false", "0"}:
        return 0
    if tags.get("junction") in {"roundabout", "circular"}:
        return 1
    return 1 if tags.get("highway") in _IMPLIED_ONEWAY else 0


def read_network(
    path: Path, country: str | None = None, progress: Progress | None = None
) -> RoadNetwork:
    """Read the drivable network of an OSM ``.pbf``/``.osm`` file.

    ``country`` picks the default speed limits (``KR``, ``FI`` ...); None infers it from
    where the file lies. Raises :class:`RoadsFileError` for a missing, unreadable or
    road-less file.
    """
    path = Path(path)

    def step(stage: str, done: int, total: int) -> None:
        if progress is not None:
            progress(stage, done, total)

    step("read", 0, 1)
    ways = read_ways(path)
    step("read", 1, 1)
    if country is None:
        xs = [c[0] for w in ways for c in w.coords]
        ys = [c[1] for w in ways for c in w.coords]
        country = country_at((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    country = country.upper()
    usage: Counter[int] = Counter()
    for way in ways:
        usage.update(way.nodes)
        usage.update((way.nodes[0], way.nodes[-1]))  # an end splits like a shared node
    segments: list[Segment] = []
    for k, way in enumerate(ways):
        if k % 500 == 0:
            step("split", k, len(ways))
        segments.extend(_split(way, usage, country))
    step("split", len(ways), len(ways))
    ends: Counter[int] = Counter()
    where: dict[int, tuple[float, float]] = {}
    meeting: dict[int, set[str]] = {}
    for seg in segments:
        for node, coord in ((seg.from_node, seg.coords[0]), (seg.to_node, seg.coords[-1])):
            ends[node] += 1
            where[node] = coord
            meeting.setdefault(node, set()).add(seg.segment_id)
    junctions = [
        Junction(node, where[node][0], where[node][1], degree, tuple(sorted(meeting[node])))
        for node, degree in sorted(ends.items())
        if degree >= 3
    ]
    return RoadNetwork(source=path, country=country, segments=segments, junctions=junctions)


def _split(way: OsmWay, usage: Counter[int], country: str) -> list[Segment]:
    tags = way.tags
    highway = tags["highway"]
    explicit = parse_maxspeed_kmh(tags.get("maxspeed"), country)
    limit = explicit if explicit is not None else default_limit_kmh(highway, country)
    source = TAGGED_LIMIT if explicit is not None else DEFAULT_LIMIT
    cuts = [0] + [i for i in range(1, len(way.nodes) - 1) if usage[way.nodes[i]] >= 2]
    cuts.append(len(way.nodes) - 1)
    out: list[Segment] = []
    for a, b in itertools.pairwise(cuts):
        coords = way.coords[a : b + 1]
        out.append(
            Segment(
                segment_id=f"{way.way_id}:{a}-{b}",
                osm_way_id=way.way_id,
                from_node=way.nodes[a],
                to_node=way.nodes[b],
                highway=highway,
                name=tags.get("name"),
                lanes=_lanes(tags.get("lanes")),
                oneway=_oneway(tags),
                speed_limit_kmh=limit,
                speed_limit_source=source,
                length_m=round(polyline_length_m(np.asarray(coords, dtype=np.float64)), 2),
                coords=coords,
            )
        )
    return out
