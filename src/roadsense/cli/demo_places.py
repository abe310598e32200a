"""Places named by their streets (OSM names): "Mannerheimintie at Kaivokatu".

The demo shows screened sites (cells, segments, junctions) to a person, who knows the
city by its streets, not by H3 cell ids. A :class:`PlaceNamer` is built once from the
stored road network (segments with their OSM ``name`` and junctions with the segments
meeting there) and names a point by the nearest junction (the two streets that cross
there) or, where no junction is near, by the nearest named street.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from roadsense.roads.geometry import LocalFrame
from roadsense.store.roads_rows import Junction, Segment

JUNCTION_RADIUS_M = 40.0
"""A point this close to a junction is named after the streets that cross there."""
STREET_RADIUS_M = 80.0
"""A point farther than this from every named street is named by its coordinates."""


class PlaceNamer:
    """Street names for points, segments and junctions of one road network."""

    def __init__(self, segments: Sequence[Segment], junctions: Sequence[Junction]) -> None:
        self._names = {s.segment_id: s.name for s in segments}
        self._junction_streets = {
            j.node_id: _distinct(self._names.get(s) for s in j.segments) for j in junctions
        }
        self._junctions = [j for j in junctions if self._junction_streets[j.node_id]]
        points = [(s, c) for s in segments if s.name for c in s.coords]
        lon0, lat0 = points[0][1] if points else (0.0, 0.0)
        self._frame = LocalFrame(lon0, lat0)
        self._point_names = [s.name or "" for s, _ in points]
        self._px, self._py = self._frame.to_xy(
            np.array([c[0] for _, c in points], dtype=np.float64),
            np.array([c[1] for _, c in points], dtype=np.float64),
        )
        self._jx, self._jy = self._frame.to_xy(
            np.array([j.lon for j in self._junctions], dtype=np.float64),
            np.array([j.lat for j in self._junctions], dtype=np.float64),
        )

    def junction(self, node_id: int) -> str | None:
        """``"A at B"`` for the named streets meeting at a junction (None: none named)."""
        return _at(self._junction_streets.get(node_id, []))

    def segment(self, segment_id: str) -> str | None:
        """The OSM name of a segment's way (None where the way has no name)."""
        return self._names.get(segment_id)

    def point(self, lon: float, lat: float) -> str:
        """The nearest junction's streets, else the nearest street, else the coordinates."""
        x, y = self._frame.to_xy(lon, lat)
        if self._junctions:
            d = np.hypot(self._jx - x, self._jy - y)
            i = int(np.argmin(d))
            if d[i] <= JUNCTION_RADIUS_M:
                named = self.junction(self._junctions[i].node_id)
                if named:
                    return named
        if self._point_names:
            d = np.hypot(self._px - x, self._py - y)
            i = int(np.argmin(d))
            if d[i] <= STREET_RADIUS_M:
                return self._point_names[i]
        return f"{lat:.5f}, {lon:.5f}"


def _distinct(names: Iterable[str | None]) -> list[str]:
    out: list[str] = []
    for name in names:
        if name and name not in out:
            out.append(name)
    return out


def _at(streets: list[str]) -> str | None:
    if not streets:
        return None
    if len(streets) == 1:
        return streets[0]
    return f"{streets[0]} at {streets[1]}"
