"""Drivable roads read from an OSM PBF/XML file, as GeoJSON for maps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import osmium

from roadsense.roads.extracts import RoadsFileError

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
class RoadLine:
    """One OSM way that cars use."""

    osm_way_id: int
    highway: str
    name: str | None
    maxspeed_kmh: float | None
    coords: tuple[tuple[float, float], ...]
    """(lon, lat) pairs along the way."""


def parse_maxspeed(value: str | None) -> float | None:
    """An OSM ``maxspeed`` tag in km/h (``"50"``, ``"30 mph"``); None when not numeric."""
    if not value:
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh)?\s*", value)
    if not match:
        return None
    speed = float(match.group(1))
    return speed * 1.609344 if match.group(2) == "mph" else speed


def read_roads(path: Path) -> list[RoadLine]:
    """Every drivable way of an OSM file with its node locations."""
    if not path.is_file():
        raise RoadsFileError(f"OSM file not found: {path}")
    roads: list[RoadLine] = []
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in processor:
            if not isinstance(way, osmium.osm.Way):
                continue
            highway = way.tags.get("highway")
            if highway not in DRIVABLE:
                continue
            coords = tuple(
                (round(node.lon, 7), round(node.lat, 7))
                for node in way.nodes
                if node.location.valid()
            )
            if len(coords) < 2:
                continue
            roads.append(
                RoadLine(
                    osm_way_id=way.id,
                    highway=str(highway),
                    name=way.tags.get("name"),
                    maxspeed_kmh=parse_maxspeed(way.tags.get("maxspeed")),
                    coords=coords,
                )
            )
    except RuntimeError as exc:
        raise RoadsFileError(f"cannot read OSM file {path}: {exc}") from exc
    if not roads:
        raise RoadsFileError(f"no drivable roads in {path}")
    return roads


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
