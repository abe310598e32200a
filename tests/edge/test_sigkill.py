"""SIGKILL the gateway at random moments, over and over: every event reaches the server once.

The gateway (adding records and uploading them) is killed 60 times, each time 50 to 300 ms
into its life, and started afresh; at the end it drains its outbox. The server is the real
one (``roadsense serve`` on 127.0.0.1, DuckDB); what it stored is checked in DuckDB.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC
from pathlib import Path

import duckdb
import pytest

from roadsense.cli.fleet import provision
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.edge.transport import Gateway
from roadsense.schema import AdasEvent

from .gateway_lives import FIXES, records

pytestmark = pytest.mark.slow

LIVES = 60
HELPER = Path(__file__).with_name("gateway_lives.py")
VEHICLE = "taxi-k"


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    (cred,) = provision(store, [VEHICLE]).values()
    server = ServerProcess(store, free_port(), log_file=tmp_path / "server.log")
    server.start()
    db, journal = tmp_path / "outbox.db", tmp_path / "journal"
    rng = random.Random(20_191_216)
    helper_args = [cred.device_id, VEHICLE, str(journal)]
    zygote = subprocess.Popen(
        [sys.executable, str(HELPER), str(db), server.url, cred.token, *helper_args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert zygote.stdin is not None
    assert zygote.stdout is not None
    try:
        for n in range(LIVES):
            zygote.stdin.write(f"life {n}\n")
            zygote.stdin.flush()
            pid = int(zygote.stdout.readline().split()[1])
            time.sleep(rng.uniform(0.05, 0.3))
            os.kill(pid, signal.SIGKILL)
            zygote.stdin.write(f"reap {pid}\n")
            zygote.stdin.flush()
            assert zygote.stdout.readline().split() == ["reaped", str(pid)]
        zygote.stdin.close()
        assert zygote.wait(10) == 0
        with Gateway(
            db, cred.device_id, server.url, cred.token, vehicle_id=VEHICLE, rate_limit=None
        ) as gw:  # the last life: nothing new, drain
            pending_at_end = gw.stats().pending_records
            during_lives = gw.stats().sent_batches  # acknowledged and marked while killed
            stop = threading.Event()
            timer = threading.Timer(60.0, stop.set)
            timer.start()
            try:
                gw.run(stop, until_empty=True)
            finally:
                timer.cancel()
            assert gw.stats().pending_records == 0, "could not drain; see server.log"
    finally:
        if zygote.poll() is None:
            zygote.kill()
            zygote.wait()
        zygote.stdout.close()
        if not zygote.stdin.closed:
            zygote.stdin.close()
        server.stop()

    accepted = {
        (int(a), int(b))
        for line in journal.read_text().splitlines()
        if len(parts := line.split()) == 2
        for a, b in [parts]
    }
    con = duckdb.connect(str(store), read_only=True)
    try:
        events = [str(e) for (e,) in con.execute("SELECT event_id FROM events").fetchall()]
        fixes = [t for (t,) in con.execute("SELECT ts FROM positions").fetchall()]
        statuses = con.execute("SELECT count(*) FROM device_status").fetchone()
        items = con.execute("SELECT sum(items), count(*) FROM batches").fetchone()
    finally:
        con.close()
    assert statuses is not None
    assert items is not None

    # nothing twice: no fix twice, and no record sent in two batches (the store keeps an
    # event id once, so a second copy of an event would only show in the batch counts)
    doubled = [t for t, k in Counter(fixes).items() if k > 1]
    assert doubled == [], f"fixes stored twice: {doubled[:5]}"
    assert items[0] == len(events) + len(fixes) + statuses[0], "a record was sent twice"

    # nothing lost, nothing half: every add the journal names arrived whole; the add a kill
    # cut short (the one after a life's last journal line) arrived whole or not at all
    maybe = {(n, s + 1) for n, s in accepted} | {(n, 0) for n in range(LIVES)}
    owner: dict[str, tuple[int, int]] = {}
    for life, seq in accepted | maybe:
        for r in records(VEHICLE, life, seq):
            owner[str(r.event_id) if isinstance(r, AdasEvent) else r.time.isoformat()] = (life, seq)
    got: Counter[tuple[int, int]] = Counter()
    for key in [*events, *(t.astimezone(UTC).isoformat() for t in fixes)]:
        assert key in owner, f"a record nobody added: {key}"
        got[owner[key]] += 1
    missing = sorted(accepted - got.keys())
    assert missing == [], f"{len(missing)} accepted adds never arrived, e.g. {missing[:5]}"
    partial = {k: n for k, n in got.items() if n != 1 + FIXES}
    assert partial == {}, f"adds that arrived in part: {list(partial.items())[:5]}"

    # the test did what it says: many lives, each with work in flight when killed
    lives_with_adds = {n for n, _ in accepted}
    assert len(lives_with_adds) >= LIVES * 0.75, "most lives should have added records"
    assert len(accepted) >= 10 * LIVES
    assert during_lives >= 2 * LIVES, "uploads should have gone on during the lives"
    print(
        f"{LIVES} kills, {len(accepted)} adds accepted in {len(lives_with_adds)} lives, "
        f"{len(events)} events and {len(fixes)} fixes stored in {items[1]} batches "
        f"({during_lives} while it was being killed); {pending_at_end} records drained at the end"
    )
