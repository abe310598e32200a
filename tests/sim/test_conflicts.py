"""SUMO's SSM conflicts in the ground truth: the taxis' conflicts are written, read back,
placed, counted, denser on the planted hazards, and the device leaves the traffic alone."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from scipy.stats import poisson

from roadsense.sim import SimError, SimResult, load_ground_truth, run_simulation
from roadsense.sim.conflicts import (
    CONFLICTS_FILE,
    THRESHOLDS,
    conflict_kind,
    read_ssm,
    read_truth_conflicts,
    ssm_file,
)
from roadsense.sim.ground_truth import ConflictTruth, GroundTruth, TruthConflict
from roadsense.sim.output import GROUND_TRUTH_EVENTS_FILE
from tests.sim.conftest import Calls, small_config

pytestmark = pytest.mark.slow

MARGIN_DEG = 0.001


def _truth(small_run: tuple[SimResult, Calls]) -> tuple[GroundTruth, ConflictTruth]:
    truth = load_ground_truth(small_run[0].out_dir)
    assert truth.conflicts is not None
    return truth, truth.conflicts


def test_a_small_run_writes_its_conflicts(small_run: tuple[SimResult, Calls]) -> None:
    result, _ = small_run
    truth, summary = _truth(small_run)
    conflicts = read_truth_conflicts(result.out_dir)
    assert summary.file == CONFLICTS_FILE
    assert summary.thresholds == {"TTC": 3.0, "DRAC": 3.0, "PET": 2.0}
    assert len(conflicts) == summary.conflicts > 0
    # one line per conflict SUMO wrote (each has a measure to place it by)
    raw = ssm_file(result.out_dir, 0).read_text(encoding="utf-8")
    assert len(re.findall(r"<conflict ", raw)) == len(conflicts)
    taxis = {v for v, t in truth.vehicles.items() if t.positions > 0}
    assert summary.equipped == len(taxis)
    assert {c.ego for c in conflicts} <= taxis
    assert summary.per_vehicle.keys() == taxis
    assert sum(summary.per_vehicle.values()) == summary.conflicts


def test_each_conflict_passed_a_threshold_at_its_place(
    small_run: tuple[SimResult, Calls],
) -> None:
    result, _ = small_run
    truth, _ = _truth(small_run)
    lon0, lat0, lon1, lat1 = truth.network["bounds_lonlat"]
    start = truth.config["start_time"]
    hazard_of_edge = {e: h.hazard_id for h in truth.hazards for e in h.edge_ids}
    for c in read_truth_conflicts(result.out_dir):
        assert c.measures or c.kind == "collision"
        if "TTC" in c.measures:
            assert c.min_ttc_s is not None
            assert c.min_ttc_s <= THRESHOLDS["TTC"]  # SUMO writes 2.996 as 3.00
        if "DRAC" in c.measures:
            assert c.max_drac_mps2 is not None
            assert c.max_drac_mps2 >= THRESHOLDS["DRAC"]
        if "PET" in c.measures:
            assert c.pet_s is not None
            assert c.pet_s <= THRESHOLDS["PET"]
        assert c.lon is not None
        assert c.lat is not None
        assert lon0 - MARGIN_DEG <= c.lon <= lon1 + MARGIN_DEG
        assert lat0 - MARGIN_DEG <= c.lat <= lat1 + MARGIN_DEG
        assert c.begin <= c.time <= c.end
        assert c.begin.isoformat() >= start
        assert c.end - c.begin < timedelta(seconds=truth.config["duration_s"])
        assert c.hazard_id == hazard_of_edge.get(c.edge_id)
        assert c.on_hazard == (c.hazard_id is not None)


def test_conflicts_are_counted_per_hazard_measure_and_kind(
    small_run: tuple[SimResult, Calls],
) -> None:
    truth, summary = _truth(small_run)
    conflicts = read_truth_conflicts(small_run[0].out_dir)
    assert set(summary.per_hazard) == {h.hazard_id for h in truth.hazards}
    assert sum(summary.per_hazard.values()) == summary.on_hazards
    assert summary.on_hazards == sum(1 for c in conflicts if c.on_hazard)
    assert summary.by_measure == {
        m: sum(1 for c in conflicts if m in c.measures) for m in ("TTC", "DRAC", "PET")
    }
    assert sum(summary.by_kind.values()) == summary.conflicts
    # the taxis' distance, split at the hazards, is the fleet's
    km = summary.km_on_hazards + summary.km_elsewhere
    assert km == pytest.approx(truth.totals.vehicle_km, abs=0.01)


def test_conflicts_are_denser_on_the_planted_hazards(
    small_run: tuple[SimResult, Calls],
) -> None:
    _, s = _truth(small_run)
    assert s.per_km_on_hazards is not None
    assert s.per_km_elsewhere is not None
    # as many conflicts on the hazards as the rate elsewhere would give there by chance?
    expected = s.per_km_elsewhere * s.km_on_hazards
    assert s.on_hazards > expected
    assert poisson.sf(s.on_hazards - 1, expected) < 0.05


def test_the_ssm_device_leaves_the_traffic_as_it_is(
    small_run: tuple[SimResult, Calls], tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = replace(small_config(tmp_path_factory.mktemp("sim-no-ssm")), conflicts=False)
    run_simulation(config)
    assert load_ground_truth(config.out_dir).conflicts is None
    assert not (config.out_dir / CONFLICTS_FILE).exists()
    with_ssm = (small_run[0].out_dir / GROUND_TRUTH_EVENTS_FILE).read_text(encoding="utf-8")
    without = (config.out_dir / GROUND_TRUTH_EVENTS_FILE).read_text(encoding="utf-8")
    assert with_ssm == without


def test_the_truth_lines_are_sumo_s_conflicts(small_run: tuple[SimResult, Calls]) -> None:
    out = small_run[0].out_dir
    raw = list(read_ssm(ssm_file(out, 0)))
    lines = read_truth_conflicts(out)
    assert [(c.ego, c.foe, c.crossed()) for c in raw] == [(c.ego, c.foe, c.measures) for c in lines]
    ttc = [c.points["TTC"].value if "TTC" in c.points else None for c in raw]
    assert ttc == [c.min_ttc_s for c in lines]


def test_read_ssm_skips_what_sumo_could_not_measure(tmp_path: Path) -> None:
    path = tmp_path / "ssm.xml"
    path.write_text(
        "<SSMLog>\n"
        '<conflict begin="10.00" end="20.00" ego="taxi-000" foe="bg-00001">\n'
        '  <minTTC time="NA" position="NA" type="NA" value="NA" speed="NA"/>\n'
        '  <maxDRAC time="12.50" position="10.0,20.0" type="10" value="3.40" speed="5.0"/>\n'
        '  <PET time="15.00" position="11.0,21.0" type="17" value="2.50" speed="4.0"/>\n'
        "</conflict>\n"
        '<conflict begin="30.00" end="40.00" ego="taxi-001" foe="taxi-000">\n'
        '  <minTTC time="31.00" position="1.0,2.0" type="2" value="3.00" speed="9.0"/>\n'
        '  <maxDRAC time="NA" position="NA" type="NA" value="NA" speed="NA"/>\n'
        '  <PET time="NA" position="NA" type="NA" value="NA" speed="NA"/>\n'
        "</conflict>\n"
        '<conflict begin="50.00" end="60.00" ego="taxi-001" foe="taxi-002">\n'
        '  <minTTC time="51.00" position="1.0,2.0" type="2" value="3.01" speed="9.0"/>\n'
        '  <maxDRAC time="51.00" position="1.0,2.0" type="2" value="2.99" speed="9.0"/>\n'
        '  <PET time="NA" position="NA" type="NA" value="NA" speed="NA"/>\n'
        "</conflict>\n"
        "</SSMLog>\n",
        encoding="utf-8",
    )
    first, second, third = read_ssm(path)
    assert set(first.points) == {"DRAC", "PET"}
    assert first.points["DRAC"].x == 10.0
    assert first.points["DRAC"].type_code == 10
    assert first.crossed() == ["DRAC"]  # 3.4 m/s2 is over 3.0; a PET of 2.5 s is not under 2
    # SUMO logs a TTC under 3 s and writes two decimals: 2.996 s is written 3.00
    assert second.crossed() == ["TTC"]
    assert third.crossed() == []
    assert conflict_kind(first.points["DRAC"].type_code) == "crossing"
    assert conflict_kind(2) == "following"
    assert conflict_kind(111) == "collision"


def test_a_broken_ssm_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "ssm.xml"
    path.write_text('<SSMLog><conflict begin="1"', encoding="utf-8")
    with pytest.raises(SimError, match="could not be read"):
        list(read_ssm(path))


def test_a_conflict_round_trips_through_its_line() -> None:
    line = (
        '{"ego":"taxi-001","foe":"bg-00014","day":0,"begin":"2025-06-02T00:00:30.5Z",'
        '"end":"2025-06-02T00:01:19Z","kind":"following","type_code":2,"min_ttc_s":1.14,'
        '"max_drac_mps2":2.47,"pet_s":null,"measures":["TTC"],'
        '"time":"2025-06-02T00:00:36.5Z","lon":24.95,"lat":60.17,"edge_id":"e1",'
        '"hazard_id":null,"on_hazard":false}'
    )
    c = TruthConflict.model_validate_json(line)
    assert TruthConflict.model_validate_json(c.model_dump_json()) == c
    assert c.live is False
