"""The city's map as the platform gets it: the OSM extract the simulation drove on, less
the speed limits of the ways where a planted sign is missing from the map.

A sign "missing" from the map stands where the map has no limit (``maxspeed``). In a city
whose busy streets all carry one in OSM (the Helsinki centre), the simulation plants it on
a busy street and hands the platform a copy of the extract without that street's
``maxspeed`` tags: the taxis drive by the street's real limit (SUMO's network is built
from the whole extract) and read the sign; the city's map, which the platform imports,
lacks the limit. Only tags change: every node, way and relation keeps its id, version and
geometry, so the platform's road network has the same ways as the simulator's.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import Final

import osmium

CITY_MAP_FILE: Final = "city_map.osm.pbf"
"""The city's map in a run's folder (written only when the run removes a limit)."""


def is_limit_tag(key: str) -> bool:
    """Whether an OSM tag states the way's speed limit (``maxspeed``, ``maxspeed:forward``,
    ``maxspeed:type`` ...): what a map that lacks the limit lacks."""
    return key == "maxspeed" or key.startswith("maxspeed:")


def write_city_map(source: Path, target: Path, unmapped_ways: Collection[int]) -> Path:
    """Copy the OSM file ``source`` to ``target`` (PBF) without the speed-limit tags of
    ``unmapped_ways``; raises ``ValueError`` naming the ways that ``source`` lacks."""
    drop = set(unmapped_ways)
    seen: set[int] = set()
    reader = osmium.io.Reader(str(source), osmium.osm.osm_entity_bits.NOTHING)
    header = reader.header()
    reader.close()
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    writer = osmium.SimpleWriter(osmium.io.File(str(partial), "pbf"), header=header)
    try:
        for obj in osmium.FileProcessor(str(source)):
            if isinstance(obj, osmium.osm.Way) and obj.id in drop:
                seen.add(obj.id)
                tags = {t.k: t.v for t in obj.tags if not is_limit_tag(t.k)}
                writer.add_way(obj.replace(tags=tags))
            else:
                writer.add(obj)
    finally:
        writer.close()
    if missing := sorted(drop - seen):
        partial.unlink(missing_ok=True)
        raise ValueError(f"{source} has no way {', '.join(map(str, missing))}")
    partial.replace(target)  # complete or absent
    return target
