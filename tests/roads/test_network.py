"""Road segments, junctions, speed limits and tiles from real OSM extracts."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path

import pytest

from roadsense.roads.extracts import RoadsFileError, bundled_extract
from roadsense.roads.network import read_network
from roadsense.roads.service import CityRoads
from roadsense.roads.speed_limits import country_at, default_limit_kmh, parse_maxspeed_kmh
from roadsense.roads.tiles import build_tiles


def test_segments_cover_each_way_between_junctions(helsinki: CityRoads) -> None:
    net = helsinki.network
    assert net.country == "FI"
    ids = [s.segment_id for s in net.segments]
    assert len(ids) == len(set(ids)) > 1000
    by_way = defaultdict(list)
    for seg in net.segments:
        way, span = seg.segment_id.split(":")
        first, last = (int(i) for i in span.split("-"))
        assert int(way) == seg.osm_way_id
        assert seg.length_m > 0
        assert len(seg.coords) == last - first + 1
        by_way[seg.osm_way_id].append((first, last, seg))
    for segs in by_way.values():  # consecutive node ranges, no gaps
        for (_, a_last, a), (b_first, _, b) in itertools.pairwise(segs):
            assert a_last == b_first
            assert a.to_node == b.from_node
    junction_nodes = {j.node_id for j in net.junctions}
    assert all(j.degree >= 3 for j in net.junctions)
    assert len(junction_nodes) > 200


def test_junctions_know_the_segments_meeting_there(helsinki: CityRoads) -> None:
    ends: dict[int, list[str]] = defaultdict(list)
    for seg in helsinki.network.segments:
        ends[seg.from_node].append(seg.segment_id)
        ends[seg.to_node].append(seg.segment_id)
    for j in helsinki.network.junctions:
        assert j.degree == len(ends[j.node_id]) >= 3
        assert j.segments == tuple(sorted(set(ends[j.node_id])))
    assert {n for n, legs in ends.items() if len(legs) >= 3} == {
        j.node_id for j in helsinki.network.junctions
    }


def test_same_file_same_ids() -> None:
    a = read_network(bundled_extract("test"))
    b = read_network(bundled_extract("test"))
    assert [s.segment_id for s in a.segments] == [s.segment_id for s in b.segments]


def test_speed_limits_tagged_or_default(helsinki: CityRoads) -> None:
    segs = helsinki.network.segments
    tagged = [s for s in segs if s.speed_limit_source == "maxspeed"]
    default = [s for s in segs if s.speed_limit_source == "default"]
    assert tagged
    assert default
    for seg in default:
        assert seg.speed_limit_kmh == default_limit_kmh(seg.highway, "FI")
    mannerheimintie = [s for s in segs if s.name == "Mannerheimintie"]
    assert mannerheimintie
    assert all(s.lanes is None or s.lanes >= 1 for s in mannerheimintie)


def test_korean_defaults_follow_safe_speed_5030() -> None:
    assert country_at(128.6, 35.87) == "KR"  # Daegu
    assert default_limit_kmh("primary", "KR") == 50
    assert default_limit_kmh("residential", "KR") == 30
    assert default_limit_kmh("motorway", "KR") == 100
    kr = read_network(bundled_extract("test"), country="KR")
    assert kr.country == "KR"
    for seg in kr.segments:
        if seg.speed_limit_source == "default" and seg.highway == "residential":
            assert seg.speed_limit_kmh == 30


@pytest.mark.parametrize(
    ("tag", "kmh"),
    [
        ("50", 50.0),
        ("30 mph", 48.3),
        ("KR:urban", 50.0),
        ("FI:rural", 80.0),
        ("50;30", 30.0),
        ("walk", 7.0),
        ("none", None),
        ("", None),
        ("0", None),
    ],
)
def test_parse_maxspeed(tag: str, kmh: float | None) -> None:
    assert parse_maxspeed_kmh(tag) == kmh


def test_missing_and_corrupt_files_are_clear_errors(tmp_path: Path, roads_cache: Path) -> None:
    with pytest.raises(RoadsFileError, match="not found"):
        read_network(tmp_path / "nowhere.osm.pbf")
    bad = tmp_path / "bad.osm.pbf"
    bad.write_bytes(b"this is not a protobuf file at all")
    with pytest.raises(RoadsFileError, match="cannot read OSM file"):
        read_network(bad)
    with pytest.raises(RoadsFileError, match="Valhalla could not build"):
        build_tiles(bad)


def test_tiles_are_cached_by_content(helsinki: CityRoads, roads_cache: Path) -> None:
    again = build_tiles(bundled_extract("helsinki"))
    assert again == helsinki.tiles_config
    assert again.is_relative_to(roads_cache)
    assert any((again.parent / "tiles").rglob("*.gph"))
