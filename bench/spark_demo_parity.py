"""The demo's store analysed by DuckDB and by Spark over its lake: same answers, and the time.

Run after ``roadsense demo --no-serve`` (its store at ``var/demo/roadsense.duckdb``):
``nice .venv/bin/python bench/spark_demo_parity.py --store var/demo/roadsense.duckdb
--write``. The lake is exported into a fresh folder (then once more, to time an export
that has nothing to add); both analyses run as the CLI a user runs (new processes, the
JVM's start included); the ranked sites and every CSV both write are compared.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks_doc import machine, write_section

TITLE = "## Spark and DuckDB on the demo's store (`bench/spark_demo_parity.py`)"
CSVS = (
    "screening_cells.csv",
    "screening_segments.csv",
    "screening_junctions.csv",
    "speeds_segments.csv",
    "clusters.csv",
    "scores.csv",
)


def roadsense(*args: str) -> float:
    """Run the CLI; its wall seconds."""
    exe = Path(sys.executable).with_name("roadsense")
    started = time.perf_counter()
    done = subprocess.run([str(exe), *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"roadsense {' '.join(args)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return time.perf_counter() - started


def largest_relative_difference(left: Path, right: Path) -> tuple[int, int, float]:
    """Rows, text cells that differ, and the largest relative difference of numbers."""
    with left.open() as f:
        a = list(csv.reader(f))
    with right.open() as f:
        b = list(csv.reader(f))
    if len(a) != len(b) or a[:1] != b[:1]:
        return len(a) - 1, -1, math.inf
    text, worst = 0, 0.0
    for ra, rb in zip(a[1:], b[1:], strict=True):
        for x, y in zip(ra, rb, strict=True):
            if x == y:
                continue
            try:
                fx, fy = float(x), float(y)
            except ValueError:
                text += 1
                continue
            worst = max(worst, abs(fx - fy) / max(abs(fx), abs(fy), 1e-300))
    return len(a) - 1, text, worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--store", type=Path, default=Path("var/demo/roadsense.duckdb"))
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md")
    args = parser.parse_args()
    if not args.store.exists():
        sys.exit(f"no store at {args.store}: run `roadsense demo --no-serve` first")
    with tempfile.TemporaryDirectory(prefix="spark-demo-") as tmp:
        root = Path(tmp)
        store = root / "roadsense.duckdb"
        store.write_bytes(args.store.read_bytes())  # the runs are recorded: not in the demo's
        lake = str(root / "lake")
        export_s = roadsense("lake", "export", "--to", lake, "--store", str(store))
        again_s = roadsense("lake", "export", "--to", lake, "--store", str(store))
        base = ["analyze", "--store", str(store)]
        duck_s = roadsense(*base, "--out", str(root / "a"), "--json", str(root / "a.json"))
        spark_s = roadsense(
            *base,
            "--out",
            str(root / "b"),
            "--json",
            str(root / "b.json"),
            "--engine",
            "spark",
            "--lake",
            lake,
        )
        a = json.loads((root / "a.json").read_text())["sites"]
        b = json.loads((root / "b.json").read_text())["sites"]
        key = [(s["kind"], s["id"], s["rank"], s["observed"]) for s in a]
        same_sites = key == [(s["kind"], s["id"], s["rank"], s["observed"]) for s in b]
        worst_site = max(
            (
                abs(x[f] - y[f]) / max(abs(x[f]), abs(y[f]), 1e-300)
                for x, y in zip(a, b, strict=False)
                for f in ("expected", "excess")
            ),
            default=0.0,
        )
        kinds = Counter(s["kind"] for s in a)
        tables = {
            name: largest_relative_difference(root / "a" / name, root / "b" / name)
            for name in CSVS
            if (root / "a" / name).exists() and (root / "b" / name).exists()
        }
    load = os.getloadavg()[0]
    lines = [
        TITLE,
        "",
        f"Command: `nice .venv/bin/python bench/spark_demo_parity.py --store {args.store}"
        f" --write`, {machine()} (at the end: {load:.1f}). Both engines on the same"
        " cores, one after the other.",
        "",
        "| step | seconds |",
        "|---|---|",
        f"| `roadsense lake export` (fresh lake) | {export_s:.1f} |",
        f"| `roadsense lake export` again (nothing to add) | {again_s:.1f} |",
        f"| `roadsense analyze` (DuckDB) | {duck_s:.1f} |",
        f"| `roadsense analyze --engine spark` (`local[2]`, JVM start included) | {spark_s:.1f} |",
        f"| Spark / DuckDB | {spark_s / duck_s:.2f} |",
        "",
        f"Ranked sites: {kinds['cell']} cells, {kinds['segment']} segments, "
        f"{kinds['junction']} junctions; same ids, ranks and counts on both engines: "
        f"{'yes' if same_sites else 'NO'}; largest relative difference of expected and "
        f"excess {worst_site:.1e}.",
        "",
        "| file | rows | text cells that differ | largest relative difference |",
        "|---|---|---|---|",
        *[f"| {n} | {r} | {t} | {w:.1e} |" for n, (r, t, w) in tables.items()],
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write:
        write_section(text)
    if not same_sites or any(t != 0 or w > 1e-9 for _, t, w in tables.values()):
        sys.exit("the engines disagree")


if __name__ == "__main__":
    main()
