"""POST /v1/batches: who may upload, what is refused, and that nothing is stored twice."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import batch, event, position, track
from tests.server.conftest import ANALYST, OTHER_TOKEN, auth


def body(items: list[Any], device: str = "gw-1") -> str:
    return batch(items, device).model_dump_json()


def post(client: TestClient, payload: str, token: str | None = "default") -> Any:
    headers = {"Content-Type": "application/json"}
    if token == "default":
        headers |= auth()
    elif token is not None:
        headers |= auth(token)
    return client.post("/v1/batches", content=payload, headers=headers)


def summary(client: TestClient) -> dict[str, Any]:
    response = client.get("/v1/panels/summary?fresh=true", headers=ANALYST)
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def assert_error_shape(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert error["message"]
    assert isinstance(error["details"], list)
    return dict(error)


def test_a_batch_is_stored_and_acknowledged(client: TestClient) -> None:
    payload = body([*track("taxi-1", 5), event("taxi-1")])
    response = post(client, payload)
    assert response.status_code == 200, response.text
    ack = response.json()
    assert ack["status"] == "stored"
    assert ack["batch_id"] == json.loads(payload)["batch_id"]
    assert ack["counts"] == {"position": 5, "event": 1}
    assert summary(client)["positions"] == 5


def test_a_repeated_batch_is_acknowledged_and_stored_once(client: TestClient) -> None:
    payload = body(track("taxi-1", 5))
    assert post(client, payload).json()["status"] == "stored"
    second = post(client, payload)
    assert second.status_code == 200
    assert second.json()["status"] == "duplicate"
    assert summary(client)["positions"] == 5


def test_no_token_is_401(client: TestClient) -> None:
    assert_error_shape(post(client, body([position()]), token=None), 401, "unauthorized")


def test_an_unknown_token_is_401(client: TestClient) -> None:
    assert_error_shape(post(client, body([position()]), token="nope"), 401, "unauthorized")


def test_a_device_cannot_upload_as_another_device(client: TestClient) -> None:
    response = post(client, body([position("taxi-1")], device="gw-1"), token=OTHER_TOKEN)
    assert_error_shape(response, 403, "forbidden")
    assert summary(client)["positions"] == 0


def test_records_of_another_vehicle_are_refused_whole(client: TestClient) -> None:
    response = post(client, body([position("taxi-1"), position("taxi-2", 1)]))
    error = assert_error_shape(response, 422, "foreign_vehicle")
    assert error["details"][0]["loc"] == ["body", "items", 1, "vehicle_id"]
    assert summary(client)["positions"] == 0


def test_an_invalid_item_rejects_the_whole_batch_and_names_it(client: TestClient) -> None:
    data = json.loads(body(track("taxi-1", 3)))
    data["items"][2]["lat"] = 123.0
    response = post(client, json.dumps(data))
    error = assert_error_shape(response, 422, "validation_error")
    assert any(d["loc"][:3] == ["body", "items", 2] for d in error["details"])
    assert summary(client)["positions"] == 0


@pytest.mark.parametrize("payload", ["not json", "{}", "[]", '{"items": "x"}', ""])
def test_garbage_is_a_422_in_the_error_shape(client: TestClient, payload: str) -> None:
    assert_error_shape(post(client, payload), 422, "validation_error")


def test_too_large_an_upload_is_413(client: TestClient) -> None:
    response = post(client, body(track("taxi-1", 2000)))
    assert_error_shape(response, 413, "payload_too_large")
    assert summary(client)["positions"] == 0


def test_unknown_paths_and_methods_use_the_error_shape(client: TestClient) -> None:
    assert_error_shape(client.get("/v1/nothing-here"), 404, "not_found")
    assert_error_shape(client.get("/v1/batches"), 405, "method_not_allowed")


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["store_schema_version"] >= 1
    spec = client.get("/openapi.json").json()
    assert "/v1/batches" in spec["paths"]
    assert "post" in spec["paths"]["/v1/batches"]
