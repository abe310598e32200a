"""The road network of an OSM file, read once and kept beside its Valhalla tiles.

Reading and splitting the ways of a city's extract takes seconds; the result is kept as
JSON under the roadsense cache folder, keyed by the file's content digest and the
country of its speed limits, so a second run on the same extract reads it back in a
fraction of that, and a changed extract is read afresh.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any

from roadsense.progress import Progress
from roadsense.roads.network import RoadNetwork, read_network
from roadsense.store.roads_rows import Junction, Segment

FORMAT = 1
"""Bumped whenever what :func:`read_network` makes of a file changes."""


def cached_network(
    pbf: Path,
    digest: str,
    cache: Path,
    country: str | None = None,
    progress: Progress | None = None,
) -> RoadNetwork:
    """The network of ``pbf`` (content ``digest``), from ``cache`` when it is there."""
    target = cache / "network" / f"{digest}-{(country or 'auto').upper()}-v{FORMAT}.json"
    if target.is_file():
        try:
            return _load(pbf, json.loads(target.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError):
            pass  # a damaged cache entry is read again from the file
    network = read_network(pbf, country, progress)
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "country": network.country,
        "segments": [asdict(s) for s in network.segments],
        "junctions": [asdict(j) for j in network.junctions],
    }
    fd, tmp = tempfile.mkstemp(prefix=".network-", dir=target.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, separators=(",", ":"))
    Path(tmp).replace(target)
    return network


def _load(pbf: Path, data: dict[str, Any]) -> RoadNetwork:
    segments = [
        Segment(**{**s, "coords": tuple((c[0], c[1]) for c in s["coords"])})
        for s in data["segments"]
    ]
    junctions = [Junction(**{**j, "segments": tuple(j["segments"])}) for j in data["junctions"]]
    return RoadNetwork(source=pbf, country=data["country"], segments=segments, junctions=junctions)
