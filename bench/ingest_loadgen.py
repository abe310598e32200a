"""A load generator for the ingest API: asyncio + raw HTTP/1.1 keep-alive over loopback.

Python's HTTP clients cost more CPU per request than the server under test, so this one
writes pre-formatted requests on a pool of keep-alive connections and reads the answers
with a minimal parser. Two modes:

- open loop (``fleet``): every simulated vehicle sends a batch every ``interval_s``, on
  schedule, whether or not earlier requests were answered; latency is measured from the
  scheduled send time, so a server falling behind shows as latency (no coordinated
  omission), and ``lag`` reports how late requests left.
- closed loop (``max``): ``connections`` clients send back to back.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
DAEGU = (35.8714, 128.6014)


@dataclass
class Device:
    device_id: str
    vehicle_id: str
    token: str
    seq: int = 0


@dataclass
class Result:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    records: int = 0
    acked: list[str] = field(default_factory=list)
    """Batch ids answered 200."""
    refused: list[tuple[int, bytes]] = field(default_factory=list)
    """(device index, request) answered 429, kept to send again (the gateway's outbox)."""
    errors: int = 0
    max_lag_ms: float = 0.0
    sent: int = 0


def batch_body(device: Device, positions: int, event_every: int) -> tuple[str, bytes, int]:
    """(batch id, JSON body, records) of the device's next batch."""
    n = device.seq
    device.seq += 1
    bid = str(uuid.uuid4())
    base = T0 + timedelta(seconds=n * positions)
    lat0 = DAEGU[0] + (hash(device.vehicle_id) % 1000) * 1e-4
    lon0 = DAEGU[1] + (hash(device.device_id) % 1000) * 1e-4
    items = []
    for i in range(positions):
        t = (base + timedelta(seconds=i)).isoformat()
        items.append(
            f'{{"kind":"position","vehicle_id":"{device.vehicle_id}","time":"{t}",'
            f'"lat":{lat0 + (n * positions + i) * 9e-5:.6f},"lon":{lon0:.6f},'
            f'"speed_mps":10.0,"heading_deg":0.0,"hdop":0.8}}'
        )
    records = positions
    if event_every and n % event_every == 0:
        items.append(
            f'{{"kind":"event","event_id":"{uuid.uuid4()}","vehicle_id":"{device.vehicle_id}",'
            f'"time":"{base.isoformat()}","type":"HMW","level":1,"lat":{lat0:.6f},'
            f'"lon":{lon0:.6f},"speed_mps":10.0,"headway_s":0.6,"source":"mobileye"}}'
        )
        records += 1
    body = f'{{"batch_id":"{bid}","device_id":"{device.device_id}","items":[{",".join(items)}]}}'
    return bid, body.encode(), records


def http_request(port: int, token: str, body: bytes) -> bytes:
    return (
        f"POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class Connection:
    """One keep-alive HTTP/1.1 connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            lname = name.strip().lower()
            if lname == b"content-length":
                length = int(value)
            elif lname == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.writer.close()
            self.writer = None
        return status, body


async def _one(
    conn: Connection, request: bytes, records: int, bid: str, due: float, index: int, out: Result
) -> None:
    try:
        status, _ = await conn.send(request)
    except (OSError, asyncio.IncompleteReadError):
        out.errors += 1
        conn.writer = None
        return
    out.latencies_ms.append((time.perf_counter() - due) * 1000)
    out.statuses[status] = out.statuses.get(status, 0) + 1
    if status == 200:
        out.records += records
        out.acked.append(bid)
    elif status == 429:
        out.refused.append((index, request))


async def open_loop(
    port: int,
    devices: list[Device],
    interval_s: float,
    duration_s: float,
    positions: int,
    event_every: int,
    connections: int,
) -> Result:
    """Each device sends a batch every ``interval_s`` for ``duration_s``."""
    out = Result()
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(Connection(port))
    rng = random.Random(7)
    offsets = sorted((rng.uniform(0, interval_s), i) for i in range(len(devices)))
    start = time.perf_counter() + 0.5
    tasks: set[asyncio.Task[None]] = set()

    async def fire(i: int, due: float) -> None:
        d = devices[i]
        bid, body, records = batch_body(d, positions, event_every)
        conn = await pool.get()
        lag = (time.perf_counter() - due) * 1000
        out.max_lag_ms = max(out.max_lag_ms, lag)
        try:
            await _one(conn, http_request(port, d.token, body), records, bid, due, i, out)
        finally:
            pool.put_nowait(conn)

    rounds = int(duration_s / interval_s)
    for r in range(rounds):
        for offset, i in offsets:
            due = start + r * interval_s + offset
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            out.sent += 1
            task = asyncio.create_task(fire(i, due))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return out


async def closed_loop(
    port: int, devices: list[Device], duration_s: float, positions: int, connections: int
) -> Result:
    """``connections`` clients sending ``positions``-record batches back to back."""
    out = Result()
    stop_at = time.perf_counter() + duration_s

    async def client(k: int) -> None:
        conn = Connection(port)
        i = k
        while time.perf_counter() < stop_at:
            d = devices[i % len(devices)]
            i += connections
            bid, body, records = batch_body(d, positions, 0)
            out.sent += 1
            await _one(
                conn,
                http_request(port, d.token, body),
                records,
                bid,
                time.perf_counter(),
                i % len(devices),
                out,
            )

    await asyncio.gather(*(client(k) for k in range(connections)))
    return out


async def resend(port: int, refused: list[tuple[int, bytes]], connections: int) -> Result:
    """Send refused requests again until each is acknowledged (the gateways catching up)."""
    out = Result()
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in refused:
        queue.put_nowait(item)

    async def client() -> None:
        conn = Connection(port)
        while not queue.empty():
            index, request = queue.get_nowait()
            status, body = await conn.send(request)
            out.statuses[status] = out.statuses.get(status, 0) + 1
            if status == 200:
                out.acked.append(json.loads(body)["batch_id"])
            else:
                await asyncio.sleep(1.0)
                queue.put_nowait((index, request))

    await asyncio.gather(*(client() for _ in range(connections)))
    return out


def run(coro: object) -> Result:
    import uvloop

    return uvloop.run(coro)  # type: ignore[arg-type]
