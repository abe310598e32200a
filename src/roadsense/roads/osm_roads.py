"""Drivable roads read from an OSM PBF/XML file: the one OSM way reader, and GeoJSON for maps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import osmium

from roadsense.roads.extracts import RoadsFileError
from roadsense.roads.speed_limits import parse_maxspeed_kmh

DRIVABLE = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
"""OSM ``highway`` values a taxi may drive on."""


@dataclass(frozen=True)
class OsmWay:
    """One drivable OSM way with the nodes that have a location."""

    way_id: int
    tags: dict[str, str]
    nodes: tuple[int, ...]
    coords: tuple[tuple[float, float], ...]
    """(lon, lat) of each node, rounded to 7 decimals."""


@dataclass(frozen=True)
class RoadLine:
    """One OSM way that cars use."""

    osm_way_id: int
    highway: str
    name: str | None
    maxspeed_kmh: float | None
    coords: tuple[tuple[float, float], ...]
    """(lon, lat) pairs along the way."""


def _ways(path: Path) -> Iterator[OsmWay]:
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    for obj in processor:
        if not isinstance(obj, osmium.osm.Way):
            continue
        highway = obj.tags.get("highway")
        if highway not in DRIVABLE:
            continue
        if obj.tags.get("area") == "yes":
            continue
        nodes: list[int] = []
        coords: list[tuple[float, float]] = []
        for node in obj.nodes:
            if node.location.valid():
                nodes.append(int(node.ref))
                coords.append((round(node.lon, 7), round(node.lat, 7)))
        if len(nodes) >= 2:
            yield OsmWay(int(obj.id), {t.k: t.v for t in obj.tags}, tuple(nodes), tuple(coords))


def read_ways(path: Path) -> list[OsmWay]:
    """Every drivable way of an OSM ``.pbf``/``.osm`` file (areas left out).

    Raises :class:`RoadsFileError` for a missing, unreadable or road-less file.
    """
    path = Path(path)
    if not path.exists():
        raise RoadsFileError(f"OSM file not found: {path}")
    if not path.is_file():
        raise RoadsFileError(f"OSM file is not a file: {path}")
    try:
        ways = list(_ways(path))
    except (RuntimeError, ValueError, OSError) as exc:
        raise RoadsFileError(f"cannot read OSM file {path}: {exc}") from exc
    if not ways:
        raise RoadsFileError(f"no drivable roads in {path}")
    return ways


def read_roads(path: Path) -> list[RoadLine]:
    """Every drivable way of an OSM file with its node locations, as lines for maps."""
    return [
        RoadLine(
            osm_way_id=way.way_id,
            highway=way.tags["highway"],
            name=way.tags.get("name"),
            maxspeed_kmh=parse_maxspeed_kmh(way.tags.get("maxspeed")),
            coords=way.coords,
        )
        for way in read_ways(path)
    ]


@lru_cache(maxsize=4)
def roads_geojson(path: Path) -> dict[str, Any]:
    """The drivable roads of an OSM file as a GeoJSON FeatureCollection (cached)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in road.coords]},
                "properties": {
                    "osm_way_id": road.osm_way_id,
                    "highway": road.highway,
                    "name": road.name,
                    "maxspeed_kmh": road.maxspeed_kmh,
                },
            }
            for road in read_roads(path)
        ],
    }
