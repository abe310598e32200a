"""A full write queue answers 429 with Retry-After, stores nothing of the refused uploads,
and everything acknowledged is stored (both backends)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from roadsense.server.app import create_app
from roadsense.store import open_store
from tests.factories import batch, track
from tests.server.conftest import ANALYST, TOKEN, auth, provision, settings_for

LIMITS = {
    "write queue full": {"queue_capacity": 1},
    "too many uploads in progress": {"max_inflight_uploads": 2},
}


@pytest.fixture(params=list(LIMITS))
def tight_client(store_url: str, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    with open_store(store_url) as db:
        provision(db)
    limits = LIMITS[request.param]
    app = create_app(settings_for(store_url, max_body_bytes=10_000_000, **limits))
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def test_a_full_queue_sheds_with_429_and_loses_nothing(tight_client: TestClient) -> None:
    payloads = [batch(track("taxi-1", 1500, start=i * 1500), "gw-1") for i in range(48)]
    answers: dict[int, tuple[int, str | None]] = {}
    lock = threading.Lock()

    def upload(indexes: list[int]) -> None:
        for i in indexes:
            r = tight_client.post(
                "/v1/batches", content=payloads[i].model_dump_json(), headers=auth(TOKEN)
            )
            with lock:
                answers[i] = (r.status_code, r.headers.get("retry-after"))

    threads = [threading.Thread(target=upload, args=(list(range(k, 48, 12)),)) for k in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = [code for code, _ in answers.values()]
    assert set(statuses) <= {200, 429}
    assert statuses.count(429) > 0, "the queue never filled"
    assert all(int(after or 0) >= 1 for code, after in answers.values() if code == 429)
    acked = [i for i, (code, _) in answers.items() if code == 200]
    summary = tight_client.get("/v1/panels/summary?fresh=true", headers=ANALYST).json()
    assert summary["batches"] == len(acked)
    assert summary["positions"] == 1500 * len(acked)

    # the refused uploads go through once the queue has room (the gateway retries)
    for i, (code, _) in sorted(answers.items()):
        if code == 429:
            r = tight_client.post(
                "/v1/batches", content=payloads[i].model_dump_json(), headers=auth(TOKEN)
            )
            assert r.status_code == 200
    summary = tight_client.get("/v1/panels/summary?fresh=true", headers=ANALYST).json()
    assert (summary["batches"], summary["positions"]) == (48, 48 * 1500)
    metrics = tight_client.get("/metrics", headers=ANALYST).text
    busy = [line for line in metrics.splitlines() if 'reason="busy"' in line and "_total" in line]
    assert busy
    assert float(busy[0].split()[-1]) == statuses.count(429)
