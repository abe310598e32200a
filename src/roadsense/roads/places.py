"""Places named by their streets (OSM names): "Mannerheimintie at Kaivokatu".

Screened sites (cells, segments, junctions) are shown to people who know the city by its
streets, not by H3 cell ids. A :class:`PlaceNamer` is built once from the stored road
network (segments with their OSM ``name`` and junctions with the segments meeting there)
and names a point by the nearest junction (the two streets that cross there) or, where no
junction is near, by the nearest named street. The CLI, the demo, the API (``place`` on
every hotspot) and the monthly report all name places here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from scipy.spatial import cKDTree

from roadsense.roads.geometry import LocalFrame
from roadsense.store import RoadStore
from roadsense.store.roads_rows import Junction, Segment

JUNCTION_RADIUS_M = 60.0
"""A point this close to a junction is named after the streets that cross there: a
hotspot's H3 cell (resolution 10, about 66 m from centre to corner) that holds a junction
is named by it."""
STREET_RADIUS_M = 80.0
"""A point farther than this from every named street is named by its coordinates."""
SAMPLE_M = 10.0
"""Streets are sampled this often along their lines (not only at their OSM nodes), so a
point beside a long straight stretch finds it."""


class PlaceNamer:
    """Street names for points, segments and junctions of one road network."""

    def __init__(self, segments: Sequence[Segment], junctions: Sequence[Junction]) -> None:
        self._names = {s.segment_id: s.name for s in segments}
        self._junction_streets = {
            j.node_id: _distinct(self._names.get(s) for s in j.segments) for j in junctions
        }
        self._junctions = [j for j in junctions if self._junction_streets[j.node_id]]
        named = [s for s in segments if s.name and s.coords]
        lon0, lat0 = named[0].coords[0] if named else (0.0, 0.0)
        self._frame = LocalFrame(lon0, lat0)
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        self._point_names: list[str] = []
        for s in named:
            x, y = _along(
                *self._frame.to_xy(
                    np.array([c[0] for c in s.coords]), np.array([c[1] for c in s.coords])
                )
            )
            xs.append(x)
            ys.append(y)
            self._point_names.extend([s.name or ""] * len(x))
        px = np.concatenate(xs) if xs else np.empty(0)
        py = np.concatenate(ys) if ys else np.empty(0)
        points = self._point_names
        jx, jy = self._frame.to_xy(
            np.array([j.lon for j in self._junctions], dtype=np.float64),
            np.array([j.lat for j in self._junctions], dtype=np.float64),
        )
        self._street_tree = cKDTree(np.column_stack([px, py])) if points else None
        self._junction_tree = cKDTree(np.column_stack([jx, jy])) if self._junctions else None

    @classmethod
    def of(cls, store: RoadStore) -> PlaceNamer:
        """The namer of the store's road network (empty when it has none)."""
        return cls(store.road_segments(), store.road_junctions())

    def junction(self, node_id: int) -> str | None:
        """``"A at B"`` for the named streets meeting at a junction (None: none named)."""
        return _at(self._junction_streets.get(node_id, []))

    def segment(self, segment_id: str) -> str | None:
        """The OSM name of a segment's way (None where the way has no name)."""
        return self._names.get(segment_id)

    def point(self, lon: float, lat: float) -> str:
        """The nearest junction's streets, else the nearest street, else the coordinates."""
        x, y = self._frame.to_xy(lon, lat)
        if self._junction_tree is not None:
            d, i = self._junction_tree.query((float(x), float(y)))
            if d <= JUNCTION_RADIUS_M:
                named = self.junction(self._junctions[int(i)].node_id)
                if named:
                    return named
        if self._street_tree is not None:
            d, i = self._street_tree.query((float(x), float(y)))
            if d <= STREET_RADIUS_M:
                return self._point_names[int(i)]
        return f"{lat:.5f}, {lon:.5f}"


def _along(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points every :data:`SAMPLE_M` or less along a polyline (its vertices included)."""
    if len(x) < 2:
        return x, y
    out_x, out_y = [x[:1]], [y[:1]]
    for i in range(len(x) - 1):
        steps = max(1, int(np.ceil(np.hypot(x[i + 1] - x[i], y[i + 1] - y[i]) / SAMPLE_M)))
        f = np.arange(1, steps + 1) / steps
        out_x.append(x[i] + f * (x[i + 1] - x[i]))
        out_y.append(y[i] + f * (y[i + 1] - y[i]))
    return np.concatenate(out_x), np.concatenate(out_y)


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
