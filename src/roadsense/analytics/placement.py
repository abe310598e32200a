"""Placing points (crashes) on road segments."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from roadsense.roads.geometry import LocalFrame, project
from roadsense.store.roads_rows import Segment

_CELL_M = 200.0


class SegmentIndex:
    """Nearest road segment to a point, through a grid of 200 m buckets."""

    def __init__(self, segments: Sequence[Segment]) -> None:
        if not segments:
            raise ValueError("no road segments: run `roadsense roads import` first")
        first = segments[0].coords[0]
        self.frame = LocalFrame(float(first[0]), float(first[1]))
        self._lines: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._grid: dict[tuple[int, int], list[str]] = defaultdict(list)
        for s in segments:
            coords = np.asarray(s.coords, dtype=np.float64)
            xs, ys = self.frame.to_xy(coords[:, 0], coords[:, 1])
            self._lines[s.segment_id] = (xs, ys)
            for gx in range(int(xs.min() // _CELL_M), int(xs.max() // _CELL_M) + 1):
                for gy in range(int(ys.min() // _CELL_M), int(ys.max() // _CELL_M) + 1):
                    self._grid[(gx, gy)].append(s.segment_id)

    def nearest(self, lon: float, lat: float, max_m: float = 30.0) -> tuple[str, float] | None:
        """(segment id, distance m) of the nearest segment within ``max_m``, else None."""
        px, py = (float(v) for v in self.frame.to_xy(lon, lat))
        if not (math.isfinite(px) and math.isfinite(py)):
            return None
        gx, gy = int(px // _CELL_M), int(py // _CELL_M)
        best: tuple[str, float] | None = None
        seen: set[str] = set()
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for seg in self._grid.get((gx + dx, gy + dy), ()):
                    if seg in seen:
                        continue
                    seen.add(seg)
                    xs, ys = self._lines[seg]
                    d = project(px, py, xs, ys).distance_m
                    if d <= max_m and (best is None or d < best[1]):
                        best = (seg, d)
        return best
