"""``roadsense match``: put a CSV of positions on the OSM road network."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from roadsense.cli.progress import stage_bars
from roadsense.roads.match_trace import match_rows, vehicle_traces
from roadsense.roads.matcher import MapMatcher, MatchOptions, MatchResult
from roadsense.roads.noise_estimate import PROBE_SIGMA_M, NoiseEstimate, estimate_noise
from roadsense.roads.service import load_roads
from roadsense.roads.trace_io import TraceRow, read_trace_csv, write_matched_csv


def match_command(
    trace: Path = typer.Argument(..., help="CSV: vehicle_id, ts, lat, lon[, speed, heading]."),
    roads: Path = typer.Option(..., "--roads", help="The city's OSM .pbf (or .osm) file."),
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the matched CSV (default: TRACE.matched.csv)."
    ),
    gps_accuracy: float | None = typer.Option(
        None,
        "--gps-accuracy",
        min=1.0,
        max=100.0,
        help="Typical GPS error per axis, metres (default: estimated from the trace).",
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
        done: dict[str, MatchResult] = {}
        matcher: MapMatcher | None = None
        if gps_accuracy is None:
            probe = city.matcher(MatchOptions.tuned(PROBE_SIGMA_M))
            estimate = _estimated(probe, rows, console)
            gps_accuracy = estimate.sigma_m
            if estimate.close_to_probe:  # the first pass's options: keep what it matched
                matcher, done = probe, estimate.matched
        if matcher is None:
            matcher = city.matcher(MatchOptions.tuned(gps_accuracy))
        matches = match_rows(matcher, rows, lambda d, t: progress("match", d, t), matched=done)
    write_matched_csv(target, header, rows, matches)
    matched = sum(m.matched for m in matches)
    share = matched / len(matches) if matches else 0.0
    console.print(f"{len(matches)} rows, {matched} matched ({share:.1%}) -> {target}")


def _estimated(probe: MapMatcher, rows: list[TraceRow], console: Console) -> NoiseEstimate:
    """The trace's GPS noise from a first pass of ``probe`` (``roads.noise_estimate``);
    the probe's assumption when too few fixes match."""
    estimate = estimate_noise(probe, vehicle_traces(rows))
    if estimate is None:
        console.print(f"GPS error: too few fixes to estimate it; assuming {PROBE_SIGMA_M:g} m")
        return NoiseEstimate(PROBE_SIGMA_M, 0)
    console.print(
        f"GPS error estimated at {estimate.sigma_m:g} m per axis from {estimate.fixes:,} "
        "matched fixes (--gps-accuracy to give it)"
    )
    return estimate
