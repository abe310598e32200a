"""Places named by their streets: a junction by the streets crossing there, else the street."""

from __future__ import annotations

from roadsense.roads.places import PlaceNamer
from roadsense.store.roads_rows import Junction, Segment

LON, LAT = 24.944, 60.17
"""A crossing in Helsinki; 0.001 degree of latitude is about 111 m."""


def segment(
    sid: str, name: str | None, coords: list[tuple[float, float]], nodes: tuple[int, int] = (1, 2)
) -> Segment:
    return Segment(
        segment_id=sid,
        osm_way_id=int(sid[0]),
        from_node=nodes[0],
        to_node=nodes[1],
        highway="primary",
        name=name,
        lanes=2,
        oneway=0,
        speed_limit_kmh=40.0,
        speed_limit_source="maxspeed",
        length_m=200.0,
        coords=tuple(coords),
    )


def crossing() -> PlaceNamer:
    north_south = segment("1:0-1", "Mannerheimintie", [(LON, LAT - 0.002), (LON, LAT + 0.002)])
    east_west = segment("2:0-1", "Kaivokatu", [(LON - 0.004, LAT), (LON + 0.004, LAT)])
    nameless = segment("3:0-1", None, [(LON + 0.01, LAT), (LON + 0.01, LAT + 0.002)])
    junction = Junction(node_id=7, lon=LON, lat=LAT, degree=4, segments=("1:0-1", "2:0-1"))
    return PlaceNamer([north_south, east_west, nameless], [junction])


def test_a_point_at_a_junction_is_named_by_the_streets_crossing_there() -> None:
    places = crossing()
    assert places.point(LON + 0.0002, LAT + 0.0001) == "Mannerheimintie at Kaivokatu"
    assert places.junction(7) == "Mannerheimintie at Kaivokatu"


def test_a_point_along_a_street_is_named_by_that_street() -> None:
    places = crossing()
    assert places.point(LON + 0.0001, LAT + 0.0015) == "Mannerheimintie"  # ~170 m north
    assert places.point(LON - 0.003, LAT + 0.0002) == "Kaivokatu"
    assert places.segment("2:0-1") == "Kaivokatu"


def test_far_from_any_named_street_a_point_is_named_by_its_coordinates() -> None:
    places = crossing()
    assert places.point(LON + 0.01, LAT + 0.001) == "60.17100, 24.95400"  # beside the nameless
    assert PlaceNamer([], []).point(LON, LAT) == "60.17000, 24.94400"
