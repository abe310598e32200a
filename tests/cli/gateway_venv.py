"""A fresh virtual environment holding the gateway install alone (``pip install roadsense``).

Shared by ``tests/cli/test_gateway_install.py`` and ``bench/gateway_install_size.py``.
The package is built from a copy of ``pyproject.toml``, ``README.md`` and ``src/`` so that
the build leaves nothing in the working tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CITY_MODULES = ("numpy", "pandas", "duckdb", "fastapi", "uvicorn", "statsmodels", "scipy",
                "valhalla", "matplotlib", "pyarrow", "sumolib")  # fmt: skip
"""Libraries of the city platform, the simulator and the reports: none is in the gateway's
install."""


def clean_env() -> dict[str, str]:
    """The environment without this checkout's PYTHONPATH (the venv's own packages only)."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def build_gateway_venv(where: Path) -> Path:
    """Create ``where/venv`` and ``pip install`` roadsense with no extras (the versions of
    ``constraints.txt``); the venv's path."""
    source = where / "source"
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    venv = where / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True, env=clean_env())
    constraints = ROOT / "constraints.txt"  # the versions `make` installs, where pinned
    pinned = ["-c", str(constraints)] if constraints.is_file() else []
    subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", *pinned, str(source)],
        check=True,
        env=clean_env(),
        timeout=900,
    )
    return venv


def site_packages(venv: Path) -> Path:
    """The venv's site-packages folder."""
    found = sorted((venv / "lib").glob("python3*/site-packages"))
    assert found, f"no site-packages in {venv}"
    return found[0]


def installed(venv: Path, module: str) -> bool:
    """Whether ``module`` can be imported in the venv."""
    probe = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    done = subprocess.run([str(venv / "bin" / "python"), "-c", probe], env=clean_env())
    return done.returncode == 0
