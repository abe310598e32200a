"""Helper of the SIGKILL test: a fork server that starts short gateway lives on demand.

Usage: ``gateway_lives.py DB URL TOKEN DEVICE VEHICLE JOURNAL``. It imports the gateway once,
then for each ``life N`` line on stdin forks a child and answers ``pid PID``; ``reap PID``
waits for that child (the test kills it with SIGKILL) and answers ``reaped PID``. A child is
a whole gateway, started afresh (only its idle HTTP client is made once, in the fork
server): it opens the outbox, keeps adding records (each add one
warning and four fixes, as if read from its inputs) and uploads them, until it is killed.
After each add returned it appends ``N SEQ`` to the journal: what the outbox accepted.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from roadsense.edge.transport import Backoff, Gateway
from roadsense.schema import AdasEvent, EventSource, EventType, Position

T0 = datetime(2021, 3, 1, tzinfo=UTC)
FIXES = 4


def records(vehicle: str, life: int, seq: int) -> list[AdasEvent | Position]:
    """Add number ``seq`` of life ``life``: one warning and ``FIXES`` fixes."""
    base = T0 + timedelta(seconds=life * 1_000_000 + seq * FIXES)
    out: list[AdasEvent | Position] = [
        AdasEvent(
            event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"sigkill/{life}/{seq}"),
            vehicle_id=vehicle,
            time=base,
            type=EventType.FCW,
            level=2,
            lat=35.87,
            lon=128.6,
            source=EventSource.SIM,
            raw=[f"{life}/{seq}"],
        )
    ]
    out += [
        Position(vehicle_id=vehicle, time=base + timedelta(seconds=j), lat=35.87, lon=128.6)
        for j in range(FIXES)
    ]
    return out


def life(
    n: int, client: httpx.Client, db: str, url: str, token: str, device: str, vehicle: str
) -> None:
    """One life of the gateway: add and upload until killed."""
    journal = sys.argv[-1]
    fd = os.open(journal, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    with Gateway(
        Path(db),
        device,
        url,
        token,
        vehicle_id=vehicle,
        max_items=20,
        backoff=Backoff(0.005, 0.05),
        idle_s=0.005,
        rate_limit=None,
        client=client,
    ) as gw:

        def produce() -> None:
            seq = 0
            while True:
                gw.submit(records(vehicle, n, seq))
                os.write(fd, f"{n} {seq}\n".encode())
                seq += 1
                time.sleep(0.001)

        threading.Thread(target=produce, daemon=True).start()
        gw.run(threading.Event())


def main(argv: list[str]) -> int:
    db, url, token, device, vehicle, _journal = argv
    # made once, unused until a child has it: its TLS set-up (~0.1 s) would eat short lives
    client = httpx.Client(timeout=5.0)
    for line in sys.stdin:
        command, arg = line.split()
        if command == "life":
            pid = os.fork()
            if pid == 0:
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, 1)
                try:
                    life(int(arg), client, db, url, token, device, vehicle)
                finally:
                    os._exit(1)
            print(f"pid {pid}", flush=True)
        elif command == "reap":
            os.waitpid(int(arg), 0)
            print(f"reaped {arg}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
