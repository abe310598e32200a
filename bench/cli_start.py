"""How long ``roadsense ... --help`` takes in a fresh process; into docs/benchmarks.md.

Run: ``.venv/bin/python bench/cli_start.py`` (or ``make bench``). Each command runs
``RUNS`` times, each in a new process; the median wall time is reported. Target: under
0.5 s for ``roadsense --help`` and ``roadsense edge run --help`` (issue 10).
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks_doc import ROOT, machine, write_section

RUNS = 5
COMMANDS = (
    ["--help"],
    ["edge", "run", "--help"],
    ["edge", "decode", "--help"],
    ["adas", "replay", "--help"],
    ["devices", "--help"],
    ["serve", "--help"],
)
ROADSENSE = str(Path(sys.executable).with_name("roadsense"))


def _child_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_ms(args: list[str]) -> tuple[float, float, float]:
    """Median and slowest wall time and median CPU time (user + system) of
    ``roadsense <args>``, in milliseconds."""
    wall, cpu = [], []
    for _ in range(RUNS):
        cpu0, start = _child_cpu_s(), time.perf_counter()
        subprocess.run([ROADSENSE, *args], cwd=ROOT, capture_output=True, check=True)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((_child_cpu_s() - cpu0) * 1000)
    return statistics.median(wall), max(wall), statistics.median(cpu)


def main() -> None:
    subprocess.run([ROADSENSE, "--help"], capture_output=True, check=True)  # warm the disk cache
    rows = []
    for args in COMMANDS:
        median, slowest, cpu = timed_ms(args)
        command = " ".join(args)
        figures = f"{median:,.0f} ms | {slowest:,.0f} ms | {cpu:,.0f} ms"
        rows.append(f"| `roadsense {command}` | {figures} |")
    section = "\n".join(
        [
            "## CLI start (`roadsense ... --help`)",
            "",
            f"Command: `.venv/bin/python bench/cli_start.py`, {machine()}. Each command "
            f"{RUNS} times, each in a fresh process; wall time, and CPU time (user + system, "
            "which other work on the machine barely changes). Target: `roadsense --help` and "
            "`roadsense edge run --help` under 500 ms (before subcommands were loaded lazily: "
            "about 6 s, statsmodels, scipy, pandas and matplotlib imported at every start).",
            "",
            "| command | median wall | slowest wall | median CPU |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
    write_section(section)
    print(section)


if __name__ == "__main__":
    main()
