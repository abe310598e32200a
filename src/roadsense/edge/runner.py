"""``roadsense edge run``: the in-vehicle main loop, feeding a :class:`Gateway`.

Live: CAN frames from a bus in this thread; GPS and IMU lines from their own threads through
a queue; the uploader in a thread of its own. Records go into the durable outbox in small
transactions (every ``submit_every_s``), so a power cut loses at most that much. Everything
stops when ``stop`` is set; what was decoded by then is in the outbox for the next start.

Logs: recorded CAN, NMEA and IMU logs are decoded in time order into the outbox, which is
then uploaded until empty (or ``stop``).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import can

from roadsense.edge.decoding.decoder import EdgeDecoder, replay
from roadsense.edge.transport.gateway import Gateway
from roadsense.schema import AnyRecord

logger = logging.getLogger(__name__)

LineSource = Callable[[threading.Event], Iterator[str]]
"""Opens a line source (serial port, gpsd, file) that ends when the event is set."""

SUBMIT_CHUNK = 500
BUS_RETRY_S = 1.0


@dataclass
class RunStats:
    """What one run did."""

    frames: int = 0
    """CAN frames received (good or bad)."""
    records: int = 0
    """Records stored in the outbox."""


def run_live(
    decoder: EdgeDecoder,
    bus: can.BusABC,
    gateway: Gateway,
    stop: threading.Event,
    *,
    gps: LineSource | None = None,
    imu: LineSource | None = None,
    submit_every_s: float = 1.0,
    clock: Callable[[], float] = time.time,
) -> RunStats:
    """Decode a live bus (and GPS, IMU) into the gateway until ``stop``."""
    stats = RunStats()
    lines: queue.Queue[tuple[Literal["gps", "imu"], str]] = queue.Queue(maxsize=10_000)
    threads = [threading.Thread(target=gateway.run, args=(stop,), name="uploader", daemon=True)]
    if gps is not None:
        threads.append(_reader("gps", gps, lines, stop))
    if imu is not None:
        threads.append(_reader("imu", imu, lines, stop))
    for thread in threads:
        thread.start()
    pending: list[AnyRecord] = []
    last_submit = clock()
    try:
        while not stop.is_set():
            try:
                msg = bus.recv(timeout=0.05)
                while msg is not None:
                    stats.frames += 1
                    pending.extend(decoder.on_frame(msg))
                    msg = bus.recv(timeout=0.0)
            except (can.CanError, OSError) as exc:
                # the interface went down (cable, adapter): keep GPS and uploads going
                decoder.counters["can_bus_errors"] += 1
                logger.warning("CAN bus error: %s; retrying in %.0f s", exc, BUS_RETRY_S)
                stop.wait(BUS_RETRY_S)
            while True:
                try:
                    kind, line = lines.get_nowait()
                except queue.Empty:
                    break
                if kind == "gps":
                    pending.extend(decoder.on_nmea_line(line))
                else:
                    pending.extend(decoder.on_imu_line(line))
            now = clock()
            pending.extend(decoder.advance(now))
            if pending and (now - last_submit >= submit_every_s or len(pending) >= SUBMIT_CHUNK):
                stats.records += gateway.submit(pending)
                pending = []
                last_submit = now
    finally:
        pending.extend(decoder.finish())
        stats.records += gateway.submit(pending)
        stop.set()
        for thread in threads:
            thread.join(timeout=15.0)
    return stats


def _reader(
    kind: Literal["gps", "imu"],
    source: LineSource,
    out: queue.Queue[tuple[Literal["gps", "imu"], str]],
    stop: threading.Event,
) -> threading.Thread:
    def pump() -> None:
        try:
            for line in source(stop):
                if stop.is_set():
                    return
                out.put((kind, line))
        except Exception:
            logger.exception("%s reader failed; decoding goes on without it", kind)

    return threading.Thread(target=pump, name=f"{kind}-reader", daemon=True)


def run_logs(
    decoder: EdgeDecoder,
    gateway: Gateway,
    stop: threading.Event,
    frames: Iterable[can.Message],
    nmea_lines: Iterable[str] = (),
    imu_lines: Iterable[str] = (),
    *,
    upload: bool = True,
) -> RunStats:
    """Decode recorded logs into the gateway, then upload until the outbox is empty."""
    stats = RunStats()
    chunk: list[AnyRecord] = []
    for record in replay(decoder, frames, nmea_lines, imu_lines):
        chunk.append(record)
        if len(chunk) >= SUBMIT_CHUNK:
            stats.records += gateway.submit(chunk)
            chunk = []
        if stop.is_set():
            break
    stats.records += gateway.submit(chunk)
    stats.frames = decoder.frames
    if upload and not stop.is_set():
        gateway.run(stop, until_empty=True)
    return stats
