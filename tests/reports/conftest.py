"""A real DuckDB store with a month of a small fleet driving Helsinki's real streets."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roadsense.roads.extracts import bundled_extract
from roadsense.schema import AdasEvent, Batch, EventSource, EventType, Position, Record
from roadsense.store import open_store
from tests.web.conftest import drive, road_graph

VEHICLES = 12
FIXES = 900
STEP_S = 2.0
TYPES = [EventType.FCW, EventType.HMW, EventType.PCW, EventType.LDW_LEFT]
MONTH_START = datetime(2024, 5, 6, 0, 0, tzinfo=UTC)


def _batches() -> list[Batch]:
    rng = random.Random(7)
    graph = road_graph(bundled_extract())
    batches = []
    for v in range(VEHICLES):
        items: list[Record] = []
        day = MONTH_START + timedelta(days=v % 7 * 3, hours=v)
        for i, (lat, lon, heading) in enumerate(drive(graph, rng, FIXES)):
            t = day + timedelta(seconds=i * STEP_S)
            items.append(
                Position(
                    vehicle_id=f"taxi-{v:03d}",
                    time=t,
                    lat=lat,
                    lon=lon,
                    speed_mps=8.0 + (i % 5),
                    heading_deg=heading,
                    hdop=0.8,
                )
            )
            if rng.random() < 0.06:
                kind = rng.choice(TYPES)
                items.append(
                    AdasEvent(
                        event_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                        vehicle_id=f"taxi-{v:03d}",
                        time=t,
                        type=kind,
                        level=2,
                        duration_s=1.0,
                        lat=lat,
                        lon=lon,
                        speed_mps=10.0,
                        ttc_s=1.3 if kind is EventType.FCW else None,
                        source=EventSource.SIM,
                    )
                )
        batches.append(
            Batch(
                batch_id=uuid.UUID(int=rng.getrandbits(128), version=4),
                device_id=f"d{v}",
                items=items,
            )
        )
    return batches


@pytest.fixture(scope="session")
def month_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with May 2024 of 12 taxis, and a recorded roll-out evaluation."""
    path = tmp_path_factory.mktemp("report") / "roadsense.duckdb"
    with open_store(path) as store:
        for batch in _batches():
            store.ingest(batch)
        now = datetime.now(UTC)
        store.record_analysis_run(
            "rollout",
            now,
            {"period": "week", "model": "poisson"},
            {"vehicle_km": 1.0},
            {
                "rate_ratios": [
                    {
                        "event_type": "FCW",
                        "rate_ratio": 0.71,
                        "ci_low": 0.55,
                        "ci_high": 0.92,
                        "p_value": 0.01,
                        "vehicles": 12,
                    },
                    {
                        "event_type": "HMW",
                        "rate_ratio": 0.93,
                        "ci_low": 0.70,
                        "ci_high": 1.24,
                        "p_value": 0.6,
                        "vehicles": 12,
                    },
                ],
                "not_estimated": [],
            },
        )
    return path
