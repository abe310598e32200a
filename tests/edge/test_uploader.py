"""The uploader against a real HTTP server on 127.0.0.1: retries, Retry-After, rejects, once."""

from __future__ import annotations

import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from roadsense.edge.transport import Backoff, Gateway, Outbox, Uploader
from roadsense.edge.transport.uploader import parse_retry_after

from .factories import event, position
from .scripted_server import POISON, TOKEN, Reply, ScriptedServer

FAST = Backoff(base_s=0.01, cap_s=0.05)


def uploader(outbox: Outbox, server: ScriptedServer, **kw: object) -> Uploader:
    options: dict[str, object] = {"backoff": FAST, "seed": 1, "max_items": 10, "rate_limit": None}
    options |= kw
    return Uploader(outbox, server.url, TOKEN, outbox.device_id, **options)  # type: ignore[arg-type]


def run_until_empty(up: Uploader, limit_s: float = 10.0) -> None:
    stop = threading.Event()
    timer = threading.Timer(limit_s, stop.set)
    timer.start()
    try:
        up.run(stop, until_empty=True)
    finally:
        timer.cancel()
    assert not stop.is_set(), "uploader did not empty the outbox in time"


def event_ids(server: ScriptedServer) -> list[str]:
    return [i["event_id"] for i in server.stored_items() if i["kind"] == "event"]


def test_503_twice_then_delivered(tmp_path: Path, server: ScriptedServer) -> None:
    server.script = [Reply(503), Reply(503)]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(i) for i in range(5)])
        up = uploader(outbox, server)
        first = up.upload_once()
        assert first.status == "retry"
        assert first.http_status == 503
        assert 0.0 <= first.delay_s <= FAST.ceiling(0)
        run_until_empty(up)
        up.close()
        assert outbox.stats().pending_records == 0
    assert server.statuses() == [503, 503, 201]
    assert len({r.batch_id for r in server.received}) == 1
    assert up.stats.retries == 2
    assert up.stats.sent_batches == 1
    assert sorted(event_ids(server)) == sorted(str(event(i).event_id) for i in range(5))
    assert {r.authorization for r in server.received} == {f"Bearer {TOKEN}"}


def test_retry_after_is_honoured(tmp_path: Path, server: ScriptedServer) -> None:
    server.script = [Reply(429, {"Retry-After": "0.4"})]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([position(1)])
        up = uploader(outbox, server, backoff=Backoff(base_s=0.0, cap_s=0.0))
        outcome = up.upload_once()
        assert (outcome.status, outcome.delay_s) == ("retry", 0.4)
        start = time.monotonic()
        outbox.add([position(2)])
        server.script = [Reply(429, {"Retry-After": "0.3"})]
        run_until_empty(up)
        elapsed = time.monotonic() - start
        up.close()
    assert elapsed >= 0.3
    assert server.statuses() == [429, 429, 201, 201]


def test_retry_after_parsing() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert parse_retry_after("99999999") == 3600.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None


def test_poisoned_batch_is_set_aside_and_the_rest_delivered(
    tmp_path: Path, server: ScriptedServer
) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([position(i) for i in range(10)])
        outbox.add([position(100, vehicle=POISON)])
        outbox.add([position(i) for i in range(10, 25)])
        up = uploader(outbox, server, max_items=10)
        run_until_empty(up)
        up.close()
        stats = outbox.stats()
        (dead,) = outbox.dead_letters()
    assert server.statuses() == [201, 422, 201]
    assert (up.stats.rejected_batches, up.stats.rejected_records) == (1, 10)
    # the 16 other positions and the outbox's report of what it set aside
    assert (stats.sent_records, stats.set_aside_records, stats.pending_records) == (17, 10, 0)
    assert POISON in dead.items_json
    assert "422" in dead.reason
    (report,) = [i for i in server.stored_items() if i["kind"] == "status"]
    assert report["vehicle_id"] == "taxi-1"
    assert report["counters"]["records_set_aside"] == 10


def test_claimed_event_id_is_set_aside_not_taken_as_sent(
    tmp_path: Path, server: ScriptedServer
) -> None:
    claimed = event(7)
    planted = claimed.model_dump(mode="json") | {"vehicle_id": "someone-else"}
    server.events[str(claimed.event_id)] = planted
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(i) for i in range(5)])
        outbox.add([claimed])
        outbox.add([event(i) for i in range(10, 15)])
        up = uploader(outbox, server, max_items=5)
        run_until_empty(up)
        up.close()
        stats = outbox.stats()
        (dead,) = outbox.dead_letters()
    # batches of five: the second holds the claimed id and is set aside whole
    assert server.statuses() == [201, 409, 201]
    assert (up.stats.rejected_batches, up.stats.rejected_records) == (1, 5)
    assert "409" in dead.reason
    assert str(claimed.event_id) in dead.items_json
    assert server.events[str(claimed.event_id)] == planted
    assert (stats.set_aside_records, stats.pending_records) == (5, 0)
    sent = {str(event(i).event_id) for i in (*range(5), 14)}
    assert set(event_ids(server)) == sent
    (report,) = [i for i in server.stored_items() if i["kind"] == "status"]
    assert report["counters"]["records_set_aside"] == 5


def test_unauthorised_waits_long_and_sets_nothing_aside(tmp_path: Path) -> None:
    srv = ScriptedServer().start()
    try:
        with Outbox(tmp_path / "o.db", "gw-1") as outbox:
            outbox.add([event(1)])
            up = Uploader(outbox, srv.url, "wrong", "gw-1", backoff=Backoff(cap_s=120.0))
            outcome = up.upload_once()
            assert (outcome.status, outcome.http_status, outcome.delay_s) == ("retry", 401, 120.0)
            stop = threading.Event()
            thread = threading.Thread(target=up.run, args=(stop,))
            thread.start()
            time.sleep(0.2)
            stop.set()
            thread.join(2)
            assert not thread.is_alive(), "run() must return promptly when stopped"
            up.close()
            assert outbox.stats().pending_records == 1
            assert outbox.stats().set_aside_batches == 0
        assert srv.statuses() == [401, 401]
    finally:
        srv.stop()


def test_connection_refused_backs_off(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(1)])
        up = Uploader(
            outbox, f"http://127.0.0.1:{port}", TOKEN, "gw-1", backoff=Backoff(1.0, 8.0), seed=3
        )
        delays = [up.upload_once().delay_s for _ in range(6)]
        up.close()
        assert outbox.stats().pending_records == 1
    assert all(0 <= d <= c for d, c in zip(delays, [1, 2, 4, 8, 8, 8], strict=True))
    assert up.stats.retries == 6


def test_too_large_batch_is_split(tmp_path: Path, server: ScriptedServer) -> None:
    server.script = [Reply(413)]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(i) for i in range(10)])
        up = uploader(outbox, server, max_items=10)
        run_until_empty(up)
        up.close()
        assert outbox.stats().set_aside_batches == 0
    assert [r.n_items for r in server.received] == [10, 5, 5]
    assert sorted(event_ids(server)) == sorted(str(event(i).event_id) for i in range(10))


def test_crash_after_ack_before_mark_sent_resends_same_batch(
    tmp_path: Path, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "o.db"
    outbox = Outbox(path, "gw-1")
    outbox.add([event(i) for i in range(3)])
    up = uploader(outbox, server)

    def crash(batch_id: object) -> None:
        raise SystemExit("power lost")

    monkeypatch.setattr(outbox, "mark_sent", crash)
    with pytest.raises(SystemExit):
        up.upload_once()
    up.close()
    outbox.close()
    with Outbox(path, "gw-1") as reopened:
        up2 = uploader(reopened, server)
        assert up2.upload_once().detail == "duplicate"
        assert up2.upload_once().status == "empty"
        up2.close()
    assert server.statuses() == [201, 200]
    assert server.received[0].batch_id == server.received[1].batch_id
    assert server.mismatched_repeats == []
    assert len(server.stored) == 1
    assert up2.stats.duplicates == 1


def test_exactly_once_through_lost_acks_and_errors(tmp_path: Path, server: ScriptedServer) -> None:
    server.script = [
        Reply(201, drop=True),
        Reply(503),
        Reply(429, {"Retry-After": "0"}),
        Reply(201, drop=True),
        Reply(500),
    ]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(i) for i in range(40)])
        outbox.add([position(i) for i in range(40)])
        up = uploader(outbox, server, max_items=15)
        run_until_empty(up)
        up.close()
    ids = event_ids(server)
    assert sorted(ids) == sorted(str(event(i).event_id) for i in range(40))
    times = [i["time"] for i in server.stored_items() if i["kind"] == "position"]
    assert len(times) == len(set(times)) == 40
    assert server.mismatched_repeats == []
    assert up.stats.duplicates == 1  # the second lost ack hit the same, already stored batch
    assert up.stats.sent_records == 80


def test_gateway_runs_until_stopped(tmp_path: Path, server: ScriptedServer) -> None:
    stop = threading.Event()
    with Gateway(tmp_path / "o.db", "gw-1", server.url, TOKEN, backoff=FAST, idle_s=0.01) as gw:
        thread = threading.Thread(target=gw.run, args=(stop,))
        thread.start()
        for k in range(5):
            gw.submit([position(k * 10 + i) for i in range(10)])
            time.sleep(0.02)
        deadline = time.monotonic() + 5
        while gw.stats().pending_records and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        thread.join(2)
        assert not thread.is_alive()
        assert gw.stats().sent_records == 50
    assert len(server.stored_items()) == 50
