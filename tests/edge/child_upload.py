"""Child process of the crash test: adds chunks of records while uploading them.

Usage: ``child_upload.py DB URL TOKEN TAG N_CHUNKS CHUNK_SIZE``. After each chunk is stored it
prints ``added TAG CHUNK``; it exits 0 once every chunk is added and the outbox is empty.
"""

from __future__ import annotations

import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from roadsense.edge.transport import Backoff, Gateway
from roadsense.schema import AdasEvent, EventSource, EventType, Position

T0 = datetime(2020, 6, 1, tzinfo=UTC)


def chunk(tag: str, c: int, size: int) -> list[AdasEvent | Position]:
    """``size`` events and ``size`` positions, each identifiable by (tag, chunk, index)."""
    out: list[AdasEvent | Position] = []
    for i in range(size):
        key = f"{tag}/{c}/{i}"
        out.append(
            AdasEvent(
                event_id=uuid.uuid5(uuid.NAMESPACE_URL, key),
                vehicle_id="taxi-7",
                time=T0,
                type=EventType.HMW,
                lat=35.87,
                lon=128.6,
                source=EventSource.SIM,
                raw=[key],
            )
        )
        out.append(
            Position(
                vehicle_id=f"t-{tag}-{c}-{i}", time=T0 + timedelta(seconds=i), lat=35.9, lon=128.6
            )
        )
    return out


def main(argv: list[str]) -> int:
    db, url, token, tag, n_chunks, size = argv
    with Gateway(
        Path(db),
        "gw-7",
        url,
        token,
        max_items=25,
        backoff=Backoff(0.005, 0.05),
        idle_s=0.005,
        rate_limit=None,
    ) as gw:

        def produce() -> None:
            for c in range(int(n_chunks)):
                gw.submit(chunk(tag, c, int(size)))
                print(f"added {tag} {c}", flush=True)
                time.sleep(0.002)

        producer = threading.Thread(target=produce)
        producer.start()
        stop = threading.Event()
        while True:
            finished = not producer.is_alive()
            gw.run(stop, until_empty=True)
            if finished:
                break
            time.sleep(0.002)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
