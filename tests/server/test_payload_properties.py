"""Property tests of payload validation: any valid batch is stored whole and once; any batch
with one bad item is refused whole, naming that item, and stores nothing (both backends)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.server.conftest import ANALYST, TOKEN, auth

T0 = datetime(2025, 6, 2, tzinfo=UTC)
times = st.integers(0, 86_400 * 30).map(lambda s: (T0 + timedelta(seconds=s)).isoformat())
lat = st.floats(-89.9, 89.9, allow_nan=False)
lon = st.floats(-179.9, 179.9, allow_nan=False)
speed = st.none() | st.floats(0, 70, allow_nan=False)

position = st.fixed_dictionaries(
    {
        "kind": st.just("position"),
        "vehicle_id": st.just("taxi-1"),
        "time": times,
        "lat": lat,
        "lon": lon,
    },
    optional={"speed_mps": speed, "heading_deg": st.floats(0, 359.9), "hdop": speed},
)
event = st.fixed_dictionaries(
    {
        "kind": st.just("event"),
        "event_id": st.uuids().map(str),
        "vehicle_id": st.just("taxi-1"),
        "time": times,
        "type": st.sampled_from(["FCW", "HMW", "PCW", "LDW_LEFT", "HARSH_BRAKE", "POTHOLE"]),
        "source": st.sampled_from(["mobileye", "imu", "sim"]),
        "lat": lat,
        "lon": lon,
    },
    optional={
        "level": st.integers(0, 3),
        "ttc_s": speed,
        "speed_mps": speed,
        "raw": st.lists(st.text(max_size=20).filter(lambda t: "\x00" not in t), max_size=3),
    },
)
status = st.fixed_dictionaries(
    {"kind": st.just("status"), "vehicle_id": st.just("taxi-1"), "time": times},
    optional={
        "failsafe": st.booleans(),
        "error_codes": st.lists(st.integers(0, 9999), max_size=4),
        "counters": st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 10**6)),
    },
)
items = st.lists(st.one_of(position, position, event, status), min_size=1, max_size=40)

CORRUPTIONS: list[tuple[str, Any]] = [
    ("lat", 91.5),
    ("lat", "north"),
    ("time", "2025-06-02T08:00:00"),  # no timezone
    ("vehicle_id", "taxi 1!"),
    ("kind", "teleport"),
    ("speed_mps", -3.0),
]

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def totals(client: TestClient) -> tuple[int, int, int]:
    s = client.get("/v1/panels/summary?fresh=true", headers=ANALYST).json()
    return s["batches"], s["positions"], s["events"]


def post(client: TestClient, body: dict[str, Any]) -> Any:
    return client.post("/v1/batches", content=json.dumps(body), headers=auth(TOKEN))


@SETTINGS
@given(items=items)
def test_any_valid_batch_is_stored_whole_and_once(client: TestClient, items: list[Any]) -> None:
    before = totals(client)
    fresh: dict[str, str] = {}  # new ids each example (the store outlives examples)
    items = [
        {**i, "event_id": fresh.setdefault(i["event_id"], str(uuid.uuid4()))}
        if i["kind"] == "event"
        else i
        for i in items
    ]
    body = {"batch_id": str(uuid.uuid4()), "device_id": "gw-1", "items": items}
    first = post(client, body)
    assert first.status_code == 200, first.text
    kinds = [i["kind"] for i in items]
    assert first.json()["counts"].get("position", 0) == kinds.count("position")
    assert first.json()["counts"].get("event", 0) == len(
        {i["event_id"] for i in items if i["kind"] == "event"}
    )
    assert post(client, body).json()["status"] == "duplicate"
    after = totals(client)
    assert after[0] == before[0] + 1
    assert after[1] == before[1] + kinds.count("position")


@SETTINGS
@given(items=items, data=st.data())
def test_one_bad_item_refuses_the_whole_batch(
    client: TestClient, items: list[Any], data: st.DataObject
) -> None:
    before = totals(client)
    index = data.draw(st.integers(0, len(items) - 1))
    field, value = data.draw(st.sampled_from(CORRUPTIONS))
    items[index] = {**items[index], field: value}
    response = post(client, {"batch_id": str(uuid.uuid4()), "device_id": "gw-1", "items": items})
    assert response.status_code in (403, 422), response.text
    error = response.json()["error"]
    if response.status_code == 422:
        assert any(d["loc"][:3] == ["body", "items", index] for d in error["details"]), error
        assert "nothing" in error["message"]
    assert totals(client) == before
