"""Writing one taxi's upload file: noise, order, events at the noisy onset fix."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime

import numpy as np
import pytest

from roadsense.schema.records import AdasEvent, EventType, Position
from roadsense.sim.events import Episode
from roadsense.sim.fleet import TaxiLog
from roadsense.sim.gps import METRES_PER_DEG_LAT
from roadsense.sim.output import read_vehicle_records, write_vehicle

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
    log.episodes = [
        Episode(EventType.HARSH_BRAKE, onset_s=10, duration_s=2.0, level=1, speed_mps=8.0),
        Episode(EventType.FCW, onset_s=n - 5, duration_s=1.0, level=2, speed_mps=9.0, ttc_s=2.1),
    ]
    return log


@pytest.mark.parametrize("sigma", [2.0, 5.0, 10.0])
def test_written_positions_have_the_noise_asked_for(tmp_path, sigma: float) -> None:
    (tmp_path / "vehicles").mkdir()
    n = 4000
    log = straight_log(n)
    count, truth = write_vehicle(
        tmp_path, log, START, sigma, np.random.default_rng(3), random.Random(3), {"e2": "H1"}
    )
    assert count == n
    records = read_vehicle_records(tmp_path, "taxi-007")
    positions = [r for r in records if isinstance(r, Position)]
    assert len(positions) == n
    north = np.array([p.lat - la for p, la in zip(positions, log.lat, strict=True)])
    east = np.array([p.lon - lo for p, lo in zip(positions, log.lon, strict=True)])
    north_m = north * METRES_PER_DEG_LAT
    east_m = east * METRES_PER_DEG_LAT * math.cos(math.radians(60.17))
    assert float(np.std(north_m)) == pytest.approx(sigma, rel=0.08)
    assert float(np.std(east_m)) == pytest.approx(sigma, rel=0.08)
    events = [r for r in records if isinstance(r, AdasEvent)]
    assert [e.type for e in events] == [EventType.HARSH_BRAKE, EventType.FCW]
    by_time = {p.time: p for p in positions}
    for e in events:
        assert (e.lat, e.lon) == (by_time[e.time].lat, by_time[e.time].lon)
    assert [t.hazard_id for t in truth] == [None, "H1"]
    assert truth[1].on_hazard
    assert truth[0].true_lat == pytest.approx(60.17 + 10 * 1e-5)


def test_records_are_time_ordered_with_events_after_their_fix(tmp_path) -> None:
    (tmp_path / "vehicles").mkdir()
    write_vehicle(
        tmp_path, straight_log(50), START, 5.0, np.random.default_rng(1), random.Random(1), {}
    )
    lines = (tmp_path / "vehicles" / "taxi-007.jsonl").read_text().splitlines()
    kinds = [line.split('"kind":"')[1].split('"')[0] for line in lines]
    assert len(lines) == 52
    assert kinds[10] == "event"  # onset at t=10: after the fix of t=10 (the 10th line)
    records = read_vehicle_records(tmp_path, "taxi-007")
    assert [r.time for r in records] == sorted(r.time for r in records)
