"""``roadsense report``: the monthly report for the city, as HTML or PDF."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from roadsense.city import city_settings
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.reports import (
    build_report,
    parse_month,
    render_html,
    render_pdf,
)
from roadsense.roads.extracts import bundled_extract
from roadsense.roads.osm_roads import read_roads
from roadsense.store import open_store

console = Console()


def report_command(
    month: str = typer.Option(..., "--month", help="The month, YYYY-MM."),
    fmt: str = typer.Option("html", "--format", help="html or pdf (pdf needs Chromium)."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Where to write it (default: report-YYYY-MM.html|pdf)."
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="The city's time zone (default: ROADSENSE_TIME_ZONE)."
    ),
    roads: Path | None = typer.Option(
        None, "--roads", help="OSM .pbf drawn on the map when the store has no road network."
    ),
    chromium: str | None = typer.Option(None, "--chromium", help="Chromium to print with."),
    store: str | None = StoreOption,
) -> None:
    """Write the month's report: headline, hotspots, evaluation, speeds, signs, data quality."""
    if fmt not in ("html", "pdf"):
        fail("--format must be html or pdf")
    try:
        period = parse_month(month, tz or city_settings().time_zone)
    except ValueError as exc:
        fail(str(exc))
    if roads is not None and not roads.is_file():
        fail(f"OSM file not found: {roads}")
    target = out or Path(f"report-{period.label}.{fmt}")
    with open_store(store_location(store), read_only=True) as db:
        lines = None
        if not db.road_segments():
            lines = [list(r.coords) for r in read_roads(roads or bundled_extract())]
        report = build_report(db, period, lines)
    html = render_html(report)
    if fmt == "html":
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")
    else:
        render_pdf(html, target, chromium)
    console.print(f"wrote {target}")
