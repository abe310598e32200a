"""The size of the gateway install alone (``pip install roadsense``, no extras).

Run: ``.venv/bin/python bench/gateway_install_size.py`` (needs the package registry).
Builds a fresh venv as ``tests/cli/test_gateway_install.py`` does, measures its
site-packages and writes the figure into docs/benchmarks.md. Aim: under 60 MB.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks_doc import ROOT, machine, write_section

sys.path.insert(0, str(ROOT))
from tests.cli.gateway_venv import build_gateway_venv, clean_env, site_packages


def size_mb(path: Path) -> float:
    """Bytes on disk under ``path`` (``du``), in MB."""
    done = subprocess.run(["du", "-sk", str(path)], capture_output=True, text=True, check=True)
    return int(done.stdout.split()[0]) / 1024


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        venv = build_gateway_venv(Path(tmp))
        packages = site_packages(venv)
        total = size_mb(packages)
        pip = sum(size_mb(p) for p in packages.glob("pip*"))
        biggest = sorted(
            ((size_mb(p), p.name) for p in packages.iterdir() if p.is_dir() and "." not in p.name),
            reverse=True,
        )[:6]
        listed = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            capture_output=True, text=True, check=True, env=clean_env(),
        ).stdout.split()  # fmt: skip
    section = "\n".join(
        [
            "## Gateway install alone (`pip install roadsense`)",
            "",
            f"Command: `.venv/bin/python bench/gateway_install_size.py`, {machine()}: a fresh "
            "venv, `pip install` of this checkout with no extras, `du -sk` of its site-packages. "
            "Aim: under 60 MB (the full install, `.[dev]`, is about 2.4 GB).",
            "",
            "| what | figure |",
            "|---|---|",
            f"| site-packages, all of it | {total:.1f} MB |",
            f"| of which pip itself (the venv's tool, not the gateway's) | {pip:.1f} MB |",
            "| largest | "
            + ", ".join(f"{name} {mb:.1f} MB" for mb, name in biggest if not name.startswith("pip"))
            + " |",
            f"| distributions | {len(listed)}: "
            + ", ".join(x.split("==")[0] for x in listed)
            + " |",
            "",
        ]
    )
    write_section(section)
    print(section)


if __name__ == "__main__":
    main()
