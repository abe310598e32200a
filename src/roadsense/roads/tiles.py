"""Valhalla routing tiles built from an OSM file with the tools shipped in pyvalhalla.

Tiles are cached under the roadsense cache folder, keyed by the file's content hash and
Valhalla's version, so the same extract is built once. A build goes to a temporary
folder that is renamed into place only when it succeeded.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import valhalla
from valhalla import get_config

from roadsense.roads.extracts import RoadsFileError

CACHE_ENV = "ROADSENSE_CACHE_DIR"
"""Environment variable naming the cache folder (default ``~/.cache/roadsense``)."""

CONFIG_FILE = "valhalla.json"
BUILD_MARKER = "build.json"
"""Written by each tile build (source name, a fresh ``build_id``, Valhalla's version)."""


def cache_root() -> Path:
    """The roadsense cache folder."""
    env = os.environ.get(CACHE_ENV)
    return Path(env) if env else Path.home() / ".cache" / "roadsense"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content (hex, first 16 characters)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def _tool(name: str) -> Path:
    tool = Path(valhalla.__file__).parent / "bin" / name
    if not tool.is_file():
        raise RoadsFileError(f"pyvalhalla's {name} is missing from {tool.parent}")
    return tool


def valhalla_config(tile_dir: Path) -> dict[str, Any]:
    """Valhalla's default configuration, reading tiles from ``tile_dir``."""
    config: dict[str, Any] = get_config(tile_extract="", tile_dir=tile_dir)
    config["mjolnir"]["tile_extract"] = ""
    config["mjolnir"]["traffic_extract"] = ""
    config["mjolnir"]["admin"] = ""
    config["mjolnir"]["timezone"] = ""
    config["mjolnir"]["concurrency"] = 1
    return config


def build_tiles(pbf: Path, cache: Path | None = None, digest: str | None = None) -> Path:
    """Build (or find cached) Valhalla tiles for ``pbf``; returns the config file.

    ``digest``: the file's :func:`file_digest` when the caller has it already. Each real
    build leaves :data:`BUILD_MARKER` (a fresh build id) beside the tiles; a cached
    answer leaves it as it was.
    """
    pbf = Path(pbf)
    if not pbf.is_file():
        raise RoadsFileError(f"OSM file not found: {pbf}")
    root = (cache or cache_root()) / "valhalla"
    target = root / f"{digest or file_digest(pbf)}-{valhalla.__version__}"
    config_file = target / CONFIG_FILE
    if config_file.is_file():
        return config_file
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=root))
    try:
        tiles = work / "tiles"
        tiles.mkdir()
        config = valhalla_config(tiles)
        (work / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
        done = subprocess.run(
            [str(_tool("valhalla_build_tiles")), "-c", str(work / CONFIG_FILE), str(pbf)],
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        if done.returncode != 0 or not any(tiles.rglob("*.gph")):
            tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise RoadsFileError(f"Valhalla could not build road tiles from {pbf}: {tail}")
        # Point the config at the final place, then move the build there.
        config = valhalla_config(tiles)
        config["mjolnir"]["tile_dir"] = str(target / "tiles")
        (work / CONFIG_FILE).write_text(json.dumps(config), encoding="utf-8")
        marker = {
            "source": pbf.name,
            "build_id": uuid.uuid4().hex,
            "valhalla": valhalla.__version__,
        }
        (work / BUILD_MARKER).write_text(json.dumps(marker), encoding="utf-8")
        try:
            work.rename(target)
        except OSError:
            if not config_file.is_file():  # pragma: no cover - a racing build won
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return config_file
