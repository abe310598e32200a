"""The default run plants hazards that stand out by event rate (the demo's promise)."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path

import h3
import pytest

from roadsense.sim import SimConfig, load_ground_truth, run_simulation

pytestmark = pytest.mark.slow

RESOLUTION = 10
MIN_EXPOSURE_KM = 1.0


def cells_along(line: list[tuple[float, float]]) -> set[str]:
    cells: set[str] = set()
    for (lon0, lat0), (lon1, lat1) in itertools.pairwise(line):
        for k in range(21):
            f = k / 20
            cells.add(
                h3.latlng_to_cell(lat0 + f * (lat1 - lat0), lon0 + f * (lon1 - lon0), RESOLUTION)
            )
    return cells


def rates(out_dir: Path) -> dict[str, float]:
    """Events per 1,000 vehicle-km in each cell with enough exposure."""
    exposure_km: dict[str, float] = {}
    events: Counter[str] = Counter()
    for path in sorted((out_dir / "vehicles").glob("*.jsonl")):
        with path.open() as handle:
            for line in handle:
                record = json.loads(line)
                cell = h3.latlng_to_cell(record["lat"], record["lon"], RESOLUTION)
                if record["kind"] == "position":
                    speed = record["speed_mps"] or 0.0
                    exposure_km[cell] = exposure_km.get(cell, 0.0) + speed / 1000.0
                else:
                    events[cell] += 1
    return {
        cell: events[cell] / km * 1000.0
        for cell, km in exposure_km.items()
        if km >= MIN_EXPOSURE_KM
    }


def test_default_run_hazards_are_top_hotspots(tmp_path: Path) -> None:
    result = run_simulation(SimConfig(out_dir=tmp_path))
    assert result.wall_s < 60
    by_rate = rates(tmp_path)
    assert len(by_rate) >= 50
    top5 = set(sorted(by_rate, key=lambda c: -by_rate[c])[:5])
    truth = load_ground_truth(tmp_path)
    assert len(truth.hazards) == 3
    for hazard in truth.hazards:
        cells = set().union(*(cells_along(line) for line in hazard.polylines))
        assert cells & top5, f"{hazard.hazard_id} is not among the top 5 cells"
    # normal streets have events too
    assert sum(1 for r in by_rate.values() if r > 0) >= 20
