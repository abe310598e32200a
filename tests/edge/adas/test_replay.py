"""``roadsense adas replay``: JSONL in, one line per warning onset out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.edge.adas import ReplayError, replay

from .scenarios import LEAD_DECELERATING, T0, frames

runner = CliRunner()


@pytest.fixture
def track(tmp_path: Path) -> Path:
    path = tmp_path / "track.jsonl"
    lines = [json.dumps(f) for f in frames(LEAD_DECELERATING, 10, seed=0)]
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return path


def test_one_line_per_onset(track: Path) -> None:
    out = io.StringIO()
    stats = replay(track.read_text(encoding="utf-8").splitlines(), out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert stats.frames == len(frames(LEAD_DECELERATING, 10, seed=0))
    assert stats.warnings == len(lines) >= 1
    fcw = next(line for line in lines if line["type"] == "FCW")
    assert set(fcw) >= {"t", "type", "level", "object_id", "ttc", "headway"}
    impact = LEAD_DECELERATING.impact_time(1)
    assert impact is not None
    assert T0 + impact - fcw["t"] >= 2.4


def test_cli_writes_stdout_or_file(track: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["adas", "replay", str(track)])
    assert result.exit_code == 0, result.output
    assert '"type": "FCW"' in result.stdout
    target = tmp_path / "warnings.jsonl"
    result = runner.invoke(app, ["adas", "replay", str(track), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert '"type": "FCW"' in target.read_text(encoding="utf-8")
    assert '"type"' not in result.stdout


def test_bad_line_stops_with_its_number_or_is_skipped(track: Path) -> None:
    lines = track.read_text(encoding="utf-8").splitlines()
    lines.insert(4, '{"t": 1, "objects": [{"id": "seven", "x": 3}]}')
    lines.insert(10, "garbage")
    track.write_text("\n".join(lines), encoding="utf-8")

    result = runner.invoke(app, ["adas", "replay", str(track)])
    assert result.exit_code == 2
    assert "line 5" in result.output
    assert "objects[0].id" in result.output
    assert "Traceback" not in result.output

    result = runner.invoke(app, ["adas", "replay", str(track), "--skip-bad"])
    assert result.exit_code == 0, result.output
    assert "2 bad lines skipped" in result.stderr
    assert "skipped line 11: not valid JSON" in result.stderr
    assert '"type": "FCW"' in result.stdout


def test_time_going_backwards_is_a_bad_line() -> None:
    with pytest.raises(ReplayError, match=r"line 3: t: 1.0 does not come after"):
        replay(['{"t": 1}', "", '{"t": 1}'], io.StringIO())
    stats = replay(['{"t": 1}', '{"t": 0.5}', '{"t": 2}'], io.StringIO(), skip_bad=True)
    assert (stats.frames, stats.skipped) == (2, 1)


def test_missing_track_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["adas", "replay", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
