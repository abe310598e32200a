"""``roadsense sim`` with bad options: one clear line, exit status 2, nothing simulated."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vehicles", "-3"], "error: vehicles must be at least 1, got -3"),
        (["--days", "0"], "error: days must be at least 1, got 0"),
        (["--cyclists-per-hour", "-1"], "error: cyclists_per_hour must be >= 0, got -1.0"),
        (["--roads", "nowhere/helsinki.osm.pbf"], "error: OSM file not found: nowhere"),
    ],
)
def test_a_bad_option_is_one_clear_line(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "sim"
    result = runner.invoke(app, ["sim", "--out", str(out), *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(message)
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--vehicles", "-3"], "error: bad simulation option: vehicles must be at least 1"),
        (["--days", "0"], "error: bad simulation option: days must be at least 1, got 0"),
        (["--background", "-1"], "error: bad simulation option: background_vehicles must be"),
        (["--hours", "0"], "error: --hours must be at least 1 s"),
        (["--roads", "nowhere/helsinki.osm.pbf"], "error: OSM file not found: nowhere"),
    ],
)
def test_the_demo_with_a_bad_option_is_one_clear_line_and_keeps_its_workdir(
    tmp_path: Path, args: list[str], message: str
) -> None:
    workdir = tmp_path / "demo"
    workdir.mkdir()
    (workdir / "earlier-run.txt").write_text("kept", encoding="utf-8")
    result = runner.invoke(app, ["demo", "--no-serve", "--workdir", str(workdir), *args])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].startswith(message)
    assert (workdir / "earlier-run.txt").read_text(encoding="utf-8") == "kept"
