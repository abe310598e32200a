"""One call of Valhalla's map matching (``trace_attributes``) and what it returns.

The answer is turned into a path in local metres: the matched polyline with each
Valhalla edge's stretch of it (``s`` from the path's start, metres) and, for every input
point, Valhalla's own place on the path.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from valhalla import Actor, ValhallaError

from roadsense.roads.geometry import Floats, LocalFrame
from roadsense.roads.trips import TracePoint

_ATTRIBUTES = [
    "shape",
    "edge.way_id",
    "edge.begin_shape_index",
    "edge.end_shape_index",
    "matched.type",
    "matched.edge_index",
    "matched.distance_along_edge",
    "matched.distance_from_trace_point",
    "matched.begin_route_discontinuity",
    "matched.end_route_discontinuity",
]


@dataclass(frozen=True)
class ValhallaOptions:
    """What is sent with each request (``None``: Valhalla's own default)."""

    gps_accuracy_m: float | None = None
    search_radius_m: float | None = None
    turn_penalty_factor: float | None = None
    interpolation_distance_m: float | None = None
    """Fixes closer than this to the previous one are interpolated, not matched (faster)."""
    breakage_distance_m: float | None = None
    """Fixes farther apart than this are not joined by a route."""
    use_timestamps: bool = True

    def trace_options(self) -> dict[str, float]:
        """The request's ``trace_options``."""
        out: dict[str, float] = {}
        if self.gps_accuracy_m is not None:
            out["gps_accuracy"] = self.gps_accuracy_m
        if self.search_radius_m is not None:
            out["search_radius"] = self.search_radius_m
        if self.turn_penalty_factor is not None:
            out["turn_penalty_factor"] = self.turn_penalty_factor
        if self.interpolation_distance_m is not None:
            out["interpolation_distance"] = self.interpolation_distance_m
        if self.breakage_distance_m is not None:
            out["breakage_distance"] = self.breakage_distance_m
        return out


@dataclass
class ValhallaPath:
    """Valhalla's matched path for one trip, in local metres."""

    x: Floats
    y: Floats
    s: Floats
    """Distance along the path at each shape point."""
    edge_way: list[int]
    edge_start: Floats
    """``s`` where each edge starts."""
    edge_end: Floats
    point_edge: list[int | None]
    """Valhalla's edge index for each input point (None: not matched)."""
    point_s: Floats
    """Valhalla's place of each input point on the path (NaN: not matched)."""
    point_piece: list[int]
    """Continuous pieces of the path: a discontinuity starts a new piece."""
    extra: dict[str, Any] = field(default_factory=dict)


def decode_polyline6(text: str) -> list[tuple[float, float]]:
    """(lon, lat) pairs of an encoded polyline with 6 decimals (Valhalla's ``shape``)."""
    coords: list[tuple[float, float]] = []
    index = lat = lon = 0
    length = len(text)
    while index < length:
        deltas = []
        for _ in range(2):
            shift = result = 0
            while True:
                byte = ord(text[index]) - 63
                index += 1
                result |= (byte & 0x1F) << shift
                shift += 5
                if byte < 0x20:
                    break
            deltas.append(~(result >> 1) if result & 1 else result >> 1)
        lat += deltas[0]
        lon += deltas[1]
        coords.append((lon / 1e6, lat / 1e6))
    return coords


class ValhallaClient:
    """A Valhalla actor over cached tiles; safe to share between threads."""

    def __init__(self, config_file: Path) -> None:
        self._config_file = Path(config_file)
        self._local = threading.local()

    def _actor(self) -> Actor:
        actor: Actor | None = getattr(self._local, "actor", None)
        if actor is None:
            actor = Actor(str(self._config_file))
            self._local.actor = actor
        return actor

    def trace(self, points: list[TracePoint], options: ValhallaOptions) -> dict[str, Any] | None:
        """Valhalla's ``trace_attributes`` answer, or None when nothing could be matched."""
        shape = [{"lat": p.lat, "lon": p.lon, "time": p.ts} for p in points]
        request: dict[str, Any] = {
            "shape": shape,
            "costing": "auto",
            "shape_match": "map_snap",
            "filters": {"attributes": _ATTRIBUTES, "action": "include"},
        }
        if options.use_timestamps:
            request["use_timestamps"] = True
        trace_options = options.trace_options()
        if trace_options:
            request["trace_options"] = trace_options
        try:
            answer: dict[str, Any] = json.loads(self._actor().trace_attributes(json.dumps(request)))
        except ValhallaError:
            return None
        return answer


def to_path(answer: dict[str, Any], n_points: int, frame: LocalFrame) -> ValhallaPath | None:
    """The path of a ``trace_attributes`` answer in ``frame``; None if it has none."""
    edges = answer.get("edges") or []
    shape = answer.get("shape")
    if not edges or not shape:
        return None
    coords = np.asarray(decode_polyline6(shape), dtype=np.float64)
    x, y = frame.to_xy(coords[:, 0], coords[:, 1])
    s = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(x), np.diff(y)))])
    last = len(s) - 1
    start = np.array([s[min(int(e.get("begin_shape_index", 0)), last)] for e in edges])
    end = np.array([s[min(int(e.get("end_shape_index", 0)), last)] for e in edges])
    ways = [int(e.get("way_id", 0)) for e in edges]
    point_edge: list[int | None] = []
    point_s = np.full(n_points, np.nan)
    pieces: list[int] = []
    piece = 0
    matched = answer.get("matched_points") or []
    for k in range(n_points):
        mp = matched[k] if k < len(matched) else {}
        if mp.get("begin_route_discontinuity") and k > 0:
            piece += 1
        pieces.append(piece)
        index = mp.get("edge_index")
        if mp.get("type", "unmatched") != "unmatched" and index is not None and index < len(edges):
            frac = float(mp.get("distance_along_edge", 0.0))
            point_edge.append(int(index))
            point_s[k] = start[index] + frac * (end[index] - start[index])
        else:
            point_edge.append(None)
        if mp.get("end_route_discontinuity"):
            piece += 1
    return ValhallaPath(x, y, s, ways, start, end, point_edge, point_s, pieces)
