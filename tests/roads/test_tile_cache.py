"""Valhalla tiles and the road network are built once per extract's content."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import osmium
import pytest

from roadsense.roads.extracts import bundled_extract
from roadsense.roads.network_cache import cached_network
from roadsense.roads.service import load_roads
from roadsense.roads.tiles import BUILD_MARKER, CACHE_ENV, build_tiles, file_digest


def _marker(config_file: Path) -> str:
    return str(json.loads((config_file.parent / BUILD_MARKER).read_text())["build_id"])


def _without_one_way(source: Path, target: Path) -> None:
    """A copy of ``source`` with its first residential street left out: a changed extract."""
    dropped = False
    with osmium.SimpleWriter(str(target), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(source)):
            if (
                not dropped
                and isinstance(obj, osmium.osm.Way)
                and obj.tags.get("highway") == "residential"
            ):
                dropped = True
                continue
            writer.add(obj)


def test_second_run_builds_nothing_and_a_changed_extract_rebuilds(tmp_path: Path) -> None:
    pbf = tmp_path / "town.osm.pbf"
    shutil.copyfile(bundled_extract("test"), pbf)
    cache = tmp_path / "cache"
    first = build_tiles(pbf, cache)
    built = _marker(first)
    again = build_tiles(pbf, cache)
    assert again == first
    assert _marker(again) == built  # the marker of the first build: nothing was built
    _without_one_way(bundled_extract("test"), pbf)
    changed = build_tiles(pbf, cache)
    assert changed != first
    assert _marker(changed) != built
    assert _marker(first) == built  # the old build is left as it was
    assert len(list((cache / "valhalla").glob("*/" + BUILD_MARKER))) == 2


def test_network_is_read_once_per_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pbf = tmp_path / "town.osm.pbf"
    shutil.copyfile(bundled_extract("test"), pbf)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    first = load_roads(pbf)
    stored = list((tmp_path / "cache" / "network").glob("*.json"))
    assert len(stored) == 1
    stamp = stored[0].stat().st_mtime_ns
    second = load_roads(pbf)
    assert stored[0].stat().st_mtime_ns == stamp
    assert second.network.segments == first.network.segments
    assert second.network.junctions == first.network.junctions
    assert second.network.country == first.network.country
    _without_one_way(bundled_extract("test"), pbf)
    changed = cached_network(pbf, file_digest(pbf), tmp_path / "cache")
    assert len(list((tmp_path / "cache" / "network").glob("*.json"))) == 2
    assert len(changed.segments) < len(first.network.segments)
