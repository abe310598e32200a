"""Plain Valhalla as a new user would run it: pyvalhalla, default request options.

One ``trace_attributes`` request per vehicle (``costing: auto``, ``shape_match:
map_snap``, nothing else), each fix's OSM way read from its matched edge. As a script it
is the end-to-end comparison for ``roadsense match``: read a trace CSV, match it, write
``vehicle_id, ts, osm_way_id`` (``python bench/mm_raw_valhalla.py CONFIG IN.csv OUT.csv``).
"""

from __future__ import annotations

import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from valhalla import Actor, ValhallaError


def match_ways(actor: Actor, lats: list[float], lons: list[float]) -> list[int]:
    """Each fix's OSM way (-1: not matched) with Valhalla's default options."""
    request = {
        "shape": [{"lat": la, "lon": lo} for la, lo in zip(lats, lons, strict=True)],
        "costing": "auto",
        "shape_match": "map_snap",
        "filters": {
            "attributes": ["edge.way_id", "matched.edge_index", "matched.type"],
            "action": "include",
        },
    }
    try:
        answer: dict[str, Any] = json.loads(actor.trace_attributes(json.dumps(request)))
    except ValhallaError:
        return [-1] * len(lats)
    edges = answer.get("edges") or []
    out = []
    for mp in answer.get("matched_points") or []:
        k = mp.get("edge_index")
        ok = mp.get("type") != "unmatched" and k is not None and k < len(edges)
        out.append(int(edges[k].get("way_id", -1)) if ok else -1)
    return out + [-1] * (len(lats) - len(out))


def main() -> None:
    config, source, target = sys.argv[1:4]
    actor = Actor(config)
    rows: dict[str, list[tuple[str, float, float]]] = defaultdict(list)
    with Path(source).open(newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["vehicle_id"]].append((row["ts"], float(row["lat"]), float(row["lon"])))
    with Path(target).open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["vehicle_id", "ts", "osm_way_id"])
        for vid, fixes in rows.items():
            fixes.sort(key=lambda r: float(r[0]))
            ways = match_ways(actor, [f[1] for f in fixes], [f[2] for f in fixes])
            writer.writerows((vid, f[0], w) for f, w in zip(fixes, ways, strict=True))


if __name__ == "__main__":
    main()
