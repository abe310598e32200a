"""Road assets from the fleet's cameras: signs, sign-vs-map differences, lanes, potholes.

- Sign inventory: speed-limit sightings (``SignSighting``) of the same value within
  ``radius_m`` of each other are one sign, placed at their mean; its confidence grows
  with the distinct vehicles that saw it: ``1 - 0.5 ** vehicles``. A sign needs
  ``min_vehicles`` (default 2) distinct vehicles.
- Sign vs map: each sign's value against the speed limit of the segment the vehicles
  were on when they read it (the map's ``maxspeed``, or the default by class): every
  difference, for the city's sign or map team.
- Lane markings: per segment, the mean quality (0 not seen to 3 clear) of the lane
  samples and the share of worn samples (quality 0-1 where a marking is expected);
  ``worn`` when that share is at least one half. Needs ``min_vehicles`` (default 5).
- Potholes: POTHOLE events within ``radius_m`` of each other, seen by at least
  ``min_vehicles`` (default 2) distinct vehicles, placed at the mean of their road
  positions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from statistics import mean
from typing import Any

import numpy as np

from roadsense.roads.geometry import LocalFrame
from roadsense.store import RoadStore
from roadsense.store.roads_rows import DEFAULT_LIMIT, Segment

NO_MARKING = frozenset({"none", "road_edge", "barrier", "unknown"})
"""Lane sample types that say nothing about a painted marking's wear."""


@dataclass(frozen=True)
class Sign:
    """One sign of the inventory."""

    sign_id: str
    sign_type: str
    value: float
    lon: float
    lat: float
    sightings: int
    vehicles: int
    confidence: float
    segment_id: str | None


@dataclass(frozen=True)
class SignMismatch:
    """A sign the map disagrees with: its value differs from the map's limit where it
    stands, or the map has no limit there (``map_limit_source`` ``default``: the road
    class's limit, whatever the sign says; the map should carry the signed one)."""

    sign: Sign
    segment_id: str
    osm_way_id: int
    map_limit_kmh: float
    map_limit_source: str
    road_name: str | None


@dataclass(frozen=True)
class LaneQuality:
    """Lane-marking quality on one segment."""

    segment_id: str
    samples: int
    vehicles: int
    mean_quality: float
    worn_share: float
    worn: bool


@dataclass(frozen=True)
class Pothole:
    """A pothole confirmed by several vehicles."""

    pothole_id: str
    lon: float
    lat: float
    reports: int
    vehicles: int
    segment_id: str | None


def _clusters(lon: list[float], lat: list[float], radius_m: float) -> list[list[int]]:
    """Groups of points chained within ``radius_m`` (single linkage, grid-bucketed)."""
    if not lon:
        return []
    frame = LocalFrame(float(np.mean(lon)), float(np.mean(lat)))
    xs, ys = frame.to_xy(np.asarray(lon), np.asarray(lat))
    parent = list(range(len(lon)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        cx, cy = int(x // radius_m), int(y // radius_m)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cells.get((cx + dx, cy + dy), ()):
                    if (xs[i] - xs[j]) ** 2 + (ys[i] - ys[j]) ** 2 <= radius_m**2:
                        parent[find(i)] = find(j)
        cells[(cx, cy)].append(i)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(lon)):
        groups[find(i)].append(i)
    return sorted(groups.values(), key=lambda g: min(g))


def sign_inventory(store: RoadStore, min_vehicles: int = 2, radius_m: float = 30.0) -> list[Sign]:
    """Speed-limit signs clustered from many sightings (see the module docstring)."""
    by_value: dict[float, list[int]] = defaultdict(list)
    sightings = [
        s
        for s in store.placed_signs("speed_limit")
        if s.value is not None and s.lat is not None and s.lon is not None
    ]
    for i, s in enumerate(sightings):
        assert s.value is not None
        by_value[s.value].append(i)
    signs: list[Sign] = []
    for value, members in sorted(by_value.items()):
        lon = [float(sightings[i].lon or 0.0) for i in members]
        lat = [float(sightings[i].lat or 0.0) for i in members]
        for group in _clusters(lon, lat, radius_m):
            rows = [sightings[members[k]] for k in group]
            vehicles = len({r.vehicle_id for r in rows})
            if vehicles < min_vehicles:
                continue
            segments = Counter(r.segment_id for r in rows if r.segment_id)
            clon, clat = mean(lon[k] for k in group), mean(lat[k] for k in group)
            signs.append(
                Sign(
                    sign_id=f"speed_limit:{value:g}:{clat:.5f},{clon:.5f}",
                    sign_type="speed_limit",
                    value=value,
                    lon=round(clon, 7),
                    lat=round(clat, 7),
                    sightings=len(rows),
                    vehicles=vehicles,
                    confidence=round(1.0 - 0.5**vehicles, 4),
                    segment_id=segments.most_common(1)[0][0] if segments else None,
                )
            )
    return signs


def sign_mismatches(
    signs: list[Sign], segments: list[Segment], tolerance_kmh: float = 0.5
) -> list[SignMismatch]:
    """Every sign whose value differs from the map's limit on its segment, and every sign
    on a segment whose limit the map lacks (only the class's default)."""
    by_id = {s.segment_id: s for s in segments}
    out = []
    for sign in signs:
        seg = by_id.get(sign.segment_id or "")
        if seg is None:
            continue
        agrees = abs(sign.value - seg.speed_limit_kmh) <= tolerance_kmh
        if agrees and seg.speed_limit_source != DEFAULT_LIMIT:
            continue
        out.append(
            SignMismatch(
                sign,
                seg.segment_id,
                seg.osm_way_id,
                seg.speed_limit_kmh,
                seg.speed_limit_source,
                seg.name,
            )
        )
    return out


def lane_quality(store: RoadStore, min_vehicles: int = 5) -> list[LaneQuality]:
    """Lane-marking quality per segment (see the module docstring)."""
    quality: dict[str, list[int]] = defaultdict(list)
    worn: dict[str, int] = defaultdict(int)
    who: dict[str, set[str]] = defaultdict(set)
    for lane in store.placed_lanes():
        if lane.segment_id is None or lane.marking_type in NO_MARKING:
            continue
        quality[lane.segment_id].append(lane.quality)
        worn[lane.segment_id] += lane.quality <= 1
        who[lane.segment_id].add(lane.vehicle_id)
    out = []
    for seg, values in sorted(quality.items()):
        if len(who[seg]) < min_vehicles:
            continue
        share = worn[seg] / len(values)
        out.append(
            LaneQuality(
                seg,
                len(values),
                len(who[seg]),
                round(mean(values), 3),
                round(share, 4),
                share >= 0.5,
            )
        )
    return out


def potholes(store: RoadStore, min_vehicles: int = 2, radius_m: float = 15.0) -> list[Pothole]:
    """POTHOLE events confirmed by at least ``min_vehicles`` distinct vehicles."""
    events = [e for e in store.placed_events(["POTHOLE"]) if e.lat is not None or e.matched]
    lon = [float(e.road_lon if e.road_lon is not None else e.lon or 0.0) for e in events]
    lat = [float(e.road_lat if e.road_lat is not None else e.lat or 0.0) for e in events]
    out = []
    for group in _clusters(lon, lat, radius_m):
        rows = [events[k] for k in group]
        vehicles = len({r.vehicle_id for r in rows})
        if vehicles < min_vehicles:
            continue
        clon, clat = mean(lon[k] for k in group), mean(lat[k] for k in group)
        segments = Counter(r.segment_id for r in rows if r.segment_id)
        out.append(
            Pothole(
                pothole_id=f"pothole:{clat:.5f},{clon:.5f}",
                lon=round(clon, 7),
                lat=round(clat, 7),
                reports=len(rows),
                vehicles=vehicles,
                segment_id=segments.most_common(1)[0][0] if segments else None,
            )
        )
    return out


def _point(lon: float, lat: float, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


def signs_geojson(signs: list[Sign]) -> dict[str, Any]:
    """The sign inventory as GeoJSON points."""
    return {
        "type": "FeatureCollection",
        "features": [_point(s.lon, s.lat, asdict(s)) for s in signs],
    }


def mismatches_geojson(rows: list[SignMismatch]) -> dict[str, Any]:
    """Sign-vs-map differences as GeoJSON points (at the sign)."""
    features = []
    for m in rows:
        props = {f"sign_{k}": v for k, v in asdict(m.sign).items()}
        props.update(
            segment_id=m.segment_id,
            osm_way_id=m.osm_way_id,
            map_limit_kmh=m.map_limit_kmh,
            map_limit_source=m.map_limit_source,
            road_name=m.road_name,
        )
        features.append(_point(m.sign.lon, m.sign.lat, props))
    return {"type": "FeatureCollection", "features": features}


def lanes_geojson(rows: list[LaneQuality], segments: list[Segment]) -> dict[str, Any]:
    """Lane-marking quality as GeoJSON lines."""
    lines = {s.segment_id: [list(c) for c in s.coords] for s in segments}
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": lines[r.segment_id]}
                if r.segment_id in lines
                else None,
                "properties": asdict(r),
            }
            for r in rows
        ],
    }


def potholes_geojson(rows: list[Pothole]) -> dict[str, Any]:
    """Confirmed potholes as GeoJSON points."""
    return {
        "type": "FeatureCollection",
        "features": [_point(p.lon, p.lat, asdict(p)) for p in rows],
    }
