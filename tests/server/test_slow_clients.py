"""Slow and unauthenticated clients cannot starve the fleet (a real ``roadsense serve``).

Unauthenticated connections that send upload headers and then trickle their body are
answered 401 from the headers alone and never hold an upload slot; authenticated slow ones
hold at most their device's share of the slots until the body timeout answers them 408
and closes the connection; meanwhile a real gateway still uploads.
"""

from __future__ import annotations

import select
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roadsense.accounts import hash_token
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.edge.transport.gateway import Gateway
from roadsense.store import open_store
from tests.factories import T0, track

pytestmark = pytest.mark.slow

BODY_TIMEOUT_S = 6
SLOTS = 8
PER_DEVICE = 2
SLOW_DEVICES = 3
"""Each holds its share (2 of the 8 slots), leaving 2 for everyone else."""


def _token(device: str) -> str:
    return f"token-of-{device}"


def _slow_upload(port: int, token: str | None) -> socket.socket:
    """A connection that sends upload headers for 100,000 bytes and then one byte."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=BODY_TIMEOUT_S * 3)
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    head = (
        f"POST /v1/batches HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}"
        "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
    )
    sock.sendall(head.encode("ascii"))
    return sock


def _answer(sock: socket.socket) -> tuple[str, bool]:
    """The status line the server sent, and whether it then closed the connection."""
    data = b""
    closed = False
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
    except TimeoutError:
        pass
    finally:
        sock.close()
    return data.split(b"\r\n", 1)[0].decode("latin-1"), closed


def _first_answered(socks: list[socket.socket], n: int) -> list[socket.socket]:
    """The sockets the server has answered, waiting (a while at most) until ``n`` are."""
    answered: list[socket.socket] = []
    deadline = time.monotonic() + BODY_TIMEOUT_S / 2
    while len(answered) < n and time.monotonic() < deadline:
        ready, _, _ = select.select([s for s in socks if s not in answered], [], [], 0.1)
        answered += ready
    return answered


def _nothing_yet(sock: socket.socket) -> bool:
    """Whether the server has neither answered nor closed the connection yet."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    finally:
        sock.setblocking(True)
        sock.settimeout(BODY_TIMEOUT_S * 3)
    return False


def test_slow_clients_do_not_keep_a_gateway_from_uploading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "slow.duckdb"
    slow_devices = [f"gw-slow-{n}" for n in range(SLOW_DEVICES)]
    with open_store(store) as db:
        for n, device in enumerate([*slow_devices, "gw-real"]):
            db.add_device(device, f"taxi-{n}", hash_token(_token(device)))
    monkeypatch.setenv("ROADSENSE_MAX_INFLIGHT_UPLOADS", str(SLOTS))
    monkeypatch.setenv("ROADSENSE_MAX_UPLOADS_PER_DEVICE", str(PER_DEVICE))
    monkeypatch.setenv("ROADSENSE_BODY_TIMEOUT_S", str(BODY_TIMEOUT_S))
    server = ServerProcess(store, free_port(), log_file=tmp_path / "server.log")
    server.start()
    try:
        anonymous = [_slow_upload(server.port, None) for _ in range(SLOTS)]
        forged = [_slow_upload(server.port, "not-a-token") for _ in range(SLOTS)]
        # one more than its share per slow device: that one is refused at once
        slow = [_slow_upload(server.port, _token(d)) for d in slow_devices for _ in range(3)]
        unauthenticated = [_answer(s) for s in anonymous + forged]
        assert all(line.split()[1] == "401" and closed for line, closed in unauthenticated)

        answered = _first_answered(slow, SLOW_DEVICES)
        held = [s for s in slow if s not in answered]
        refused = [_answer(s) for s in answered]
        assert len(held) == SLOW_DEVICES * PER_DEVICE
        assert [line.split()[1] for line, _ in refused] == ["429"] * SLOW_DEVICES

        gateway = Gateway(
            tmp_path / "outbox.sqlite",
            "gw-real",
            server.url,
            _token("gw-real"),
            vehicle_id=f"taxi-{SLOW_DEVICES}",
            rate_limit=None,
            timeout_s=BODY_TIMEOUT_S,
        )
        with gateway:
            now = int((datetime.now(UTC) - T0).total_seconds())
            gateway.submit(track(f"taxi-{SLOW_DEVICES}", 50, start=now - 60))
            done = threading.Event()
            stats = gateway.run(done, until_empty=True)
        assert stats.sent_records == 50
        assert stats.rejected_batches == 0
        # the gateway got through while every slow connection still held its slot
        assert all(_nothing_yet(s) for s in held)

        answers = [_answer(s) for s in held]
        assert all(line.split()[1] == "408" and closed for line, closed in answers)
    finally:
        server.stop()
    with open_store(store) as db:
        assert db.totals().positions == 50
