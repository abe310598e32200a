"""Writing one section of docs/benchmarks.md (replaced in place when it is there)."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"


def machine() -> str:
    """The date and the machine, for the line under a section's heading."""
    load = f", load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    return (
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()}, {os.cpu_count() or 0} cores"
        f"{load}, Python {platform.python_version()}"
    )


def write_section(section: str) -> None:
    """Put ``section`` (starting ``## <title>``) into docs/benchmarks.md, replacing the
    section with the same title, or at the end."""
    marker = section.splitlines()[0]
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n\n"
    if f"\n{marker}\n" in text:
        head, _, rest = text.partition(f"\n{marker}\n")
        tail = rest[rest.find("\n## ") + 1 :] if "\n## " in rest else ""
        text = head + "\n" + section.rstrip("\n") + "\n" + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section.rstrip("\n") + "\n"
    DOC.write_text(text, encoding="utf-8")
