"""The demo on a reduced city: the whole product runs, and found vs planted says so.

Thirty taxis for a quarter of an hour on each of two days, the units silent on the first
and live for two thirds of the taxis on the second: the planted hazards are ranked among
the dashboard's top cells, map matching places the positions, speeds per segment come
close to SUMO's, the dashboard and the report count Helsinki's hours, the roll-out's
interval covers the planted rate ratio, the planted signs, potholes and device faults are
found, and the JSON has its shape.
"""

from __future__ import annotations

import json

import pytest

from roadsense.cli.demo import HAZARD_TOP_K, DemoReport, demo_city, run_pipeline
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.sim import SimConfig

pytestmark = pytest.mark.slow

JSON_KEYS = {
    "seconds",
    "vehicles",
    "vehicle_km",
    "events_by_type",
    "time_zone",
    "hazards",
    "rollout",
    "speeds",
    "signs",
    "potholes",
    "devices",
    "lanes",
    "conflicts",
}


@pytest.fixture(scope="module")
def reduced_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoReport:
    workdir = tmp_path_factory.mktemp("demo-found")
    server = ServerProcess(
        workdir / "roadsense.duckdb", free_port(), log_file=workdir / "server.log"
    )
    config = SimConfig(
        out_dir=workdir / "sim",
        vehicles=30,
        duration_s=900,
        days=2,
        write_truth_positions=True,
    )
    with pytest.MonkeyPatch.context() as env:
        env.delenv("ROADSENSE_TIME_ZONE", raising=False)
        city = demo_city(None)
        try:
            return run_pipeline(workdir, config, server, lambda *_: None, city=city)
        finally:
            server.stop()


def test_every_planted_hazard_is_ranked_among_the_top_cells(reduced_demo: DemoReport) -> None:
    hazards = reduced_demo.found["hazards"]
    assert [h["id"] for h in hazards] == ["H1", "H2", "H3"]
    for h in hazards:
        assert h["best_rank"] is not None, h
        assert h["cell_rank"] is not None, h
        assert h["cell_rank"] <= HAZARD_TOP_K, h
        assert h["best_rank"] <= h["cell_rank"]
        assert h["place"], h
        assert not h["place"][0].isdigit(), f"named by its street, not coordinates: {h}"


def test_the_whole_product_ran(reduced_demo: DemoReport) -> None:
    run = reduced_demo.product
    assert run is not None
    assert run.network.segments > 100
    assert run.network.junctions > 10
    assert run.match.fixes == reduced_demo.summary["positions"]
    assert run.match.matched >= 0.9 * run.match.fixes
    assert run.exposure_segments > 10
    assert run.analysis.screenings["ALL"].spf is not None
    assert run.report.is_file()
    assert run.open_data.cells_published > 0
    assert run.open_data.segments_published is not None
    assert all(p.is_file() for p in run.open_data.paths)


def test_speeds_come_close_to_sumos(reduced_demo: DemoReport) -> None:
    speeds = reduced_demo.found["speeds"]
    assert speeds["segments"] > 10
    assert speeds["ways_compared"] > 5
    assert speeds["mean_abs_error_kmh"] is not None
    assert 0.0 <= speeds["mean_abs_error_kmh"] < 15.0


def test_the_dashboard_and_the_report_count_helsinki_hours(reduced_demo: DemoReport) -> None:
    assert reduced_demo.dashboard_time_zone == "Europe/Helsinki"
    assert reduced_demo.found["time_zone"] == "Europe/Helsinki"
    run = reduced_demo.product
    assert run is not None
    assert "Month in Europe/Helsinki" in run.report.read_text(encoding="utf-8")


def test_found_vs_planted_has_its_json_shape(reduced_demo: DemoReport) -> None:
    found = json.loads(json.dumps(reduced_demo.found))
    assert set(found) == JSON_KEYS
    assert found["vehicles"] == 30
    assert found["vehicle_km"] > 0
    assert sum(found["events_by_type"].values()) == reduced_demo.summary["events"]
    assert found["seconds"] > 0
    assert {"id", "best_rank"} <= set(found["hazards"][0])
    for row in found["rollout"]:
        assert set(row) >= {"event_type", "planted_rate_ratio", "rate_ratio", "ci_low", "ci_high"}
    # the planted ratios come from the simulation's truth (none read: a shape mismatch)
    assert {r["event_type"] for r in found["rollout"] if r["planted_rate_ratio"] is not None}
    assert set(found["signs"]) >= {"planted", "found"}
    assert set(found["potholes"]) >= {"planted", "found"}
    assert set(found["devices"]) >= {"planted_faults", "flagged"}


def test_planted_signs_potholes_and_faults_reach_found_vs_planted(
    reduced_demo: DemoReport,
) -> None:
    found = reduced_demo.found
    assert found["signs"]["planted"] == 4
    # one of them missing from the city's map (the Helsinki centre's busy streets all have
    # a limit in OSM: the run removes one from the map the product imports)
    assert found["signs"]["missing"]["planted"] == 1
    assert found["potholes"]["planted"] == 3
    # one of each planted fault reaches the month's data quality, and nothing else is flagged
    devices = found["devices"]
    assert devices["planted_faults"] == 4
    assert devices["by_kind"] == {"failsafe": 1, "tamper": 1, "adas_silent": 1, "silent": 1}
    assert devices["flagged"] == 4
    # 30 taxis for 2 x 15 minutes: two or more of them read most planted signs and hit a
    # pothole (the default demo's 40 taxis for 2 x 30 minutes find all of them)
    assert found["signs"]["found"] >= 2
    assert found["signs"]["mismatches"] >= found["signs"]["found"]
    assert found["potholes"]["found"] >= 1
    assert found["potholes"]["confirmed"] >= found["potholes"]["found"]


def test_the_rollout_interval_covers_the_planted_ratio(reduced_demo: DemoReport) -> None:
    rows = {r["event_type"]: r for r in reduced_demo.found["rollout"]}
    hmw = rows["HMW"]
    assert hmw["rate_ratio"] is not None, f"no HMW estimate from the demo's roll-out: {hmw}"
    assert hmw["ci_low"] < hmw["rate_ratio"] < hmw["ci_high"]
    # the truth's own live/silent HMW per km, beside the planted spell ratio
    assert hmw["true_rate_ratio"] is not None
    assert hmw["covers_true"] == (hmw["ci_low"] <= hmw["true_rate_ratio"] <= hmw["ci_high"])
    estimated = [r for r in rows.values() if r["rate_ratio"] is not None]
    for r in estimated:
        if r["planted_rate_ratio"] is not None:
            assert r["ci_low"] <= r["planted_rate_ratio"] <= r["ci_high"], r
    assert "ALL" in {r["event_type"] for r in estimated}
