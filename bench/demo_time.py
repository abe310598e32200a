"""Time ``roadsense demo --no-serve`` (default fleet) and record it in docs/benchmarks.md.

Run: ``.venv/bin/python bench/demo_time.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
COMMAND = [
    str(Path(sys.executable).with_name("roadsense")),
    "demo",
    "--no-serve",
    "--workdir",
    "var/bench-demo",
]


def main() -> None:
    start = time.monotonic()
    done = subprocess.run(
        COMMAND,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"COLUMNS": "120", "PATH": str(Path(sys.executable).parent)},
    )
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit(f"the demo failed:\n{done.stdout}\n{done.stderr}")
    summary = next(line for line in done.stdout.splitlines() if "positions" in line)
    stages = re.search(r"done in .*", done.stdout)
    found = done.stdout.count("│ yes")
    section = "\n".join(
        [
            "## Demo end to end (`roadsense demo --no-serve`)",
            "",
            f"Command: `make bench` (`python bench/demo_time.py`), {datetime.now(UTC):%Y-%m-%d}, "
            f"{platform.machine()}, {_cores()} cores, Python {platform.python_version()}.",
            "",
            "| what | figure |",
            "|---|---|",
            f"| wall time, whole demo (floor: under 180 s) | {wall:.1f} s |",
            f"| stages | {stages.group(0) if stages else '?'} |",
            f"| data | {summary.strip()} |",
            f"| planted hazards found in the top 5 | {found} |",
            "",
        ]
    )
    _write_section(section)
    print(section)


def _cores() -> int:
    return os.cpu_count() or 0


def _write_section(section: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    marker = "## Demo end to end"
    if marker in text:
        head, _, rest = text.partition(marker)
        tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    DOC.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
