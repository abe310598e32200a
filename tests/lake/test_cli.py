"""``roadsense lake export`` at the terminal: counts said, a bad target one line, exit 2."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.store import open_store
from tests.lake.records import DAY1, fill, lake_counts

runner = CliRunner()


def _store(tmp_path: Path) -> str:
    location = str(tmp_path / "store.duckdb")
    with open_store(location) as db:
        fill(db, DAY1, "taxi-1", 4)
    return location


def test_export_writes_the_lake_and_says_what_it_did(tmp_path: Path) -> None:
    store = _store(tmp_path)
    lake = tmp_path / "lake"
    result = runner.invoke(app, ["lake", "export", "--to", str(lake), "--store", store])
    assert result.exit_code == 0, result.output
    assert "positions: 4 rows in 1 days written" in result.output
    assert lake_counts(str(lake))["positions"][DAY1] == 4
    again = runner.invoke(app, ["lake", "export", "--to", str(lake), "--store", store])
    assert "positions: 0 rows in 0 days written, 1 days unchanged" in again.output


def test_a_bad_target_is_one_line_and_exit_2(tmp_path: Path) -> None:
    store = _store(tmp_path)
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    for target in (str(a_file), "nosuchscheme://bucket/lake", str(a_file / "below")):
        result = runner.invoke(app, ["lake", "export", "--to", target, "--store", store])
        assert result.exit_code == 2, (target, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1, (target, result.output)
        assert lines[0].startswith("error:"), (target, result.output)
        assert "Traceback" not in result.output
