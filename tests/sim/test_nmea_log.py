"""GGA + RMC sentences the simulated GPS writes, read back by the gateway's NMEA parser."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from functools import reduce
from operator import xor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadsense.edge.decoding.nmea import KNOTS_TO_MPS, NmeaParser
from roadsense.sim.nmea_log import checksum, fix_lines

T0 = datetime(2025, 6, 2, tzinfo=UTC).timestamp()


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=120))
def test_checksum_is_the_xor_of_the_bytes(body: str) -> None:
    assert checksum(body) == reduce(xor, body.encode("ascii"), 0)


@settings(max_examples=300, deadline=None)
@given(
    second=st.integers(0, 3 * 86400),
    lat=st.floats(-89.9, 89.9),
    lon=st.floats(-179.9, 179.9),
    speed=st.floats(0.0, 60.0),
    course=st.floats(0.0, 720.0),
    hdop=st.floats(0.5, 5.0),
)
def test_a_fix_reads_back_as_written(
    second: int, lat: float, lon: float, speed: float, course: float, hdop: float
) -> None:
    counters: Counter[str] = Counter()
    parser = NmeaParser("taxi-1", counters)
    made = [
        parser.feed(line)
        for line in fix_lines(T0 + second, lat, lon, speed, course, hdop).splitlines()
    ]
    assert made[0] is None  # the GGA only carries the HDOP for the RMC of its second
    position = made[1]
    assert position is not None
    assert counters == Counter()
    assert position.time.timestamp() == T0 + second
    assert position.lat == pytest.approx(lat, abs=2e-7)  # 1e-5 minutes
    assert position.lon == pytest.approx(lon, abs=2e-7)
    assert position.speed_mps == pytest.approx(speed, abs=0.006 * KNOTS_TO_MPS * 2)
    assert position.heading_deg is not None
    assert (
        min(
            abs(position.heading_deg - course % 360.0),
            360.0 - abs(position.heading_deg - course % 360.0),
        )
        <= 0.051
    )
    assert position.hdop == pytest.approx(round(hdop, 1))
