"""The API fuzzed from its own OpenAPI description (schemathesis), on both backends.

Over 2,000 generated requests per backend, valid and invalid, each with the credential of
its operation: none may answer 5xx, and nothing of a refused request may be stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.core.result import Ok

from roadsense.server.app import create_app
from roadsense.store import open_store
from tests.backends import query
from tests.server.conftest import KEYS, TOKEN, provision, settings_for

EXAMPLES_PER_OPERATION = 160
"""27 operations (simple ones run out of distinct cases sooner): over 2,000 requests."""


@dataclass
class Outcome:
    """What the fuzzing saw."""

    calls: int = 0
    failures: list[str] = field(default_factory=list)
    stored_batches: set[uuid.UUID] = field(default_factory=set)
    made_fleets: set[str] = field(default_factory=set)
    refused_fleets: set[str] = field(default_factory=set)


def _aim_at_gw1(body: Any, own: bool) -> Any:
    """Point a generated batch at the test device and at the server's clock window, so that
    some are stored, not all 403 or 422."""
    if not own or not isinstance(body, dict) or "device_id" not in body:
        return body
    body = {**body, "device_id": "gw-1"}
    if "sent_at" in body:
        body["sent_at"] = datetime.now(UTC).isoformat()
    if isinstance(body.get("items"), list):
        body["items"] = [
            {**item, "vehicle_id": "taxi-1", "time": datetime.now(UTC).isoformat()}
            if isinstance(item, dict)
            else item
            for item in body["items"]
        ]
    return body


def _send(client: TestClient, path: str, case: Any, own: bool, out: Outcome) -> None:
    token = TOKEN if path == "/v1/batches" else KEYS["admin"]
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    headers = {
        k: v for k, v in kwargs["headers"].items() if k.lower() not in ("authorization", "cookie")
    }
    headers["Authorization"] = f"Bearer {token}"
    body = _aim_at_gw1(kwargs.get("json"), own)
    request: dict[str, Any] = {"headers": headers, "params": kwargs.get("params")}
    if "json" in kwargs:
        request["json"] = body
    elif kwargs.get("data") is not None:
        request["content"] = kwargs["data"]
    response = client.request(kwargs["method"], kwargs["url"], **request)
    out.calls += 1
    if response.status_code >= 500:
        out.failures.append(
            f"{kwargs['method']} {kwargs['url']} -> {response.status_code}: "
            f"{response.text[:300]} (body {str(body)[:300]})"
        )
    if not isinstance(body, dict):
        return
    if (
        path == "/v1/batches"
        and response.status_code == 200
        and response.json()["status"] == "stored"
    ):
        out.stored_batches.add(uuid.UUID(response.json()["batch_id"]))
    if path == "/v1/admin/fleets" and isinstance(body.get("fleet_id"), str):
        if response.status_code == 201:
            out.made_fleets.add(body["fleet_id"])
        else:
            out.refused_fleets.add(body["fleet_id"])


def _fuzz(client: TestClient, operation: Any, out: Outcome) -> None:
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), own=st.booleans())
    def run(case: Any, own: bool) -> None:
        _send(client, operation.path, case, own, out)

    run()


@pytest.mark.slow
def test_fuzzing_finds_no_5xx_and_refused_requests_store_nothing(store_url: str) -> None:
    with open_store(store_url) as db:
        provision(db)
    app = create_app(settings_for(store_url, max_body_bytes=2_000_000))
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    assert len(operations) >= 25
    out = Outcome()
    with TestClient(app, raise_server_exceptions=False) as client:
        for operation in operations:
            _fuzz(client, operation, out)

    assert not out.failures, "\n".join(out.failures[:10])
    assert out.calls >= 2000
    assert out.stored_batches, "no generated batch was valid: the fuzzing never reached the store"
    in_store = {uuid.UUID(str(b)) for (b,) in query(store_url, "SELECT batch_id FROM batches")}
    assert in_store == out.stored_batches
    fleets = {str(f) for (f,) in query(store_url, "SELECT fleet_id FROM fleets")}
    assert fleets == {"f1", "f2"} | out.made_fleets
    assert not (out.refused_fleets - out.made_fleets) & fleets
