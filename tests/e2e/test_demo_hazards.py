"""The default demo finds every planted hazard among the top ``HAZARD_TOP_K`` (10) of at least
50 ranked cells."""

from __future__ import annotations

from pathlib import Path

import pytest

from roadsense.analytics.hotspots import cells_along
from roadsense.analytics.network_screening import screen_cells
from roadsense.cli.demo import (
    DEFAULT_BACKGROUND,
    DEFAULT_DAYS,
    DEFAULT_HOURS,
    DEFAULT_VEHICLES,
    HAZARD_TOP_K,
    DemoReport,
    run_pipeline,
)
from roadsense.cli.server_process import ServerProcess, free_port
from roadsense.sim import SimConfig, load_ground_truth
from roadsense.store import open_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("demo")


@pytest.fixture(scope="module")
def default_demo(demo_workdir: Path) -> DemoReport:
    workdir = demo_workdir
    server = ServerProcess(
        workdir / "roadsense.duckdb", free_port(), log_file=workdir / "server.log"
    )
    seen: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        seen[stage] = total

    try:
        config = SimConfig(
            out_dir=workdir / "sim",
            vehicles=DEFAULT_VEHICLES,
            duration_s=round(DEFAULT_HOURS * 3600),
            days=DEFAULT_DAYS,
            background_vehicles=DEFAULT_BACKGROUND,
        )
        report = run_pipeline(workdir, config, server, progress)
    finally:
        server.stop()
    assert {"simulate", "decode", "upload", "analyse", "match", "report"} <= set(seen)
    return report


def test_every_planted_hazard_is_in_the_top_k(default_demo: DemoReport) -> None:
    assert default_demo.ranked_cells >= 50
    assert len(default_demo.hazards) == 3
    missed = [h for h in default_demo.hazards if not h["found"]]
    assert not missed, (
        f"hazards not in the top {HAZARD_TOP_K}: {missed}; top: {default_demo.hotspots}"
    )


def test_empirical_bayes_screening_ranks_every_planted_hazard_in_the_top_k(
    default_demo: DemoReport, demo_workdir: Path
) -> None:
    truth = load_ground_truth(demo_workdir / "sim")
    with open_store(demo_workdir / "roadsense.duckdb") as store:
        screening = screen_cells(store, resolution=10)
    assert screening.spf is not None
    assert len(screening.cells) >= 50
    top = {c.cell for c in screening.cells[:HAZARD_TOP_K]}
    for hazard in truth.hazards:
        cells = set().union(*(cells_along(line, 10) for line in hazard.polylines))
        ranked = screening.cells[:HAZARD_TOP_K]
        assert cells & top, f"{hazard.hazard_id} not in the EB top {HAZARD_TOP_K}: {ranked}"


def test_the_default_demo_has_the_whole_fleet(default_demo: DemoReport) -> None:
    s = default_demo.summary
    seconds = round(DEFAULT_HOURS * 3600)
    assert s["vehicles"] == DEFAULT_VEHICLES
    # every taxi at 1 Hz each day, less the seconds before each entered the network
    days = DEFAULT_DAYS
    assert DEFAULT_VEHICLES * days * (seconds - 200) <= s["positions"]
    assert s["positions"] <= DEFAULT_VEHICLES * days * seconds
    assert s["events"] > 0
    assert s["vehicle_km"] > 300


def test_a_nonexistent_output_folder_is_fine_and_reruns_are_clean(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "a" / "b" / "s.duckdb", free_port())
    config = SimConfig(out_dir=tmp_path / "a" / "sim", vehicles=3, duration_s=120)
    try:
        report = run_pipeline(tmp_path / "a", config, server, lambda *_: None)
    finally:
        server.stop()
    assert report.summary["vehicles"] == 3
