"""``roadsense match``: put a CSV of positions on the OSM road network."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from roadsense.cli.progress import stage_bars
from roadsense.roads.match_trace import match_rows
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.service import load_roads
from roadsense.roads.trace_io import read_trace_csv, write_matched_csv


def match_command(
    trace: Path = typer.Argument(..., help="CSV: vehicle_id, ts, lat, lon[, speed, heading]."),
    roads: Path = typer.Option(..., "--roads", help="The city's OSM .pbf (or .osm) file."),
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the matched CSV (default: TRACE.matched.csv)."
    ),
    gps_accuracy: float = typer.Option(
        10.0, "--gps-accuracy", min=1.0, max=100.0, help="Typical GPS error, metres."
    ),
    country: str | None = typer.Option(
        None, "--country", help="Country for default speed limits (KR, FI ...); default: inferred."
    ),
) -> None:
    """Match every row; unmatched rows are kept with matched=false."""
    console = Console(stderr=True)
    target = out or trace.with_name(trace.stem + ".matched.csv")
    header, rows = read_trace_csv(trace)
    with stage_bars(console) as progress:
        city = load_roads(roads, country, progress)
        matcher = city.matcher(MatchOptions.tuned(gps_accuracy))
        matches = match_rows(matcher, rows, lambda d, t: progress("match", d, t))
    write_matched_csv(target, header, rows, matches)
    matched = sum(m.matched for m in matches)
    share = matched / len(matches) if matches else 0.0
    console.print(f"{len(matches)} rows, {matched} matched ({share:.1%}) -> {target}")
