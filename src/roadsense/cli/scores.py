"""``roadsense scores``: driver (or vehicle) scores and printable coaching summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.driver_scores import coaching_summary, fleet_scores
from roadsense.analytics.tables import Column, read_table, text_value
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.store import open_store
from roadsense.store.analytics_rows import DriverShift

app = typer.Typer(no_args_is_help=True)
console = Console()


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        raise ValueError("needs a time zone, e.g. 2025-06-02T07:00:00+09:00")
    return value.astimezone(UTC)


SHIFT_COLUMNS = (
    Column("driver_id", text_value, "the driver"),
    Column("vehicle_id", text_value, "the vehicle driven"),
    Column("starts_at", _time, "shift start, ISO 8601 with time zone"),
    Column("ends_at", _time, "shift end, ISO 8601 with time zone"),
)


@app.command("shifts")
def import_shifts(
    path: Path = typer.Argument(..., help="CSV: driver_id, vehicle_id, starts_at, ends_at."),
    store: str | None = StoreOption,
) -> None:
    """Import who drove which vehicle when, so that scores are per driver."""
    try:
        rows = read_table(path, SHIFT_COLUMNS)
        shifts = [
            DriverShift(r["driver_id"], r["vehicle_id"], r["starts_at"], r["ends_at"]) for r in rows
        ]
        with open_store(store_location(store)) as db:
            added = db.add_driver_shifts(shifts)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"{len(shifts)} shifts read, {added} new")


@app.command("show")
def show(
    days: int = typer.Option(28, "--days", min=1, help="Scored period: the last N days."),
    coaching: Path | None = typer.Option(
        None, "--coaching", help="Write one printable coaching summary per driver here."
    ),
    store: str | None = StoreOption,
) -> None:
    """Warnings per 100 km by driver (or vehicle), shrunk for low distance, with trend."""
    with open_store(store_location(store)) as db:
        hours = db.vehicle_hours()
        if not hours:
            fail("no driving in the store yet")
        split = max(h.hour for h in hours) - timedelta(days=days)
        types = sorted(db.totals().events_by_type)
        subjects = fleet_scores(db, types, max(split, min(h.hour for h in hours)))
    table = Table(
        "subject",
        "km",
        "warnings",
        "per 100 km",
        "percentile",
        "trend",
        title=f"Scores, last {days} days (adjusted for distance)",
    )
    for s in sorted(subjects, key=lambda s: -s.scores["ALL"].percentile):
        a = s.scores["ALL"]
        trend = "-" if a.trend_ratio is None else f"{100 * (a.trend_ratio - 1):+.0f} %"
        table.add_row(
            s.subject,
            f"{s.km:,.0f}",
            str(a.count),
            f"{a.shrunk_per_100km:.1f}",
            f"{a.percentile:.0f}",
            trend,
        )
    console.print(table)
    if coaching is not None:
        coaching.mkdir(parents=True, exist_ok=True)
        for s in subjects:
            (coaching / f"{s.subject}.txt").write_text(coaching_summary(s), encoding="utf-8")
        console.print(f"wrote {len(subjects)} coaching summaries to {coaching}")
