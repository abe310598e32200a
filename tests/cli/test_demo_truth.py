"""Found vs planted reads what the ground truth plants, and says 0 where it plants nothing."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import h3
import pytest

from roadsense.analytics.assets import LaneQuality
from roadsense.cli.demo_truth import (
    CONFLICT_TOP_K,
    GROUND_TRUTH_FILE,
    conflicts_vs_sites,
    devices_flagged,
    lanes_found,
    potholes_found,
    read_truth_extras,
    rollout_rows,
    signs_found,
)
from roadsense.sim import load_ground_truth, run_simulation
from roadsense.sim.conflicts import read_truth_conflicts
from roadsense.sim.ground_truth import RateRatioTruth, RolloutTruth
from roadsense.sim.output import read_truth_events
from tests.sim.conftest import small_config


def test_nothing_planted_reads_as_zero() -> None:
    assert signs_found({}, None)["planted"] == 0
    assert potholes_found({}, None) == {
        "planted": 0,
        "found": 0,
        "confirmed": 0,
        "worn_lane_segments": 0,
    }
    assert devices_flagged({}, None)["planted_faults"] == 0
    assert lanes_found({}, []) == {"planted": 0, "found": 0, "worn_segments": 0, "segments": 0}
    assert rollout_rows({}, None) == []


def test_a_worn_stretch_is_found_on_a_worn_segment_of_its_ways() -> None:
    extras = {
        "worn_markings": [
            {"stretch_id": "L1", "osm_way_ids": [101, 102]},
            {"stretch_id": "L2", "osm_way_ids": [201]},
            {"stretch_id": "L3", "osm_way_ids": [301]},
        ]
    }
    lanes = [
        LaneQuality("102:0", 40, 6, 0.4, 0.9, True),
        LaneQuality("201:1", 40, 6, 2.8, 0.1, False),  # rated, but not worn
        LaneQuality("999:0", 40, 6, 0.8, 0.7, True),  # worn, but not planted
    ]
    assert lanes_found(extras, lanes) == {
        "planted": 3,
        "found": 1,
        "worn_segments": 2,
        "segments": 3,
    }


def test_planted_things_are_read_from_the_ground_truth_file(tmp_path: Path) -> None:
    truth = {
        "hazards": [],
        "signs": [
            {"lon": 24.94, "lat": 60.17, "value": 30, "kind": "differs"},
            {"lon": 24.95, "lat": 60.18, "kind": "missing"},
        ],
        "potholes": [{"lon": 24.93, "lat": 60.16}],
        "device_faults": [
            {"vehicle_id": "taxi-001", "kind": "failsafe"},
            {"vehicle_id": "taxi-002", "kind": "silent"},
        ],
        # the section as the simulation writes it (its own model), not a shape of our own
        "rollout": RolloutTruth(
            plan_file="rollout_plan.csv",
            waves=2,
            days=1,
            ratios=[_ratio("HMW", 0.7), _ratio("FCW", 0.8)],
        ).model_dump(mode="json"),
    }
    (tmp_path / GROUND_TRUTH_FILE).write_text(json.dumps(truth), encoding="utf-8")
    extras = read_truth_extras(tmp_path)
    assert signs_found(extras, None) == {
        "planted": 2,
        "found": 0,
        "mismatches": 0,
        "inventory": 0,
        "missing": {"planted": 1, "found": 0},  # OSM has no maxspeed at the second
    }
    assert potholes_found(extras, None)["planted"] == 1
    assert devices_flagged(extras, None)["planted_faults"] == 2
    rows = rollout_rows(extras, None)
    assert [
        (r["event_type"], r["planted_rate_ratio"], r["true_rate_ratio"], r["rate_ratio"])
        for r in rows
    ] == [("FCW", 0.8, 0.8, None), ("HMW", 0.7, 0.8, None)]
    assert all(r["covered"] is None and r["covers_true"] is None for r in rows)


def _ratio(kind: str, planted: float) -> RateRatioTruth:
    return RateRatioTruth(
        event_type=kind,
        planted_rate_ratio=planted,
        silent_km=10.0,
        live_km=10.0,
        silent_events=5,
        live_events=4,
        rate_ratio=0.8,
    )


@pytest.mark.parametrize("bad", [[1, 2], {"ratios": "no"}, {"ratios": [{"x": 1}]}, None])
def test_a_malformed_rollout_truth_plants_nothing(bad: object) -> None:
    assert rollout_rows({"rollout": bad}, None) == []


@pytest.fixture(scope="module")
def ssm_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small simulation with SUMO's SSM conflicts in its truth."""
    out = tmp_path_factory.mktemp("sim-ssm")
    run_simulation(small_config(out))
    return out


RES = 10
"""Cells of about 65 m: the small run's warnings and conflicts fall in more cells than the
top ten (at resolution 9 they fell in 9 once close followers dropped back behind braking
cars, 2026-12-03)."""


def _cells(out: Path, warnings: Callable[[int], int]) -> list[dict[str, Any]]:
    """Ranked cells as the dashboard lists them: every cell with an SSM conflict or a
    warning, ranked by ``warnings(conflicts)`` (most first), with that many warnings."""
    per_cell = Counter(
        {h3.latlng_to_cell(e.true_lat, e.true_lon, RES): 0 for e in read_truth_events(out)}
    )
    per_cell.update(
        h3.latlng_to_cell(c.lat, c.lon, RES) for c in read_truth_conflicts(out) if c.lat and c.lon
    )
    rows = [
        {"cell": cell, "events": warnings(n), "vehicle_km": 1.0} for cell, n in per_cell.items()
    ]
    rows.sort(key=lambda r: (-r["events"], r["cell"]))
    return [{**r, "rank": i} for i, r in enumerate(rows, start=1)]


@pytest.mark.slow
def test_a_ranking_that_follows_the_conflicts_agrees_with_them(ssm_run: Path) -> None:
    truth = load_ground_truth(ssm_run)
    assert truth.conflicts is not None
    cells = _cells(ssm_run, lambda n: n)
    got = conflicts_vs_sites(ssm_run, truth, cells)
    counts = sorted((int(r["events"]) for r in cells), reverse=True)
    assert len(cells) > CONFLICT_TOP_K
    assert got["conflicts"] == truth.conflicts.conflicts == sum(counts)
    assert got["in_ranked_cells"] == sum(counts)
    assert got["in_top_cells"] == sum(counts[:CONFLICT_TOP_K])
    assert got["spearman_warnings"] == pytest.approx(1.0)
    assert got["validation"]["top_k_overlap"] == pytest.approx(1.0)
    assert [h["conflicts"] for h in got["hazards"]] == list(truth.conflicts.per_hazard.values())
    # the opposite ranking puts the fewest conflicts on top
    worst = conflicts_vs_sites(ssm_run, truth, _cells(ssm_run, lambda n: max(counts) - n))
    assert worst["spearman_warnings"] == pytest.approx(-1.0)
    assert worst["in_top_cells"] < got["in_top_cells"]


@pytest.mark.slow
def test_a_run_without_ssm_compares_nothing(ssm_run: Path) -> None:
    truth = load_ground_truth(ssm_run).model_copy(update={"conflicts": None})
    got = conflicts_vs_sites(ssm_run, truth, _cells(ssm_run, lambda n: n))
    assert got["ssm"] is False
    assert got["conflicts"] == got["in_top_cells"] == 0
    assert got["spearman_warnings"] is None
