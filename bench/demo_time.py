"""Time ``roadsense demo --no-serve`` (default fleet) and record it in docs/benchmarks.md.

Run: ``.venv/bin/python bench/demo_time.py`` (or ``make bench``); extra arguments go to
the demo (``bench/demo_time.py --vehicles 30 --hours 1``). The table has the wall time,
the stages, the load average before and after (other work on the machine slows it) and
the demo's found vs planted (``--json``).
"""

from __future__ import annotations

import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks_doc import write_section

ROOT = Path(__file__).resolve().parents[1]
WORKDIR = "var/bench-demo"
FOUND = ROOT / "var" / "bench-demo.json"
COMMAND = [
    str(Path(sys.executable).with_name("roadsense")),
    "demo",
    "--no-serve",
    "--workdir",
    WORKDIR,
    "--json",
    str(FOUND),
]


def main() -> None:
    extra = sys.argv[1:]
    load_before = os.getloadavg()
    start = time.monotonic()
    done = subprocess.run(
        COMMAND + extra,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={
            "COLUMNS": "120",
            "PATH": str(Path(sys.executable).parent),
            # a worktree sharing the venv times its own source tree
            **{k: v for k, v in os.environ.items() if k in ("PYTHONPATH", "HOME")},
        },
    )
    wall = time.monotonic() - start
    load_after = os.getloadavg()
    # CPU seconds of the demo and its children (decoders, server): not inflated by other
    # work on the machine, nor by the demo being paused, as the wall time is
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    if done.returncode != 0:
        sys.exit(f"the demo failed:\n{done.stdout}\n{done.stderr}")
    summary = next(line for line in done.stdout.splitlines() if "positions" in line)
    flat = " ".join(done.stdout.split())
    stages = re.search(r"done in [^)]*\)", flat)
    cpu_stages = re.search(r"CPU [^)]*\)", flat)
    found = json.loads(FOUND.read_text(encoding="utf-8"))
    km = max(float(found["vehicle_km"] or 0.0), 1e-9)
    per_100 = sum(found["events_by_type"].values()) * 100.0 / km
    ranks = ", ".join(f"{h['id']} {h['best_rank']}" for h in found["hazards"])
    speeds = found["speeds"]
    command = " ".join(["bench/demo_time.py", *extra])
    estimated = "; ".join(
        f"{r['event_type']} {r['rate_ratio']:.2f} ({r['ci_low']:.2f}-{r['ci_high']:.2f})"
        + ("" if r["planted_rate_ratio"] is None else f", planted {r['planted_rate_ratio']:.2f}")
        for r in found["rollout"]
        if r["rate_ratio"] is not None
    )
    section = "\n".join(
        [
            "## Demo end to end (`roadsense demo --no-serve`)",
            "",
            f"Command: `python {command}` (`make bench`), {datetime.now(UTC):%Y-%m-%d}, "
            f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}; "
            f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
            "(other work on the machine shares its cores). Target: under 150 s.",
            "",
            "| what | figure |",
            "|---|---|",
            f"| wall time, whole demo | {wall:.1f} s |",
            f"| CPU time, the demo and its children (user + system) | {cpu:.1f} s |",
            f"| stages, wall | {stages.group(0) if stages else '?'} |",
            f"| stages, CPU | {cpu_stages.group(0) if cpu_stages else '?'} |",
            f"| data | {summary.strip()} |",
            f"| warnings per 100 vehicle-km | {per_100:.1f} |",
            f"| planted hazards: best rank | {ranks} |",
            f"| speeds vs SUMO | {speeds['segments']} segments, mean abs error "
            f"{speeds['mean_abs_error_kmh']} km/h over {speeds['ways_compared']} ways |",
            f"| signs / potholes / device faults planted, found | "
            f"{found['signs']['planted']}/{found['signs']['found']}, "
            f"{found['potholes']['planted']}/{found['potholes']['found']}, "
            f"{found['devices']['planted_faults']}/{found['devices']['flagged']} |",
            f"| roll-out rate ratios (95 % interval) | {estimated or 'none estimated'} |",
            "",
        ]
    )
    write_section(section)
    print(section)


def _cores() -> int:
    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
