"""NMEA 0183 GPS: sentences (RMC, GGA, VTG via pynmea2) to Positions; lines from gpsd.

Files and serial ports give lines through :mod:`roadsense.edge.decoding.line_sources`.

One Position per valid RMC (it carries the date); GGA of the same second adds the HDOP and
VTG fills speed and course where the RMC left them empty. Bad checksums, garbage lines,
fixes out of range, no-fix sentences and time going backwards are counted, never raised.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from datetime import time as dtime

import pynmea2
from pydantic import ValidationError

from roadsense.edge.decoding.counters import Counters
from roadsense.schema import Position

logger = logging.getLogger(__name__)

KNOTS_TO_MPS = 1852.0 / 3600.0
GPSD_WATCH = b'?WATCH={"enable":true,"nmea":true}\n'
MAX_LINE = 512


class NmeaParser:
    """Turns NMEA lines into Positions of one vehicle."""

    def __init__(self, vehicle_id: str, counters: Counters) -> None:
        self.vehicle_id = vehicle_id
        self.counters = counters
        self._hdop: tuple[dtime, float] | None = None
        self._vtg: tuple[float | None, float | None] = (None, None)
        self._last_t: float | None = None

    def feed(self, line: str) -> Position | None:
        """One line; the Position it completes, if any."""
        line = line.strip()
        if not line:
            return None
        if len(line) > MAX_LINE or not line.startswith(("$", "!")):
            self.counters["nmea_garbage"] += 1
            return None
        try:
            msg = pynmea2.parse(line, check=True)
        except pynmea2.ChecksumError:
            self.counters["nmea_bad_checksum"] += 1
            return None
        except (pynmea2.ParseError, ValueError, TypeError, AttributeError, KeyError):
            self.counters["nmea_parse_error"] += 1
            return None
        try:
            if isinstance(msg, pynmea2.types.talker.RMC):
                return self._rmc(msg)
            if isinstance(msg, pynmea2.types.talker.GGA):
                self._gga(msg)
            elif isinstance(msg, pynmea2.types.talker.VTG):
                self._vtg = (_float(msg.spd_over_grnd_kmph), _float(msg.true_track))
        except (ValueError, TypeError, AttributeError, IndexError, OverflowError):
            self.counters["nmea_parse_error"] += 1
        return None

    def _gga(self, msg: pynmea2.types.talker.GGA) -> None:
        hdop = _float(msg.horizontal_dil)
        stamp = msg.timestamp  # pynmea2 parses a field each time it is read: read it once
        if stamp is not None and hdop is not None and int(msg.gps_qual or 0) > 0:
            self._hdop = (stamp, hdop)

    def _rmc(self, msg: pynmea2.types.talker.RMC) -> Position | None:
        if msg.status != "A":
            self.counters["nmea_no_fix"] += 1
            return None
        date, stamp = msg.datestamp, msg.timestamp  # each read parses the field again
        if date is None or stamp is None:
            self.counters["nmea_parse_error"] += 1
            return None
        when = datetime.combine(date, stamp)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        knots = _float(msg.spd_over_grnd)
        course = _float(msg.true_course)
        vtg_kmh, vtg_course = self._vtg
        speed = knots * KNOTS_TO_MPS if knots is not None else _kmh(vtg_kmh)
        course = course if course is not None else vtg_course
        hdop = self._hdop[1] if self._hdop and self._hdop[0] == stamp else None
        self._vtg = (None, None)
        try:
            position = Position(
                vehicle_id=self.vehicle_id,
                time=when,
                lat=msg.latitude,
                lon=msg.longitude,
                speed_mps=speed,
                heading_deg=None if course is None else course % 360.0,
                hdop=hdop,
            )
        except ValidationError:
            self.counters["nmea_invalid_fix"] += 1
            return None
        t = when.timestamp()
        if self._last_t is not None and t <= self._last_t:
            name = "nmea_repeated" if t == self._last_t else "nmea_time_backwards"
            self.counters[name] += 1
            if t == self._last_t:
                return None
        else:
            self._last_t = t
        return position


def _float(value: object) -> float | None:
    if value is None or value == "":
        return None
    out = float(value)  # type: ignore[arg-type]
    return out if math.isfinite(out) else None


def _kmh(value: float | None) -> float | None:
    return None if value is None else value / 3.6


def gpsd_lines(
    stop: threading.Event,
    *,
    host: str = "127.0.0.1",
    port: int = 2947,
    retry_s: float = 1.0,
) -> Iterator[str]:
    """NMEA lines from gpsd (its TCP service, asked to pass NMEA through) until ``stop``."""
    while not stop.is_set():
        try:
            with socket.create_connection((host, port), timeout=2.0) as sock:
                sock.sendall(GPSD_WATCH)
                sock.settimeout(0.5)
                buffer = b""
                while not stop.is_set():
                    try:
                        chunk = sock.recv(4096)
                    except TimeoutError:
                        continue
                    if not chunk:
                        raise ConnectionError("gpsd closed the connection")
                    buffer += chunk
                    *lines, buffer = buffer.split(b"\n")
                    if len(buffer) > 4 * MAX_LINE:
                        buffer = b""
                    for raw in lines:
                        if raw.startswith((b"$", b"!")):
                            yield raw.decode("ascii", errors="replace")
        except OSError as exc:
            logger.warning("gpsd at %s:%d: %s; retrying", host, port, exc)
            stop.wait(retry_s)
