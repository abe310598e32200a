"""Roads read from real OSM extracts."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsense.roads.extracts import RoadsFileError, bundled_extract
from roadsense.roads.network import read_network
from roadsense.roads.osm_roads import DRIVABLE, read_roads


def test_the_helsinki_extract_has_its_drivable_streets() -> None:
    roads = read_roads(bundled_extract("helsinki"))
    assert len(roads) > 500
    assert {r.highway for r in roads} <= DRIVABLE
    names = {r.name for r in roads}
    assert "Mannerheimintie" in names
    for road in roads:
        for lon, lat in road.coords:
            assert 24.9 < lon < 25.0
            assert 60.1 < lat < 60.2


def test_the_small_town_extract_reads_too() -> None:
    assert read_roads(bundled_extract("test"))


def test_map_lines_are_the_networks_ways_with_the_same_limits() -> None:
    path = bundled_extract("test")
    lines = {r.osm_way_id: r for r in read_roads(path)}
    segments = read_network(path).segments
    assert set(lines) == {s.osm_way_id for s in segments}
    tagged = [s for s in segments if s.speed_limit_source == "maxspeed"]
    assert tagged
    for seg in tagged:
        assert lines[seg.osm_way_id].maxspeed_kmh == seg.speed_limit_kmh
    for seg in segments:
        if seg.speed_limit_source == "default":
            assert lines[seg.osm_way_id].maxspeed_kmh is None


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RoadsFileError, match="not found"):
        read_roads(tmp_path / "nowhere.osm.pbf")


def test_a_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"\x00\x01garbage" * 500)
    with pytest.raises(RoadsFileError, match="cannot read"):
        read_roads(bad)


def test_an_unknown_bundled_extract_is_refused() -> None:
    with pytest.raises(RoadsFileError, match="no bundled extract"):
        bundled_extract("atlantis")
