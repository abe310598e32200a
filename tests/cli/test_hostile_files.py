"""Hostile files on the command line: one clear line and exit status 2, never a traceback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadsense.analytics.crashes import read_crashes
from roadsense.cli.main import app

runner = CliRunner()
TRACE = "vehicle_id,ts,lat,lon\ntaxi-1,2025-06-02T08:00:00Z,60.17,24.94\n"


def _one_error_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ((TRACE + "taxi-1,\xff\xfe,60.17,24.94\n").encode("latin-1"), "not UTF-8"),
        (TRACE.encode("utf-16"), "UTF-16"),
    ],
    ids=["0xff bytes", "utf-16"],
)
def test_match_on_a_file_that_is_not_utf8(tmp_path: Path, content: bytes, words: str) -> None:
    trace = tmp_path / "trace.csv"
    trace.write_bytes(content)
    result = runner.invoke(app, ["match", str(trace), "--roads", str(tmp_path / "none.pbf")])
    assert result.exit_code == 2
    line = _one_error_line(result.output)
    assert words in line
    assert "save it as UTF-8" in line


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("random.log", random.Random(7).randbytes(4000)),
        ("random.asc", random.Random(8).randbytes(4000)),
        ("garbage.log", b"hello\nthis is (not) a can0 log\n123#xyz\n"),
        ("garbage.asc", b"date whenever\nbase hex\n 1.0 nothing here\n"),
    ],
)
def test_decode_on_a_log_without_a_frame(tmp_path: Path, name: str, content: bytes) -> None:
    log = tmp_path / name
    log.write_bytes(content)
    result = runner.invoke(app, ["edge", "decode", "--can", str(log)])
    assert result.exit_code == 2
    assert "no CAN frame" in _one_error_line(result.output)


def test_decode_on_an_empty_log_is_no_error(tmp_path: Path) -> None:
    log = tmp_path / "empty.log"
    log.write_bytes(b"")
    result = runner.invoke(app, ["edge", "decode", "--can", str(log)])
    assert result.exit_code == 0, result.output
    assert result.output == ""


def test_decode_of_a_real_frame_still_works(tmp_path: Path) -> None:
    log = tmp_path / "one.log"
    log.write_text("(1717315200.000000) can0 123#0011223344556677\n", encoding="ascii")
    result = runner.invoke(app, ["edge", "decode", "--can", str(log)])
    assert result.exit_code == 0, result.output


def test_crash_rows_with_an_unterminated_quote_are_rejected_in_words(tmp_path: Path) -> None:
    path = tmp_path / "crashes.csv"
    path.write_text(
        "time,lat,lon,severity,crash_type\n"
        "2025-06-02T08:00:00+09:00,35.87,128.60,minor,rear_end\n"
        '2025-06-02T09:00:00+09:00,"35.88,128.61,minor,side\n'
        "2025-06-02T10:00:00+09:00,35.89,128.62,minor,side\n",
        encoding="utf-8",
    )
    result = read_crashes(path, {"time": "time", "lat": "lat", "lon": "lon"})
    assert len(result.crashes) == 1
    [(line, why)] = result.rejected
    assert line == 3
    assert "quoted field is not closed" in why
    assert "NoneType" not in why


def test_crash_rows_with_too_few_fields_say_so(tmp_path: Path) -> None:
    path = tmp_path / "crashes.csv"
    path.write_text("time,lat,lon\n2025-06-02T08:00:00+09:00,35.87\n", encoding="utf-8")
    [(line, why)] = read_crashes(path, {"time": "time", "lat": "lat", "lon": "lon"}).rejected
    assert line == 2
    assert why == "2 field(s) where the header has 3; no value for lon"


def test_crashes_import_shows_the_row_and_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "crashes.csv"
    path.write_text(
        'time,lat,lon,severity,crash_type\n2025-06-02T09:00:00+09:00,"35.88,128.61,minor,x\n',
        encoding="utf-8",
    )
    store = tmp_path / "s.duckdb"
    result = runner.invoke(
        app, ["crashes", "import", str(path), "--mapping", "simple", "--store", str(store)]
    )
    assert result.exit_code == 0, result.output
    assert "1 rejected" in result.output
    assert "quoted field is not closed" in " ".join(result.output.split())
