"""``roadsense adas replay``: JSONL in, one line per warning onset out."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.edge.adas import ReplayError, WarningOnset, replay

from .harness import run
from .scenarios import LEAD_DECELERATING, LEAD_STOPPED, NUISANCE, T0, Scenario, frames

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


def write_track(path: Path, scenario: Scenario, seed: int) -> list[WarningOnset]:
    """Write one trial as a track; the onsets the engine gives it when run alone."""
    lines = [json.dumps(f) for f in frames(scenario, 10, seed)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return run(scenario, 10, seed)


def test_many_tracks_one_line_per_warning_tagged_with_its_track(tmp_path: Path) -> None:
    folder = tmp_path / "campaign"
    folder.mkdir()
    expected: dict[str, list[str]] = {}
    for i, scenario in enumerate((LEAD_DECELERATING, LEAD_STOPPED, NUISANCE[0])):
        for seed in (0, 1):
            name = f"{i}-{seed}.jsonl"
            expected[name] = [o.type.value for o in write_track(folder / name, scenario, seed)]
    (folder / "notes.txt").write_text("not a track", encoding="utf-8")
    target = tmp_path / "warnings.jsonl"
    result = runner.invoke(app, ["adas", "replay", str(folder), "--out", str(target)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert sum(len(v) for v in expected.values()) == len(lines) >= 4
    got: dict[str, list[str]] = {name: [] for name in expected}
    for line in lines:
        assert list(line)[:2] == ["track", "t"]
        got[line["track"]].append(line["type"])
    assert got == expected
    assert expected["2-0.jsonl"] == []  # the nuisance tracks stay silent
    assert "6 tracks" in result.stderr


def test_files_and_folders_mix_and_a_bad_track_is_named(tmp_path: Path) -> None:
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    write_track(one, LEAD_DECELERATING, 0)
    write_track(two, LEAD_STOPPED, 0)
    result = runner.invoke(app, ["adas", "replay", str(one), str(two)])
    assert result.exit_code == 0, result.output
    tracks = {json.loads(line)["track"] for line in result.stdout.splitlines()}
    assert tracks == {str(one), str(two)}
    two.write_text('{"t": 1}\ngarbage\n', encoding="utf-8")
    result = runner.invoke(app, ["adas", "replay", str(one), str(two)])
    assert result.exit_code == 2
    assert f"{two}: line 2" in result.output
    empty = tmp_path / "empty"
    empty.mkdir()
    result = runner.invoke(app, ["adas", "replay", str(empty)])
    assert result.exit_code == 2
    assert "no .jsonl tracks" in result.output


def test_one_track_stays_untagged(track: Path) -> None:
    result = runner.invoke(app, ["adas", "replay", str(track)])
    assert result.exit_code == 0, result.output
    assert all("track" not in json.loads(line) for line in result.stdout.splitlines())
