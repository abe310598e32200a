"""``roadsense match``: CSV in, CSV out; bad rows named by line."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from typer.testing import CliRunner

from roadsense.cli.main import app
from roadsense.roads.extracts import bundled_extract
from roadsense.schema import Position
from roadsense.sim import SimResult, load_vehicle_records

runner = CliRunner()


def _write(path: Path, rows: list[list[object]], header: list[str]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_match_writes_input_columns_plus_matches(
    fleet_run: SimResult, roads_cache: Path, tmp_path: Path
) -> None:
    vid = fleet_run.vehicle_ids[0]
    fixes = [r for r in load_vehicle_records(fleet_run.out_dir, vid) if isinstance(r, Position)]
    rows: list[list[object]] = [
        [vid, f.time.isoformat() if i % 2 else f.time.timestamp(), f.lat, f.lon, f.speed_mps, "x"]
        for i, f in enumerate(fixes[:120])
    ]
    rows.append(["far-away", "2025-06-02T00:00:00Z", 10.0, 10.0, "", "y"])
    trace = tmp_path / "trace.csv"
    _write(trace, rows, ["vehicle_id", "ts", "lat", "lon", "speed", "note"])
    out = tmp_path / "out.csv"
    done = runner.invoke(
        app, ["match", str(trace), "--roads", str(bundled_extract("helsinki")), "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    # no --gps-accuracy: estimated from the trace (the simulated receivers: 10 m per axis)
    estimated = re.search(r"GPS error estimated at ([0-9.]+) m per axis", done.output)
    assert estimated is not None, done.output
    assert 7.0 <= float(estimated.group(1)) <= 13.0
    with out.open() as handle:
        result = list(csv.DictReader(handle))
    assert list(result[0]) == [
        "vehicle_id",
        "ts",
        "lat",
        "lon",
        "speed",
        "note",
        "osm_way_id",
        "segment_id",
        "match_distance_m",
        "matched",
        "unmatched_reason",
    ]
    assert len(result) == len(rows)
    assert [r["note"] for r in result] == [str(r[5]) for r in rows]
    taxi = [r for r in result if r["vehicle_id"] == vid]
    assert sum(r["matched"] == "true" for r in taxi) / len(taxi) > 0.95
    for r in taxi:
        if r["matched"] == "true":
            assert r["segment_id"].startswith(r["osm_way_id"] + ":")
            assert float(r["match_distance_m"]) >= 0
    far = result[-1]
    assert far["matched"] == "false"
    assert far["osm_way_id"] == ""
    assert far["segment_id"] == ""
    assert far["unmatched_reason"] == "trip_too_short"
    assert all(r["unmatched_reason"] == "" for r in taxi if r["matched"] == "true")


def test_bad_rows_are_reported_with_line_numbers(tmp_path: Path, roads_cache: Path) -> None:
    trace = tmp_path / "bad.csv"
    _write(
        trace,
        [
            ["t1", "2025-06-02T00:00:00Z", 60.17, 24.94],
            ["t1", "yesterday", 60.17, 24.94],
            ["t1", "2025-06-02T00:00:02", 60.17, 24.94],
            ["t1", "1748822400", 95.0, 24.94],
            ["", "1748822400", 60.17, 24.94],
        ],
        ["vehicle_id", "ts", "lat", "lon"],
    )
    done = runner.invoke(app, ["match", str(trace), "--roads", str(bundled_extract("helsinki"))])
    assert done.exit_code == 2
    text = " ".join(done.output.split())
    assert "4 bad row(s)" in text
    for line in ("line 3", "line 4", "line 5", "line 6"):
        assert line in text
    assert "no timezone" in text
    assert not (tmp_path / "bad.matched.csv").exists()


def test_missing_columns_file_and_roads(tmp_path: Path, roads_cache: Path) -> None:
    trace = tmp_path / "cols.csv"
    _write(trace, [["t1", 1, 2]], ["vehicle_id", "ts", "lat"])
    done = runner.invoke(app, ["match", str(trace), "--roads", str(bundled_extract("test"))])
    assert done.exit_code == 2
    assert "missing column(s) lon" in done.output
    done = runner.invoke(app, ["match", str(tmp_path / "none.csv"), "--roads", "x.pbf"])
    assert done.exit_code == 2
    assert "not found" in done.output
    good = tmp_path / "good.csv"
    _write(good, [["t1", 1, 60.17, 24.94]], ["vehicle_id", "ts", "lat", "lon"])
    done = runner.invoke(app, ["match", str(good), "--roads", str(tmp_path / "none.osm.pbf")])
    assert done.exit_code == 2
    assert "OSM file not found" in done.output


def test_every_row_comes_out_once_with_why_not(
    fleet_run: SimResult, roads_cache: Path, tmp_path: Path
) -> None:
    vid = fleet_run.vehicle_ids[1]
    fixes = [r for r in load_vehicle_records(fleet_run.out_dir, vid) if isinstance(r, Position)]
    rows: list[list[object]] = [[vid, f.time.timestamp(), f.lat, f.lon] for f in fixes[:90]]
    rows[45][2] = float(str(rows[45][2])) + 0.003  # a multipath fix ~330 m north of the road
    multipath = float(str(rows[45][1]))
    base = fixes[0].time.timestamp()
    rows.extend(["sea", base + k, 59.9, 24.6 + k * 1e-5] for k in range(10))  # no road near
    rows.append(["alone", base, 60.17, 24.94])  # a trip of one fix
    rows = rows[::2] + rows[1::2]  # rows need not come in time order
    trace = tmp_path / "trace.csv"
    _write(trace, rows, ["vehicle_id", "ts", "lat", "lon"])
    out = tmp_path / "out.csv"
    done = runner.invoke(
        app, ["match", str(trace), "--roads", str(bundled_extract("helsinki")), "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    with out.open() as handle:
        result = list(csv.DictReader(handle))
    assert [(r["vehicle_id"], float(r["ts"])) for r in result] == [
        (str(r[0]), float(str(r[1]))) for r in rows
    ]
    for r in result:
        assert (r["matched"] == "true") == (r["unmatched_reason"] == "")
    reasons = {(r["vehicle_id"], r["unmatched_reason"]) for r in result if r["matched"] != "true"}
    assert ("sea", "no_road_near") in reasons
    assert ("alone", "trip_too_short") in reasons
    off = next(r for r in result if r["vehicle_id"] == vid and float(r["ts"]) == multipath)
    assert (off["matched"], off["unmatched_reason"]) == ("false", "outlier")
    assert sum(r["matched"] == "true" for r in result if r["vehicle_id"] == vid) >= 85


def test_extract_without_drivable_roads_says_so(tmp_path: Path, roads_cache: Path) -> None:
    import osmium

    empty = tmp_path / "paths.osm.pbf"
    with osmium.SimpleWriter(str(empty), overwrite=True) as writer:
        for obj in osmium.FileProcessor(str(bundled_extract("test"))):
            if isinstance(obj, osmium.osm.Node):
                writer.add(obj)
    good = tmp_path / "good.csv"
    _write(good, [["t1", 1, 60.17, 24.94]], ["vehicle_id", "ts", "lat", "lon"])
    done = runner.invoke(app, ["match", str(good), "--roads", str(empty)])
    assert done.exit_code == 2
    errors = [line for line in done.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "no drivable roads in" in errors[0]


def test_a_bad_number_is_one_line_naming_it(tmp_path: Path, roads_cache: Path) -> None:
    trace = tmp_path / "bad.csv"
    _write(trace, [["t1", 1, "60,17", 24.94]], ["vehicle_id", "ts", "lat", "lon"])
    done = runner.invoke(app, ["match", str(trace), "--roads", str(bundled_extract("test"))])
    assert done.exit_code == 2
    assert "line 2: lat '60,17' is not a number" in " ".join(done.output.split())
