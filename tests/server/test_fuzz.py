"""The API fuzzed from its own OpenAPI description (schemathesis), on both backends.

Over 2,000 generated requests per backend, valid and invalid, each with the credential of
its operation: none may answer 5xx, and nothing of a refused request may be stored. A
share of the generated requests is made hostile in the ways the hostile-input review
found (times at the ends of the calendar, huge or non-finite numbers, numbers sent as
booleans or text, repeated keys, NUL bytes, dates far outside any data in the query):
those must never be stored, whatever else the case holds.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
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
    hostile: int = 0
    """Uploads made hostile."""
    upload_answers: Counter[str] = field(default_factory=Counter)
    """What the genuine (not hostile) uploads aimed at the test device were answered."""


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


def _set_first_item(body: dict[str, Any], key: str, value: Any) -> str:
    items = body.get("items")
    if isinstance(items, list) and items and isinstance(items[0], dict):
        items[0] = {**items[0], key: value}
    else:
        body["items"] = [{"kind": "position", "vehicle_id": "taxi-1", key: value}]
    return json.dumps(body, allow_nan=True, default=str)


HOSTILE_BODIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "year 9999": lambda b: _set_first_item(b, "time", "9999-12-31T20:00:00Z"),
    "9999 with an offset": lambda b: _set_first_item(b, "time", "9999-12-31T23:59:59-01:00"),
    "year 1 with an offset": lambda b: _set_first_item(b, "time", "0001-01-01T00:00:00+01:00"),
    "speed 1e308": lambda b: _set_first_item(b, "speed_mps", 1e308),
    "lat true": lambda b: _set_first_item(b, "lat", True),
    "lat as text": lambda b: _set_first_item(b, "lat", "60.17"),
    "NaN": lambda b: _set_first_item(b, "lat", float("nan")),
    "Infinity": lambda b: _set_first_item(b, "value", float("inf")),
    "1e400": lambda b: _set_first_item(b, "lon", 1.0).replace('"lon": 1.0', '"lon": 1e400'),
    "schema_version as text": lambda b: json.dumps({**b, "schema_version": "1"}, default=str),
    "a key twice": lambda b: json.dumps(b, default=str).replace(
        "{", '{"schema_version": 1, "schema_version": 1, ', 1
    ),
}
"""Ways to make a generated upload hostile; each must be refused (never stored)."""

HOSTILE_PARAMS: list[dict[str, str]] = [
    {"since": "0001-01-01", "until": "9999-12-31"},
    {"fleet": "\x00"},
    {"hours": "99", "event_type": "\x00"},
]
"""Query parameters the review sent to the read routes (each must not answer 5xx)."""


def _send(
    client: TestClient, path: str, case: Any, own: bool, out: Outcome, hostile: int | None = None
) -> None:
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
    made_hostile = None
    if hostile is not None and path == "/v1/batches" and isinstance(body, dict):
        # the case as generated goes too, so that the share of genuine uploads does not
        # hang on how often the strategy draws no hostility
        _send(client, path, case, own, out)
        made_hostile = list(HOSTILE_BODIES)[hostile % len(HOSTILE_BODIES)]
        request.pop("json", None)
        request["content"] = HOSTILE_BODIES[made_hostile](dict(body))
        headers["Content-Type"] = "application/json"
    elif hostile is not None and kwargs["method"] == "GET":
        request["params"] = {
            **(request["params"] or {}),
            **HOSTILE_PARAMS[hostile % len(HOSTILE_PARAMS)],
        }
    response = client.request(kwargs["method"], kwargs["url"], **request)
    out.calls += 1
    if made_hostile is not None:
        out.hostile += 1
        if response.status_code < 400:
            out.failures.append(f"hostile upload ({made_hostile}) answered {response.status_code}")
            return
    if response.status_code >= 500:
        out.failures.append(
            f"{kwargs['method']} {kwargs['url']} -> {response.status_code}: "
            f"{response.text[:300]} (body {str(body)[:300]})"
        )
    if not isinstance(body, dict):
        return
    if path == "/v1/batches" and own and made_hostile is None:
        out.upload_answers[f"{response.status_code} {response.text[:300]}"] += 1
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
    @given(
        case=operation.as_strategy(),
        own=st.booleans(),
        hostile=st.none() | st.integers(min_value=0, max_value=100),
    )
    def run(case: Any, own: bool, hostile: int | None) -> None:
        _send(client, operation.path, case, own, out, hostile)

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
    assert out.hostile >= len(HOSTILE_BODIES), "too few hostile uploads were tried"
    assert out.stored_batches, (
        "no generated batch was valid: the fuzzing never reached the store; answers: "
        f"{out.upload_answers.most_common(8)}"
    )
    in_store = {uuid.UUID(str(b)) for (b,) in query(store_url, "SELECT batch_id FROM batches")}
    assert in_store == out.stored_batches
    fleets = {str(f) for (f,) in query(store_url, "SELECT fleet_id FROM fleets")}
    assert fleets == {"f1", "f2"} | out.made_fleets
    assert not (out.refused_fleets - out.made_fleets) & fleets
