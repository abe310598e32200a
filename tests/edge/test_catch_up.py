"""Hours offline, then catching up: in order, one request at a time, paced, 429s honoured.

A real HTTP server on 127.0.0.1 that is down (nothing listens on its port) while the gateway
collects a three-hour backlog, then comes up and is caught up with.
"""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from roadsense.cli.server_process import free_port
from roadsense.edge.transport import Backoff, Gateway, Outbox, Uploader
from roadsense.edge.transport.backoff import RateLimit
from roadsense.schema import AdasEvent, Position

from .factories import event, position
from .scripted_server import TOKEN, Reply, ScriptedServer

MINUTES = 180
"""Three hours of one fix a second, added a minute at a time, with two warnings a minute."""
PACE = RateLimit(per_s=10.0, burst=3)


def minute(m: int) -> list[AdasEvent | Position]:
    fixes: list[AdasEvent | Position] = [position(m * 60 + s) for s in range(60)]
    return [
        event(2 * m, tag="catch-up"),
        *fixes[:30],
        event(2 * m + 1, tag="catch-up"),
        *fixes[30:],
    ]


def windows_max(times: list[float], width_s: float) -> int:
    """The most requests any ``width_s`` window holds."""
    return max(sum(1 for u in times if t <= u < t + width_s) for t in times)


def test_offline_backlog_is_caught_up_in_order_paced_and_retry_after_honoured(
    tmp_path: Path,
) -> None:
    port = free_port()
    server = ScriptedServer()
    added: list[AdasEvent | Position] = []
    stop = threading.Event()
    with Gateway(
        tmp_path / "o.db",
        "gw-1",
        f"http://127.0.0.1:{port}",
        TOKEN,
        max_items=400,
        backoff=Backoff(base_s=0.02, cap_s=0.2),
        idle_s=0.01,
        seed=5,
        rate_limit=PACE,
    ) as gw:
        for m in range(2 * MINUTES // 3):  # two hours collected offline
            added += minute(m)
            gw.submit(minute(m))
        thread = threading.Thread(target=gw.run, args=(stop,))
        thread.start()
        try:
            time.sleep(0.6)  # the server is down: connection refused, capped backoff
            offline_attempts = gw.uploader.stats.retries
            server.script = [Reply(429, {"Retry-After": "0.3"})]
            server.start(port)
            for m in range(2 * MINUTES // 3, MINUTES):  # the last hour arrives while catching up
                added += minute(m)
                gw.submit(minute(m))
                time.sleep(0.005)
            deadline = time.monotonic() + 20
            while gw.stats().pending_records and time.monotonic() < deadline:
                time.sleep(0.02)
        finally:
            stop.set()
            thread.join(5)
            server.stop()
        assert gw.stats().pending_records == 0, "the backlog was not caught up"
        stats = gw.uploader.stats

    # offline: a handful of attempts, not a hammering
    assert 2 <= offline_attempts <= 40, offline_attempts
    received = server.received
    assert received[0].status == 429
    # Retry-After honoured, then the steady pace without a burst
    assert received[1].at - received[0].at >= 0.3
    assert received[6].at - received[1].at >= 5 / PACE.per_s * 0.9
    # one request at a time, never more than the rate limit allows
    assert server.max_in_flight == 1
    times = [r.at for r in received]
    assert windows_max(times, 1.0) <= PACE.burst + PACE.per_s + 1
    n = len(received)
    assert n >= 28
    assert times[-1] - times[0] >= 0.3 + (n - 2) / PACE.per_s * 0.9, "not paced"
    assert stats.paced_waits > 0
    # everything once, and each kind in the order it arrived (events go ahead of positions)
    assert [r.status for r in received[1:]] == [201] * (n - 1)
    assert list(server.stored) == [r.batch_id for r in received[1:]]
    items = server.stored_items()
    got_events = [i["event_id"] for i in items if i["kind"] == "event"]
    got_fixes = [Position.model_validate(i).time for i in items if i["kind"] == "position"]
    assert got_events == [str(r.event_id) for r in added if isinstance(r, AdasEvent)]
    assert got_fixes == [r.time for r in added if isinstance(r, Position)]
    assert len(items) == len(added) == MINUTES * 62


def test_batches_are_formed_in_arrival_order_within_priority(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        for m in range(10):
            outbox.add(minute(m))
        order: list[str] = []
        while (batch := outbox.next_batch(45)) is not None:
            order += batch.items_json
            outbox.mark_sent(batch.batch_id)
    records = [r for m in range(10) for r in minute(m)]
    events = [r.model_dump_json() for r in records if isinstance(r, AdasEvent)]
    fixes = [r.model_dump_json() for r in records if isinstance(r, Position)]
    assert order == events + fixes


def test_503_with_retry_after_waits_at_least_that_long(
    tmp_path: Path, server: ScriptedServer
) -> None:
    server.script = [Reply(503, {"Retry-After": "7"}), Reply(503)]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(1)])
        up = Uploader(outbox, server.url, TOKEN, "gw-1", backoff=Backoff(0.01, 0.05), seed=1)
        first = up.upload_once()
        second = up.upload_once()
        third = up.upload_once()
        up.close()
    assert (first.http_status, first.delay_s) == (503, 7.0)
    assert (second.http_status, second.status) == (503, "retry")
    assert second.delay_s <= 0.05  # without Retry-After: the backoff
    assert third.status == "sent"


def test_429_without_retry_after_backs_off_and_gives_up_the_burst(
    tmp_path: Path, server: ScriptedServer
) -> None:
    server.script = [Reply(429)]
    with Outbox(tmp_path / "o.db", "gw-1") as outbox:
        outbox.add([event(i) for i in range(6)])
        up = Uploader(
            outbox,
            server.url,
            TOKEN,
            "gw-1",
            max_items=1,
            backoff=Backoff(0.05, 0.05),
            seed=2,
            rate_limit=RateLimit(per_s=10.0, burst=10),
        )
        stop = threading.Event()
        up.run(stop, until_empty=True)
        up.close()
    times = [r.at for r in server.received]
    assert [r.status for r in server.received] == [429] + [201] * 6
    gaps = [b - a for a, b in itertools.pairwise(times[1:])]
    # 10 a second after the 429, not 10 at once; judged on the whole run, since one late
    # request on a loaded machine lets the next one follow it sooner
    assert sum(gaps) >= len(gaps) * 0.1 * 0.8, gaps
