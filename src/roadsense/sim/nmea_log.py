"""NMEA 0183 sentences as a GPS receiver writes them: GGA then RMC, once a second.

The GGA comes first so that the RMC of the same second (which makes the gateway's
Position) finds its HDOP. Positions to 1e-5 minutes (about 2 cm), speed in knots to 0.01,
course to 0.1 degree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

KNOTS_PER_MPS = 3600.0 / 1852.0


def checksum(body: str) -> int:
    """XOR of the body's bytes (everything between ``$`` and ``*``)."""
    data = body.encode("ascii")
    x = int.from_bytes(data, "little")
    width = len(data)
    while width > 1:  # fold the halves onto each other until one byte is left
        half = (width + 1) // 2
        x = (x >> (8 * half)) ^ (x & ((1 << (8 * half)) - 1))
        width = half
    return x


def sentence(body: str) -> str:
    """``$BODY*CS`` with its checksum, and a line end."""
    return f"${body}*{checksum(body):02X}\n"


def _angle(value: float, width: int) -> str:
    """Degrees as NMEA ``(d)ddmm.mmmmm``."""
    degrees = int(value)
    minutes = round((value - degrees) * 60.0, 5)
    if minutes >= 60.0:
        degrees, minutes = degrees + 1, 0.0
    return f"{degrees:0{width}d}{minutes:08.5f}"


@lru_cache(maxsize=64)
def _date(day: int) -> str:
    return f"{datetime.fromtimestamp(day * 86400, UTC):%d%m%y}"


def fix_lines(
    t: float, lat: float, lon: float, speed_mps: float, course_deg: float, hdop: float
) -> str:
    """The GGA and RMC sentences of one fix at epoch time ``t`` (UTC)."""
    centis = round(t * 100)
    day, in_day = divmod(centis, 8_640_000)
    seconds, cs = divmod(in_day, 100)
    hms = f"{seconds // 3600:02d}{seconds // 60 % 60:02d}{seconds % 60:02d}.{cs:02d}"
    la = _angle(abs(lat), 2)
    ns = "N" if lat >= 0 else "S"
    lo = _angle(abs(lon), 3)
    ew = "E" if lon >= 0 else "W"
    gga = sentence(f"GPGGA,{hms},{la},{ns},{lo},{ew},1,09,{hdop:.1f},30.0,M,18.0,M,,")
    knots = speed_mps * KNOTS_PER_MPS
    course = round(course_deg % 360.0, 1) % 360.0
    rmc = sentence(f"GPRMC,{hms},A,{la},{ns},{lo},{ew},{knots:.2f},{course:.1f},{_date(day)},,,A")
    return gga + rmc
