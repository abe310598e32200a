"""``roadsense export``: open data with disclosure control."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import h3
import typer
from rich.console import Console

from roadsense.analytics.open_data import (
    DEFAULT_MIN_VEHICLES,
    PlacePeriod,
    segment_place_periods,
    suppress,
    write_exports,
)
from roadsense.city import city_settings
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.store import Store, open_store
from roadsense.store.analytics_rows import PERIODS, Period

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("open-data")
def open_data(
    out: Path = typer.Option(Path("var/open-data"), "--out", help="Folder for the files."),
    resolution: int = typer.Option(9, "--resolution", min=5, max=12, help="H3 resolution."),
    period: str = typer.Option("month", "--period", help="day, week, month or quarter."),
    min_vehicles: int = typer.Option(
        DEFAULT_MIN_VEHICLES,
        "--min-vehicles",
        min=2,
        help="Publish nothing for a place and period seen by fewer distinct vehicles.",
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="Time zone of the periods (default: ROADSENSE_TIME_ZONE)."
    ),
    store: str | None = StoreOption,
) -> None:
    """Cell aggregates (CSV, GeoJSON, GeoParquet) without ids, trajectories or small counts."""
    tz = tz or city_settings().time_zone
    if period not in PERIODS:
        fail(f"--period must be one of {', '.join(PERIODS)}")
    unit: Period = period
    with open_store(store_location(store)) as db:
        run = write_open_data(db, out, resolution, unit, min_vehicles, tz)
    console.print(
        f"published {run.cells_published} cell-{period}s, held back "
        f"{run.cells_suppressed} seen by fewer than {min_vehicles} vehicles"
    )
    if run.segments_published is not None:
        console.print(
            f"published {run.segments_published} segment-{period}s, held back "
            f"{run.segments_suppressed} seen by fewer than {min_vehicles} vehicles"
        )
    else:
        console.print("no map-matched road segments: cells only (see `roadsense roads`)")
    paths = run.paths
    for p in paths:
        console.print(f"  {p}")


@dataclass(frozen=True)
class OpenDataRun:
    """What :func:`write_open_data` published and held back."""

    cells_published: int
    cells_suppressed: int
    segments_published: int | None
    """None where the store has no map-matched road segments (cells only)."""
    segments_suppressed: int | None
    paths: list[Path]


def write_open_data(
    db: Store, out: Path, resolution: int, unit: Period, min_vehicles: int, tz: str
) -> OpenDataRun:
    """Cell (and, where matched, segment) aggregates of ``db`` into ``out``, small counts
    held back: what ``roadsense export open-data`` and the demo write."""
    exposure = db.cell_period_exposure(resolution, unit, tz=tz)
    events = db.cell_period_events(resolution, unit, tz=tz)
    types = sorted(db.totals().events_by_type)
    lines = {s.segment_id: s.coords for s in db.road_segments()}
    segment_rows = segment_place_periods(db, unit, tz) if lines else []
    counts: dict[tuple[int, object], dict[str, int]] = defaultdict(dict)
    for e in events:
        counts[(e.cell, e.period)][e.event_type] = e.events
    rows = [
        PlacePeriod(
            h3.int_to_str(x.cell),
            x.period.isoformat(),
            x.vehicles,
            x.vehicle_km,
            counts.get((x.cell, x.period), {}),
        )
        for x in exposure
    ]
    disclosure = suppress(rows, min_vehicles)
    paths = write_exports(disclosure, out, types)
    if not segment_rows:
        return OpenDataRun(len(disclosure.published), disclosure.suppressed, None, None, paths)
    segments = suppress(segment_rows, min_vehicles)
    paths += write_exports(segments, out, types, name="segments", lines=lines)
    return OpenDataRun(
        len(disclosure.published),
        disclosure.suppressed,
        len(segments.published),
        segments.suppressed,
        paths,
    )
