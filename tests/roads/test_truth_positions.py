"""The simulator's optional per-second truth, which the matching accuracy is measured on."""

from __future__ import annotations

import pyarrow.parquet as pq

from roadsense.roads.service import CityRoads
from roadsense.sim import SimConfig, SimResult
from roadsense.sim.output import TRUTH_POSITIONS_FILE


def test_truth_positions_one_row_per_fix(fleet_run: SimResult, helsinki: CityRoads) -> None:
    table = pq.read_table(fleet_run.out_dir / TRUTH_POSITIONS_FILE)
    assert table.num_rows == fleet_run.positions
    assert set(table.column_names) >= {
        "vehicle_id",
        "ts",
        "true_lon",
        "true_lat",
        "speed_mps",
        "angle_deg",
        "edge_id",
        "osm_way_ids",
        "junction_way_ids",
    }
    ways = {s.osm_way_id for s in helsinki.network.segments}
    listed = [w for row in table.column("osm_way_ids").to_pylist() for w in row]
    assert listed
    assert sum(w in ways for w in listed) / len(listed) > 0.99


def test_off_by_default(tmp_path) -> None:
    assert SimConfig(out_dir=tmp_path).write_truth_positions is False
