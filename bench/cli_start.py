"""How long ``roadsense ... --help`` takes in a fresh process; into docs/benchmarks.md.

Run: ``.venv/bin/python bench/cli_start.py`` (or ``make bench``). Each command runs
``RUNS`` times, each in a new process; the median wall time is reported. Target: under
0.5 s for ``roadsense --help`` and ``roadsense edge run --help`` (issue 10).
"""

from __future__ import annotations

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


def median_ms(args: list[str]) -> tuple[float, float]:
    """Median and slowest wall time of ``roadsense <args>``, in milliseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run([ROADSENSE, *args], cwd=ROOT, capture_output=True, check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    subprocess.run([ROADSENSE, "--help"], capture_output=True, check=True)  # warm the disk cache
    rows = []
    for args in COMMANDS:
        median, slowest = median_ms(args)
        rows.append(f"| `roadsense {' '.join(args)}` | {median:,.0f} ms | {slowest:,.0f} ms |")
    section = "\n".join(
        [
            "## CLI start (`roadsense ... --help`)",
            "",
            f"Command: `.venv/bin/python bench/cli_start.py`, {machine()}. Each command "
            f"{RUNS} times, each in a fresh process; wall time. Target: `roadsense --help` and "
            "`roadsense edge run --help` under 500 ms (before subcommands were loaded lazily: "
            "about 6 s, statsmodels, scipy, pandas and matplotlib imported at every start).",
            "",
            "| command | median | slowest |",
            "|---|---|---|",
            *rows,
            "",
        ]
    )
    write_section(section)
    print(section)


if __name__ == "__main__":
    main()
