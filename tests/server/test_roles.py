"""Who may do what: each role sees and does exactly what it may, and no more.

Roles: admin, analyst (everything, drivers pseudonymized), fleet operator (its own fleet),
device (upload only, as itself). Runs on both backends.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from roadsense.schema import AnyRecord
from tests.factories import batch, event, track
from tests.server.conftest import OTHER_TOKEN, TOKEN, as_role, auth

PUBLIC = {
    "/healthz",
    "/readyz",
    "/signin",
    "/",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/static",
}
"""What answers without a credential: probes, the sign-in page, the API description."""
SIGN_IN_OUT = {("POST", "/v1/session"), ("DELETE", "/v1/session")}
"""Signing in needs no credential (it checks one); signing out ends the cookie's session."""

READERS = ["admin", "analyst", "ops-f1"]


def seed(client: TestClient) -> None:
    for token, vehicle, device, n, events in (
        (TOKEN, "taxi-1", "gw-1", 11, 1),
        (OTHER_TOKEN, "taxi-2", "gw-2", 21, 2),
    ):
        items: list[AnyRecord] = [*track(vehicle, n), *(event(vehicle, i) for i in range(events))]
        r = client.post(
            "/v1/batches", content=batch(items, device).model_dump_json(), headers=auth(token)
        )
        assert r.status_code == 200, r.text


def concrete(path: str) -> str:
    return (
        path.replace("{fleet_id}", "f1")
        .replace("{device_id}", "gw-1")
        .replace("{key_id}", "analyst")
        .replace("{path}", "app.js")
    )


def routes(client: TestClient) -> list[tuple[str, str]]:
    """Every operation the API describes (the undocumented routes are the public pages)."""
    spec = client.get("/openapi.json").json()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    ]


def test_no_endpoint_answers_without_a_credential(client: TestClient) -> None:
    checked = 0
    for method, path in routes(client):
        if path in PUBLIC or (method, path) in SIGN_IN_OUT:
            continue
        response = client.request(method, concrete(path), json={})
        assert response.status_code == 401, (method, path, response.text)
        assert response.json()["error"]["code"] == "unauthorized"
        checked += 1
    assert checked >= 15


def test_a_device_token_opens_nothing_but_the_upload(client: TestClient) -> None:
    for method, path in routes(client):
        if path in PUBLIC or path in ("/v1/batches", "/v1/session"):
            continue
        response = client.request(method, concrete(path), json={}, headers=auth(TOKEN))
        assert response.status_code == 401, (method, path)


def test_an_api_key_cannot_upload(client: TestClient) -> None:
    payload = batch(track("taxi-1", 2), "gw-1").model_dump_json()
    for name in ("admin", "analyst", "ops-f1"):
        response = client.post("/v1/batches", content=payload, headers=as_role(name))
        assert response.status_code == 401, name


@pytest.mark.parametrize(
    ("role", "expected"),
    [("admin", 201), ("analyst", 403), ("ops-f1", 403)],
)
def test_only_admins_administer(client: TestClient, role: str, expected: int) -> None:
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/admin/fleets", {"fleet_id": "f9", "name": "Nine"}),
        ("POST", "/v1/admin/vehicles", {"vehicle_id": "taxi-9", "fleet_id": "f1"}),
        ("POST", "/v1/admin/drivers", {"driver_id": "drv-9", "fleet_id": "f1", "name": "Park"}),
        ("POST", "/v1/admin/devices", {"device_id": "gw-9", "vehicle_id": "taxi-9"}),
        ("POST", "/v1/admin/keys", {"key_id": "k9", "role": "analyst"}),
        (
            "POST",
            "/v1/admin/users",
            {"username": "u9", "password": "a long enough password", "role": "analyst"},
        ),
    ]
    for method, path, body in calls:
        response = client.request(method, path, json=body, headers=as_role(role))
        assert response.status_code == expected, (path, response.text)
    for path in ("/v1/admin/devices", "/v1/admin/keys"):
        response = client.get(path, headers=as_role(role))
        assert response.status_code == (200 if role == "admin" else 403)
    response = client.delete("/v1/admin/devices/gw-2", headers=as_role(role))
    assert response.status_code == (200 if role == "admin" else 403)


def test_admin_provisioning_works_end_to_end(client: TestClient) -> None:
    admin = as_role("admin")
    made = client.post(
        "/v1/admin/devices", json={"device_id": "gw-3", "vehicle_id": "taxi-3"}, headers=admin
    )
    assert made.status_code == 201
    token = made.json()["token"]
    up = client.post(
        "/v1/batches",
        content=batch(track("taxi-3", 3), "gw-3").model_dump_json(),
        headers=auth(token),
    )
    assert up.status_code == 200
    listed = client.get("/v1/admin/devices", headers=admin).json()
    assert all(d["token"] is None for d in listed)
    assert client.delete("/v1/admin/devices/gw-3", headers=admin).status_code == 200
    again = client.post(
        "/v1/batches",
        content=batch(track("taxi-3", 3), "gw-3").model_dump_json(),
        headers=auth(token),
    )
    assert again.status_code == 401
    assert client.delete("/v1/admin/devices/gw-3", headers=admin).status_code == 404
    key = client.post(
        "/v1/admin/keys",
        json={"key_id": "ops3", "role": "fleet_operator", "fleet_id": "f2"},
        headers=admin,
    ).json()["key"]
    me = client.get("/v1/session", headers=auth(key)).json()
    assert (me["role"], me["fleet_id"]) == ("fleet_operator", "f2")
    assert client.delete("/v1/admin/keys/ops3", headers=admin).status_code == 200
    assert client.get("/v1/session", headers=auth(key)).status_code == 401
    conflict = client.post("/v1/admin/fleets", json={"fleet_id": "f1", "name": "x"}, headers=admin)
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "conflict"


def test_a_fleet_operator_sees_only_its_own_fleet(client: TestClient) -> None:
    seed(client)
    ops = as_role("ops-f1")
    assert [f["fleet_id"] for f in client.get("/v1/fleets", headers=ops).json()] == ["f1"]
    drivers = client.get("/v1/fleets/f1/drivers", headers=ops).json()
    assert [(d["driver_id"], d["name"]) for d in drivers] == [("drv-1", "Kim Min-jun")]
    assert [d["driver_id"] for d in client.get("/v1/drivers", headers=ops).json()] == ["drv-1"]
    for path in ("/v1/fleets/f2/drivers", "/v1/fleets/f2/vehicles", "/v1/fleets/f2/events"):
        response = client.get(path, headers=ops)
        assert response.status_code == 403, path
        assert response.json()["error"]["code"] == "forbidden"
    events = client.get("/v1/fleets/f1/events", headers=ops).json()
    assert {e["vehicle"] for e in events} == {"taxi-1"}
    summary = client.get("/v1/panels/summary?fresh=true", headers=ops).json()
    assert (summary["vehicles"], summary["positions"], summary["events"]) == (1, 11, 1)
    mapped = client.get("/v1/panels/events?fresh=true", headers=ops).json()["features"]
    assert len(mapped) == 1
    hot = client.get("/v1/panels/top-cells?fresh=true", headers=ops).json()
    assert sum(h["events"] for h in hot) == 1
    assert client.get("/metrics", headers=ops).status_code == 403


def test_an_analyst_sees_everything_with_drivers_pseudonymized(client: TestClient) -> None:
    seed(client)
    analyst = as_role("analyst")
    assert len(client.get("/v1/fleets", headers=analyst).json()) == 2
    drivers = client.get("/v1/drivers", headers=analyst).json()
    assert len(drivers) == 2
    assert all(d["pseudonymized"] and d["name"] is None for d in drivers)
    assert all(d["driver_id"].startswith("drv-") and len(d["driver_id"]) == 14 for d in drivers)
    assert "Kim" not in client.get("/v1/fleets/f1/drivers", headers=analyst).text
    events = client.get("/v1/fleets/f2/events", headers=analyst).json()
    assert len(events) == 2
    assert all(e["vehicle"].startswith("veh-") for e in events)
    summary = client.get("/v1/panels/summary?fresh=true", headers=analyst).json()
    assert (summary["vehicles"], summary["positions"], summary["events"]) == (2, 32, 3)
    assert client.get("/metrics", headers=analyst).status_code == 200


def test_an_admin_sees_drivers_as_stored(client: TestClient) -> None:
    names = {d["name"] for d in client.get("/v1/drivers", headers=as_role("admin")).json()}
    assert names == {"Kim Min-jun", "Lee Seo-yeon"}


def test_signing_in_sets_a_cookie_good_for_reading_only(client: TestClient) -> None:
    wrong = client.post("/v1/session", json={"api_key": "rsk_wrong"})
    assert wrong.status_code == 401
    assert client.get("/", follow_redirects=False).headers["location"] == "/signin"
    ok = client.post("/v1/session", json={"api_key": "rsk_admin-key"})
    assert ok.status_code == 200
    assert ok.json()["role"] == "admin"
    cookie = ok.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert client.get("/v1/panels/summary").status_code == 200  # the client keeps the cookie
    assert client.get("/", follow_redirects=False).status_code == 200
    refused = client.post("/v1/admin/fleets", json={"fleet_id": "f7", "name": "Seven"})
    assert refused.status_code == 403  # changes need the header, not the cookie
    assert client.delete("/v1/session").status_code == 204
    client.cookies.clear()
    assert client.get("/v1/panels/summary").status_code == 401


def test_users_sign_in_with_a_password(client: TestClient) -> None:
    made = client.post(
        "/v1/admin/users",
        json={
            "username": "mina",
            "password": "correct horse battery",
            "role": "fleet_operator",
            "fleet_id": "f2",
        },
        headers=as_role("admin"),
    )
    assert made.status_code == 201, made.text
    short = client.post(
        "/v1/admin/users",
        json={"username": "x", "password": "short", "role": "analyst"},
        headers=as_role("admin"),
    )
    assert short.status_code == 422
    bad = client.post("/v1/session", json={"username": "mina", "password": "wrong password"})
    assert bad.status_code == 401
    nobody = client.post("/v1/session", json={"username": "nobody", "password": "whatever"})
    assert nobody.status_code == 401
    assert nobody.json()["error"]["message"] == bad.json()["error"]["message"]
    ok = client.post("/v1/session", json={"username": "mina", "password": "correct horse battery"})
    assert ok.status_code == 200
    assert client.get("/v1/session").json() == {
        "name": "mina",
        "kind": "user",
        "role": "fleet_operator",
        "fleet_id": "f2",
    }
    assert client.get("/v1/fleets/f1/vehicles").status_code == 403
    assert client.get("/v1/fleets/f2/vehicles").status_code == 200
