"""Hostile input, on both stores: every bad upload and query parameter of issue 11's table.

Each upload case starts from a valid batch of the device's own vehicle, spoils one thing
the way an attacker (or a broken gateway) would, and asserts the 422 (or 409) in the one
error shape, naming the item and field, and that nothing of the batch was stored. Each
query case asserts a 422 where a 500 used to come back.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roadsense.schema import AdasEvent, EventSource, EventType
from tests.server.conftest import OTHER_TOKEN, as_role
from tests.server.test_ingest_api import assert_error_shape, post, summary

NOW = datetime.now(UTC).replace(microsecond=0)


def _position(**changes: Any) -> dict[str, Any]:
    item = {
        "kind": "position",
        "vehicle_id": "taxi-1",
        "time": NOW.isoformat(),
        "lat": 60.17,
        "lon": 24.94,
        "speed_mps": 10.0,
        "heading_deg": 90.0,
        "hdop": 0.9,
    }
    return item | changes


def _sign(**changes: Any) -> dict[str, Any]:
    item = {
        "kind": "sign",
        "vehicle_id": "taxi-1",
        "time": NOW.isoformat(),
        "lat": 60.17,
        "lon": 24.94,
        "sign_type": "speed_limit",
        "value": 50.0,
    }
    return item | changes


def _event(vehicle: str = "taxi-1", **changes: Any) -> AdasEvent:
    values: dict[str, Any] = {
        "event_id": uuid.uuid5(uuid.NAMESPACE_URL, "hostile/claimed"),
        "vehicle_id": vehicle,
        "time": NOW,
        "type": EventType.FCW,
        "level": 2,
        "lat": 60.17,
        "lon": 24.94,
        "speed_mps": 12.0,
        "ttc_s": 1.5,
        "source": EventSource.SIM,
    }
    return AdasEvent(**(values | changes))


def _body(items: list[dict[str, Any]], **top: Any) -> str:
    batch = {"batch_id": str(uuid.uuid4()), "device_id": "gw-1", "items": items} | top
    return json.dumps(batch)


def _stored(client: TestClient) -> tuple[int, int, int]:
    figures = summary(client)
    return figures["positions"], figures["events"], figures["batches"]


FAR_FUTURE = "9999-12-31T20:00:00Z"
LAST_INSTANT = "9999-12-31T23:59:59-01:00"
FIRST_INSTANT = "0001-01-01T00:00:00+01:00"

UPLOADS: dict[str, tuple[Callable[[], str], list[Any]]] = {
    # name: (the body, the loc of the problem the answer must name)
    "time in year 9999": (lambda: _body([_position(time=FAR_FUTURE)]), ["items", 0, "time"]),
    "time past the end of time once in UTC": (
        lambda: _body([_position(), _position(time=LAST_INSTANT)]),
        ["items", 1],
    ),
    "time before the start of time once in UTC": (
        lambda: _body([_position(time=FIRST_INSTANT)]),
        ["items", 0],
    ),
    "an hour ahead of the server's clock": (
        lambda: _body([_position(time=(NOW + timedelta(hours=1)).isoformat())]),
        ["items", 0, "time"],
    ),
    "sent_at in year 9999": (lambda: _body([_position()], sent_at=FAR_FUTURE), ["sent_at"]),
    "sent_at past the end of time": (
        lambda: _body([_position()], sent_at=LAST_INSTANT),
        ["sent_at"],
    ),
    "sent_at before the start of time": (
        lambda: _body([_position()], sent_at=FIRST_INSTANT),
        ["sent_at"],
    ),
    "speed 1e308": (lambda: _body([_position(speed_mps=1e308)]), ["items", 0]),
    "speed faster than any car": (lambda: _body([_position(speed_mps=150.0)]), ["items", 0]),
    "lat true": (lambda: _body([_position(lat=True)]), ["items", 0]),
    "lat as a string": (lambda: _body([_position(lat="60.17")]), ["items", 0]),
    "lat past the pole": (lambda: _body([_position(lat=90.5)]), ["items", 0]),
    "hdop 1e6": (lambda: _body([_position(hdop=1e6)]), ["items", 0]),
    "schema_version as a string": (lambda: _body([_position()], schema_version="1"), []),
    "a duplicate key": (
        lambda: _body([_position()]).replace('"lat": 60.17', '"lat": 60.17, "lat": 61.0'),
        [],
    ),
    "sign value Infinity": (
        lambda: _body([_sign(value=0.0)]).replace('"value": 0.0', '"value": Infinity'),
        [],
    ),
    "sign value NaN": (
        lambda: _body([_sign(value=0.0)]).replace('"value": 0.0', '"value": NaN'),
        [],
    ),
    "a number too large for a float": (
        lambda: _body([_position(lat=0.0)]).replace('"lat": 0.0', '"lat": 1e400'),
        [],
    ),
    "sign value beyond any sign": (lambda: _body([_sign(value=1e9)]), ["items", 0]),
    "level true": (
        lambda: _body([_event().model_dump(mode="json") | {"level": True}]),
        ["items", 0],
    ),
}


@pytest.mark.parametrize("case", list(UPLOADS))
def test_a_hostile_upload_is_refused_and_nothing_stored(client: TestClient, case: str) -> None:
    make, loc = UPLOADS[case]
    before = _stored(client)
    error = assert_error_shape(post(client, make()), 422, "validation_error")
    locs = [d["loc"] for d in error["details"]]
    assert any(found[1 : 1 + len(loc)] == loc for found in locs), locs
    assert all(found[0] == "body" for found in locs)
    assert _stored(client) == before


def test_the_valid_bodies_the_cases_spoil_are_stored(client: TestClient) -> None:
    """The cases above fail for what they spoil, not for the rest of their body."""
    for items in ([_position()], [_sign()], [_event().model_dump(mode="json")]):
        response = post(client, _body(items))
        assert response.status_code == 200, response.text
    assert _stored(client) == (1, 1, 3)


def test_a_claimed_event_id_is_a_conflict_never_stored(client: TestClient) -> None:
    # fleet 2's gateway stores an event under the id fleet 1's gateway will use
    claim = _event("taxi-2")
    claimed = _body([claim.model_dump(mode="json")], device_id="gw-2")
    response = post(client, claimed, OTHER_TOKEN)
    assert response.status_code == 200, response.text
    before = _stored(client)
    genuine = _event()
    payload = _body([_position(), genuine.model_dump(mode="json")])
    error = assert_error_shape(post(client, payload), 409, "event_conflict")
    assert [d["loc"] for d in error["details"]] == [["body", "items", 1, "event_id"]]
    assert _stored(client) == before
    # the same batch again is still a conflict: it was not taken as stored
    assert post(client, payload).status_code == 409
    # other content under one's own stored id is a conflict too; the same content is not
    mine = _event(event_id=uuid.uuid4())
    assert post(client, _body([mine.model_dump(mode="json")])).status_code == 200
    changed = mine.model_copy(update={"level": 3}).model_dump(mode="json")
    assert post(client, _body([changed])).status_code == 409
    again = post(client, _body([mine.model_dump(mode="json")]))
    assert again.status_code == 200
    assert again.json()["counts"].get("event", 0) == 0
    assert _stored(client)[1] == before[1] + 1


PANELS = ("/v1/panels/hotspots", "/v1/panels/events", "/v1/panels/rates")
BAD_QUERIES: list[tuple[str, dict[str, str]]] = [
    *((path, {"since": "0001-01-01"}) for path in PANELS),
    *((path, {"until": "9999-12-31"}) for path in PANELS),
    *((path, {"since": "0001-01-01", "until": "9999-12-31"}) for path in PANELS),
    ("/v1/panels/events", {"fleet": "\x00"}),
    ("/v1/panels/events", {"fleet": "f1\x1b[2J"}),
    ("/v1/panels/density", {"fleet": "f1'--"}),
    ("/v1/panels/fleet-scores", {"fleet": "\x00"}),
    ("/v1/panels/hotspots", {"event_type": "FCW\x00"}),
    ("/v1/roads/speeds", {"tz": "Europe/Helsinki\x00"}),
]


@pytest.mark.parametrize(("path", "params"), BAD_QUERIES)
def test_a_hostile_query_parameter_is_a_422(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    for role in ("admin", "ops-f1"):
        response = client.get(path, params=params, headers=as_role(role))
        if response.status_code == 403:  # a city-wide product: refused before its parameters
            continue
        error = assert_error_shape(response, 422, "validation_error")
        assert {d["loc"][-1] for d in error["details"]} <= set(params), error
