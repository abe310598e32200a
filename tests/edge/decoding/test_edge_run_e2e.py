"""End to end: a Mobileye unit on python-can's virtual bus -> ``roadsense edge run`` -> a real
ingest server on 127.0.0.1 -> a real DuckDB store."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import can
import can.interfaces.virtual
import duckdb
import pynmea2
import pytest
from typer.testing import CliRunner, Result

from roadsense.cli.fleet import provision
from roadsense.cli.main import app
from roadsense.cli.server_process import ServerProcess, free_port

pytestmark = pytest.mark.slow

LAT, LON = 35.8714, 128.6014


def nmea_file(path: Path, start: float, seconds: int) -> None:
    """1 Hz fixes around now, moving east at 15 m/s."""
    lines = []
    for i in range(seconds):
        when = datetime.fromtimestamp(int(start) + i, UTC)
        lon = LON + i * 15.0 / 90_000.0
        minutes = (lon - 128) * 60
        body = (
            f"GPRMC,{when:%H%M%S}.00,A,3552.2840,N,128{minutes:07.4f},E,29.2,90.0,{when:%d%m%y},,,A"
        )
        lines.append(f"${body}*{pynmea2.NMEASentence.checksum(body):02X}")
    path.write_text("\n".join(lines) + "\n")


def send_cycle(bus: can.BusABC, fcw: bool) -> None:
    warnings = bytes([6 if fcw else 0, 0, 1 | (12 << 1), 0, 0x08 if fcw else 0, 0, 0, 0])
    for frame_id, data in (
        (0x700, warnings),
        (0x760, bytes([0, 0x80, 54, 0, 0, 0, 0, 0])),  # 54 km/h
        (0x738, bytes([1, 0, 0, 0, 0, 0, 0, 0])),
    ):
        bus.send(can.Message(arbitration_id=frame_id, is_extended_id=False, data=data))


def test_edge_run_uploads_decoded_records(tmp_path: Path) -> None:
    store = tmp_path / "e2e.duckdb"
    cred = provision(store, ["taxi-9"])["taxi-9"]
    nmea = tmp_path / "gps.nmea"
    nmea_file(nmea, time.time() - 5, 40)
    channel = f"roadsense-{uuid.uuid4().hex[:8]}"
    server = ServerProcess(store, free_port(), log_file=tmp_path / "server.log")
    server.start()
    result: list[Result] = []
    try:
        args = [
            "edge", "run", "--can", channel, "--can-interface", "virtual",
            "--server", server.url, "--token", cred.token, "--device-id", cred.device_id,
            "--vehicle", "taxi-9", "--nmea-log", str(nmea),
            "--outbox", str(tmp_path / "outbox.sqlite"), "--duration", "5",
        ]  # fmt: skip
        gateway = threading.Thread(target=lambda: result.append(CliRunner().invoke(app, args)))
        gateway.start()
        deadline = time.monotonic() + 10
        while len(can.interfaces.virtual.channels.get(channel, [])) < 1:
            assert time.monotonic() < deadline, "edge run did not open the bus"
            time.sleep(0.02)
        with can.Bus(channel=channel, interface="virtual") as unit:
            for i in range(20):  # 1 s at 20 Hz: FCW from 0.25 to 0.75 s
                send_cycle(unit, fcw=5 <= i < 15)
                time.sleep(0.05)
        # then the unit falls silent: reported after 2 s
        gateway.join(timeout=60)
        assert not gateway.is_alive()
    finally:
        server.stop()
    assert result[0].exit_code == 0, result[0].output
    assert "outbox: 0 records waiting" in result[0].output
    con = duckdb.connect(str(store), read_only=True)
    events = con.execute(
        "SELECT type, level, duration_s, position_flag, lat, speed_mps, headway_s, source "
        "FROM events WHERE vehicle_id = 'taxi-9'"
    ).fetchall()
    silent = con.execute("SELECT count(*) FROM device_status WHERE adas_silent").fetchone()
    positions = con.execute("SELECT count(*) FROM positions").fetchone()
    con.close()
    ((kind, level, duration, flag, lat, speed, headway, source),) = events
    assert (kind, level, source, flag) == ("FCW", 2, "mobileye", "interpolated")
    assert 0.3 < duration < 0.7
    assert lat == pytest.approx(LAT)
    assert speed == pytest.approx(15.0)
    assert headway == pytest.approx(1.2)
    assert silent == (2,)  # when it fell silent, and the last status at shutdown
    assert positions == (40,)
