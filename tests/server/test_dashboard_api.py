"""The read routes the dashboard and API users share (``/v1/panels/*``)."""

from __future__ import annotations

from datetime import UTC, datetime

import h3
from fastapi.testclient import TestClient

from roadsense.schema import AnyRecord, EventType
from roadsense.store.roads_rows import Junction, NetworkInfo
from tests.factories import HELSINKI, batch, event, track
from tests.roads.test_places import segment
from tests.server.conftest import ANALYST, OTHER_TOKEN, auth


def seed(
    client: TestClient, vehicles: tuple[tuple[dict[str, str], str, str], ...] | None = None
) -> None:
    # taxi-1 drives 600 m north and warns twice at its start; taxi-2 drives the same road
    for token, vehicle, device in vehicles or (
        (auth(), "taxi-1", "gw-1"),
        (auth(OTHER_TOKEN), "taxi-2", "gw-2"),
    ):
        items: list[AnyRecord] = [
            *track(vehicle, 61),
            event(vehicle, 1, EventType.FCW),
            event(vehicle, 2, EventType.HMW),
        ]
        response = client.post(
            "/v1/batches",
            content=batch(items, device).model_dump_json(),
            headers={**token, "Content-Type": "application/json"},
        )
        assert response.status_code == 200, response.text


def test_summary_counts_what_was_uploaded(client: TestClient) -> None:
    seed(client)
    s = client.get("/v1/panels/summary", headers=ANALYST).json()
    assert (s["vehicles"], s["positions"], s["events"], s["batches"]) == (2, 122, 4, 2)
    assert s["events_by_type"] == {"FCW": 2, "HMW": 2}
    assert s["vehicle_km"] == 1.2
    assert s["event_types"] == ["FCW", "HMW"]


def test_the_summary_is_the_cubes_until_asked_fresh(client: TestClient) -> None:
    seed(client, ((auth(), "taxi-1", "gw-1"),))
    first = client.get("/v1/panels/summary", headers=ANALYST).json()
    assert (first["vehicles"], first["batches"]) == (1, 1)
    seed(client, ((auth(OTHER_TOKEN), "taxi-2", "gw-2"),))
    cached = client.get("/v1/panels/summary", headers=ANALYST).json()
    assert cached == first  # as of the cube's build
    fresh = client.get("/v1/panels/summary", params={"fresh": "true"}, headers=ANALYST).json()
    assert (fresh["vehicles"], fresh["events"], fresh["batches"]) == (2, 4, 2)
    # the new cube serves every panel afterwards
    later = client.get("/v1/panels/top-cells", headers=ANALYST).json()
    assert sum(row["events"] for row in later) == 4


def test_hotspots_rank_the_cell_where_the_events_are(client: TestClient) -> None:
    seed(client)
    top = client.get("/v1/panels/top-cells", headers=ANALYST).json()
    assert top[0]["rank"] == 1
    assert top[0]["events"] == 4
    start = h3.latlng_to_cell(60.17, 24.944, 10)
    assert top[0]["cell"] == start
    assert all(row["events"] == 0 for row in top[1:])
    assert {"expected", "excess", "rate_per_1000_vkm", "vehicles"} <= set(top[0])
    one = client.get("/v1/panels/top-cells", params={"limit": 1}, headers=ANALYST).json()
    assert one == top[:1]
    only_fcw = client.get(
        "/v1/panels/top-cells", params={"event_type": "FCW"}, headers=ANALYST
    ).json()
    assert only_fcw[0]["events"] == 2


def test_hotspots_are_named_by_their_streets_once_the_store_has_roads(
    client: TestClient,
) -> None:
    seed(client)
    top = client.get("/v1/panels/top-cells", headers=ANALYST).json()
    assert top[0]["place"] is None  # no road network yet
    lat, lon = HELSINKI
    # two streets meeting at node 7, where the taxis start
    north = segment("1:0-1", "Mannerheimintie", [(lon, lat), (lon, lat + 0.006)], (7, 8))
    east = segment("2:0-1", "Kaivokatu", [(lon, lat), (lon + 0.004, lat)], (7, 9))
    store = client.app.state.roadsense.store  # type: ignore[attr-defined]
    store.replace_road_network(
        NetworkInfo("test.osm.pbf", "d1", "FI", datetime.now(UTC), 2, 1),
        [north, east],
        [Junction(node_id=7, lon=lon, lat=lat, degree=4, segments=("1:0-1", "2:0-1"))],
    )
    # the same cube, answered again: the import shows at once, not when the cube expires
    top = client.get("/v1/panels/top-cells", headers=ANALYST).json()
    assert top[0]["place"] == "Mannerheimintie at Kaivokatu"
    assert {row["place"] for row in top[1:]} <= {"Mannerheimintie", "Mannerheimintie at Kaivokatu"}
    cells = client.get("/v1/panels/hotspots", headers=ANALYST).json()["features"]
    assert {f["properties"]["place"] for f in cells} >= {"Mannerheimintie at Kaivokatu"}


def test_another_resolution_is_read_from_the_store(client: TestClient) -> None:
    seed(client)
    coarse = client.get("/v1/panels/top-cells", params={"resolution": 8}, headers=ANALYST).json()
    assert coarse[0]["cell"] == h3.latlng_to_cell(60.17, 24.944, 8)
    assert coarse[0]["events"] == 4
    fine = client.get("/v1/panels/hotspots", params={"resolution": 12}, headers=ANALYST).json()
    assert {h3.get_resolution(f["properties"]["cell"]) for f in fine["features"]} == {12}
    dated = client.get(
        "/v1/panels/hotspots", params={"resolution": 8, "since": "2025-06-01"}, headers=ANALYST
    )
    assert dated.status_code == 400


def test_map_layers_are_geojson(client: TestClient) -> None:
    seed(client)
    cells = client.get("/v1/panels/hotspots", headers=ANALYST).json()
    assert cells["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in cells["features"]} == {"Polygon"}
    events = client.get("/v1/panels/events", params={"event_type": "HMW"}, headers=ANALYST).json()
    assert len(events["features"]) == 2
    props = events["features"][0]["properties"]
    assert props["type"] == "HMW"
    assert props["vehicle"].startswith("veh-")
    assert "taxi" not in props["vehicle"]
    one = client.get("/v1/panels/events", params={"limit": 1}, headers=ANALYST).json()
    assert len(one["features"]) == 1
    roads = client.get("/v1/panels/osm-roads", headers=ANALYST).json()
    assert len(roads["features"]) > 500
    assert roads["features"][0]["geometry"]["type"] == "LineString"


def test_an_unknown_event_type_is_a_400(client: TestClient) -> None:
    for path in ("/v1/panels/events", "/v1/panels/hotspots"):
        response = client.get(path, params={"event_type": "NOPE"}, headers=ANALYST)
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_request"
