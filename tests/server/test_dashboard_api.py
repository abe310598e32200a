"""The endpoints the dashboard reads."""

from __future__ import annotations

import h3
from fastapi.testclient import TestClient

from roadsense.schema import AnyRecord, EventType
from tests.factories import batch, event, track
from tests.server.conftest import ANALYST, OTHER_TOKEN, auth


def seed(client: TestClient) -> None:
    # taxi-1 drives 600 m north and warns twice at its start; taxi-2 drives the same road
    for token, vehicle, device in (
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
    s = client.get("/v1/summary", headers=ANALYST).json()
    assert (s["vehicles"], s["positions"], s["events"]) == (2, 122, 4)
    assert s["events_by_type"] == {"FCW": 2, "HMW": 2}
    assert s["vehicle_km"] == 1.2
    assert s["event_types"] == ["FCW", "HMW"]


def test_hotspots_rank_the_cell_where_the_events_are(client: TestClient) -> None:
    seed(client)
    top = client.get("/v1/hotspots", params={"resolution": 10}, headers=ANALYST).json()
    assert top[0]["rank"] == 1
    assert top[0]["events"] == 4
    start = h3.latlng_to_cell(60.17, 24.944, 10)
    assert top[0]["cell"] == start
    assert all(row["events"] == 0 for row in top[1:])
    only_fcw = client.get("/v1/hotspots", params={"event_type": "FCW"}, headers=ANALYST).json()
    assert only_fcw[0]["events"] == 2


def test_map_layers_are_geojson(client: TestClient) -> None:
    seed(client)
    cells = client.get("/v1/map/hotspots", headers=ANALYST).json()
    assert cells["type"] == "FeatureCollection"
    assert {f["geometry"]["type"] for f in cells["features"]} == {"Polygon"}
    events = client.get("/v1/map/events", params={"event_type": "HMW"}, headers=ANALYST).json()
    assert len(events["features"]) == 2
    props = events["features"][0]["properties"]
    assert props["type"] == "HMW"
    assert props["vehicle"].startswith("veh-")
    assert "taxi" not in props["vehicle"]
    roads = client.get("/v1/map/roads", headers=ANALYST).json()
    assert len(roads["features"]) > 500
    assert roads["features"][0]["geometry"]["type"] == "LineString"


def test_an_unknown_event_type_is_a_400(client: TestClient) -> None:
    response = client.get("/v1/map/events", params={"event_type": "NOPE"}, headers=ANALYST)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
