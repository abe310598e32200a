"""End to end: simulated fleet -> each taxi's logs through its gateway's decoder -> real
gateways -> real API on 127.0.0.1 -> real DuckDB.

Nothing lost, nothing doubled, even when the server is killed mid-upload and restarted.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import httpx
import pytest

from roadsense.cli.fleet import load_outboxes, provision, provision_viewer, run_gateways
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.schema import AdasEvent, Position
from roadsense.sim import SimConfig, SimResult, run_simulation
from roadsense.sim.decode import decode_vehicle

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tiny_sim(tmp_path_factory: pytest.TempPathFactory) -> SimResult:
    out = tmp_path_factory.mktemp("sim")
    return run_simulation(SimConfig(out_dir=out, vehicles=5, duration_s=600, seed=7))


def batches_stored(url: str, key: str) -> int:
    try:
        response = httpx.get(
            f"{url}/v1/panels/summary?fresh=true",
            timeout=2.0,
            headers={"Authorization": f"Bearer {key}"},
        )
    except httpx.HTTPError:
        return 0
    response.raise_for_status()
    return int(response.json()["batches"])


def test_everything_arrives_exactly_once_across_a_server_kill(
    tiny_sim: SimResult, tmp_path: Path
) -> None:
    # what the gateways make of the taxis' CAN, NMEA and IMU logs
    expected_positions: set[tuple[str, str]] = set()
    expected_events: set[str] = set()
    decoded = 0
    for vid in tiny_sim.vehicle_ids:
        for record in decode_vehicle(tiny_sim.out_dir, vid):
            decoded += 1
            if isinstance(record, Position):
                expected_positions.add((vid, record.time.isoformat()))
            elif isinstance(record, AdasEvent):
                expected_events.add(str(record.event_id))
    assert len(expected_positions) == tiny_sim.positions
    assert len(expected_events) == tiny_sim.events > 0

    store = tmp_path / "e2e.duckdb"
    creds = provision(store, tiny_sim.vehicle_ids)
    key = provision_viewer(store)
    server = ServerProcess(store, free_port(), log_file=tmp_path / "server.log")
    server.start()
    try:
        outboxes = tmp_path / "outbox"
        loaded = load_outboxes(tiny_sim.out_dir, outboxes, creds, server.url)
        assert loaded == decoded  # positions, events, signs seen, device statuses
        stop = threading.Event()
        finished: list[int] = []
        uploader = threading.Thread(
            target=lambda: finished.append(
                run_gateways(outboxes, creds, server.url, workers=3, max_items=25, stop=stop)
            )
        )
        uploader.start()
        deadline = time.monotonic() + 60
        before_kill = 0
        while before_kill < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
            before_kill = batches_stored(server.url, key)
        server.kill()  # SIGKILL mid-upload: no chance to tidy up
        killed_at = batches_stored(server.url, key)
        assert killed_at == 0  # it is really gone
        time.sleep(1.0)
        server.start()
        uploader.join(timeout=180)
        stop.set()
        assert not uploader.is_alive(), "gateways did not catch up after the restart"
        assert finished == [len(creds)]
    finally:
        server.stop()

    all_batches = -(-decoded // 25)
    assert 20 <= before_kill < all_batches, "the kill did not land mid-upload"
    con = duckdb.connect(str(store), read_only=True)
    rows = con.execute("SELECT vehicle_id, ts FROM positions").fetchall()
    got_positions = [(v, t.isoformat()) for v, t in rows]
    got_events = [str(e) for (e,) in con.execute("SELECT event_id FROM events").fetchall()]
    con.close()
    assert len(got_positions) == len(set(got_positions)), "a position was stored twice"
    assert {(v, _utc(t)) for v, t in got_positions} == {(v, _utc(t)) for v, t in expected_positions}
    assert sorted(got_events) == sorted(expected_events)


def _utc(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone(UTC).isoformat()
