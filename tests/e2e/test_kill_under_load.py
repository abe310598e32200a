"""The server SIGKILLed under load and restarted: every acknowledged upload is there, once.

Real server processes (``roadsense serve``) on 127.0.0.1, on a DuckDB file and on a real
PostgreSQL; eight uploaders send distinct batches as fast as they are acknowledged.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from roadsense.accounts import hash_token
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.schema import AnyRecord, Batch
from roadsense.store import open_store
from tests.backends import query
from tests.factories import batch, event, track

pytestmark = pytest.mark.slow

UPLOADERS = 8


class Uploader(threading.Thread):
    """Sends its own batches in order; remembers which were acknowledged."""

    def __init__(self, n: int, url: str, token: str, stop: threading.Event) -> None:
        super().__init__(name=f"uploader-{n}", daemon=True)
        self.vehicle = f"taxi-{n}"
        self.device = f"gw-{n}"
        self.url = url
        self.token = token
        self.stop = stop
        self.acked: list[Batch] = []
        self.unacked: list[Batch] = []

    def make(self, i: int) -> Batch:
        items: list[AnyRecord] = [
            *track(self.vehicle, 10, start=i * 10),
            event(self.vehicle, i * 10),
        ]
        return batch(items, self.device)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with httpx.Client(timeout=10.0) as client:
            i = 0
            while not self.stop.is_set():
                b = self.make(i)
                i += 1
                try:
                    r = client.post(
                        f"{self.url}/v1/batches", content=b.model_dump_json(), headers=headers
                    )
                except httpx.HTTPError:
                    self.unacked.append(b)
                    return  # the server is gone
                if r.status_code == 200:
                    self.acked.append(b)
                else:
                    self.unacked.append(b)


def stored(store_url: str) -> tuple[set[object], set[object], int, int]:
    batches = {row[0] for row in query(store_url, "SELECT batch_id FROM batches")}
    events = {row[0] for row in query(store_url, "SELECT event_id FROM events")}
    ((positions,),) = query(store_url, "SELECT count(*) FROM positions")
    ((distinct,),) = query(
        store_url, "SELECT count(*) FROM (SELECT DISTINCT vehicle_id, ts FROM positions) s"
    )
    return batches, events, int(str(positions)), int(str(distinct))


def test_every_acknowledged_upload_survives_a_sigkill(store_url: str, tmp_path: Path) -> None:
    tokens = {n: f"token-{n}-{uuid.uuid4()}" for n in range(UPLOADERS)}
    with open_store(store_url) as db:
        for n, token in tokens.items():
            db.add_device(f"gw-{n}", f"taxi-{n}", hash_token(token))
    server = ServerProcess(store_url, free_port(), log_file=tmp_path / "server.log")
    server.start()
    stop = threading.Event()
    uploaders = [Uploader(n, server.url, tokens[n], stop) for n in range(UPLOADERS)]
    try:
        for u in uploaders:
            u.start()
        deadline = time.monotonic() + 60
        while sum(len(u.acked) for u in uploaders) < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        server.kill()  # SIGKILL under load: no chance to tidy up
        for u in uploaders:
            u.join(timeout=30)
        stop.set()
        acked = [b for u in uploaders for b in u.acked]
        unacked = [b for u in uploaders for b in u.unacked]
        assert len(acked) >= 300, "the load did not get going"
        assert unacked, "the kill did not land while uploads were in flight"

        server.start()
        # the gateways catch up: send everything not acknowledged again (some may be
        # stored already, committed just before the kill: those come back as duplicates)
        with httpx.Client(timeout=30.0) as client:
            for b in unacked:
                n = int(b.device_id.removeprefix("gw-"))
                r = client.post(
                    f"{server.url}/v1/batches",
                    content=b.model_dump_json(),
                    headers={"Authorization": f"Bearer {tokens[n]}"},
                )
                assert r.status_code == 200, r.text
    finally:
        stop.set()
        server.stop()

    batches, events, positions, distinct = stored(store_url)
    sent = acked + unacked
    assert {b.batch_id for b in acked} <= batches, "an acknowledged batch was lost"
    assert batches == {b.batch_id for b in sent}
    expected_events = {item.event_id for b in sent for item in b.items if item.kind == "event"}
    assert events == expected_events
    assert positions == distinct == 10 * len(sent), "a position was lost or stored twice"
