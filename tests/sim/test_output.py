"""Writing one taxi's GPS log (NMEA with noise) and the true place of its warnings."""

from __future__ import annotations

import math
import uuid
from collections import Counter
from datetime import UTC, datetime

import numpy as np
import pytest

from roadsense.edge.decoding.nmea import NmeaParser
from roadsense.schema.records import EventSource, EventType, Position
from roadsense.sim.gps import METRES_PER_DEG_LAT
from roadsense.sim.output import vehicle_logs, write_vehicle
from roadsense.sim.traffic import TaxiLog
from roadsense.sim.unit import UnitWarning

START = datetime(2025, 6, 2, tzinfo=UTC)


def straight_log(n: int) -> TaxiLog:
    log = TaxiLog("taxi-007")
    for t in range(1, n + 1):
        log.times.append(t)
        log.lon.append(24.94)
        log.lat.append(60.17 + t * 1e-5)
        log.speed.append(1.1)
        log.angle.append(0.0)
        log.edge.append("e1" if t < n // 2 else "e2")
    epoch = START.timestamp()
    log.warnings = [
        UnitWarning(uuid.uuid4(), EventType.HARSH_BRAKE, EventSource.IMU, epoch + 10.5, 1),
        UnitWarning(uuid.uuid4(), EventType.FCW, EventSource.MOBILEYE, epoch + n - 5, 2),
    ]
    return log


def fixes(tmp_path, vehicle: str = "taxi-007") -> tuple[list[Position], Counter[str]]:
    counters: Counter[str] = Counter()
    parser = NmeaParser(vehicle, counters)
    lines = vehicle_logs(tmp_path, vehicle).nmea.read_text().splitlines()
    made = [parser.feed(line) for line in lines]
    return [p for p in made if p is not None], counters


@pytest.mark.parametrize("sigma", [2.0, 5.0, 10.0])
def test_written_fixes_have_the_noise_asked_for(tmp_path, sigma: float) -> None:
    (tmp_path / "vehicles").mkdir()
    n = 4000
    log = straight_log(n)
    count, truth = write_vehicle(
        tmp_path, log, START, sigma, np.random.default_rng(3), {"e2": "H1"}
    )
    assert count == n
    positions, counters = fixes(tmp_path)
    assert counters == Counter()
    assert len(positions) == n
    assert [p.time.timestamp() - START.timestamp() for p in positions] == log.times
    assert all(p.hdop is not None for p in positions)
    north = np.array([p.lat - la for p, la in zip(positions, log.lat, strict=True)])
    east = np.array([p.lon - lo for p, lo in zip(positions, log.lon, strict=True)])
    north_m = north * METRES_PER_DEG_LAT
    east_m = east * METRES_PER_DEG_LAT * math.cos(math.radians(60.17))
    assert float(np.std(north_m)) == pytest.approx(sigma, rel=0.08)
    assert float(np.std(east_m)) == pytest.approx(sigma, rel=0.08)
    speeds = [p.speed_mps or 0.0 for p in positions]
    assert np.mean(speeds) == pytest.approx(1.1, abs=0.02)

    assert [t.type for t in truth] == [EventType.HARSH_BRAKE, EventType.FCW]
    assert [t.event_id for t in truth] == [w.event_id for w in log.warnings]
    assert [t.hazard_id for t in truth] == [None, "H1"]
    assert truth[1].on_hazard
    # the true place of the onset's second, and the noisy fix the taxi reported then
    assert truth[0].true_lat == pytest.approx(60.17 + 10 * 1e-5)
    assert truth[0].time.timestamp() == START.timestamp() + 10.5
    fix10 = positions[9]
    assert (truth[0].lat, truth[0].lon) == pytest.approx((fix10.lat, fix10.lon), abs=1e-6)


def test_a_taxi_that_never_drove_writes_an_empty_log(tmp_path) -> None:
    (tmp_path / "vehicles").mkdir()
    count, truth = write_vehicle(
        tmp_path, TaxiLog("taxi-008"), START, 5.0, np.random.default_rng(1), {}
    )
    assert (count, truth) == (0, [])
    assert vehicle_logs(tmp_path, "taxi-008").nmea.read_text() == ""
