"""``roadsense crashes``: import police crash records and check near misses against them."""

from __future__ import annotations

from pathlib import Path

import h3
import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.crashes import load_mapping, read_crashes
from roadsense.analytics.network_screening import screen_cells, screen_segments
from roadsense.analytics.placement import SegmentIndex
from roadsense.analytics.validation import SiteEvidence, validate
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.store import Store, open_store
from roadsense.store.analytics_rows import CrashRecord

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("import")
def import_crashes(
    path: Path = typer.Argument(..., help="CSV of police crash records."),
    mapping: str = typer.Option(
        "korea",
        "--mapping",
        help="'korea' (KoROAD export, the default), 'simple' (time, lat, lon, severity, "
        "crash_type) or a JSON file mapping our fields to your columns.",
    ),
    bounds: str | None = typer.Option(
        None, "--bounds", help="min_lon,min_lat,max_lon,max_lat: reject rows outside."
    ),
    encoding: str | None = typer.Option(None, "--encoding", help="Default: UTF-8 or CP949."),
    store: str | None = StoreOption,
) -> None:
    """Read crashes, report every row that could not be read or placed, store the rest."""
    try:
        box = tuple(float(x) for x in bounds.split(",")) if bounds else None
        if box is not None and len(box) != 4:
            raise ValueError("--bounds needs four numbers")
        result = read_crashes(path, load_mapping(mapping), box, encoding)
    except ValueError as exc:
        fail(str(exc))
    records = [
        CrashRecord(c.crash_id, c.time, c.lat, c.lon, c.severity, c.crash_type, path.name)
        for c in result.crashes
    ]
    with open_store(store_location(store)) as db:
        added = db.add_crashes(records)
    console.print(
        f"{result.rows} rows: {len(result.crashes)} read, {added} new "
        f"({len(result.crashes) - added} already stored), {len(result.rejected)} rejected"
    )
    if result.rejected:
        table = Table("line", "why", title="Rows not imported")
        for line, why in result.rejected[:50]:
            table.add_row(str(line), why)
        console.print(table)
        if len(result.rejected) > 50:
            console.print(f"... and {len(result.rejected) - 50} more")


@app.command("validate")
def validate_command(
    sites: str = typer.Option("cells", "--sites", help="cells (H3) or segments (map-matched)."),
    resolution: int = typer.Option(10, "--resolution", min=5, max=12, help="H3 resolution."),
    snap_m: float = typer.Option(
        30.0, "--snap-m", help="Crashes farther from a road are left out."
    ),
    store: str | None = StoreOption,
) -> None:
    """How well do near-miss rates point at where crashes happen? Said plainly."""
    if sites not in ("cells", "segments"):
        fail("--sites must be cells or segments")
    try:
        with open_store(store_location(store)) as db:
            if db.crash_count() == 0:
                fail("no crashes in the store: run `roadsense crashes import FILE` first")
            if sites == "cells":
                crashes = db.crashes_by_cell(resolution)
                evidence = [
                    SiteEvidence(
                        c.cell, c.vehicle_km, c.observed, crashes.get(h3.str_to_int(c.cell), 0)
                    )
                    for c in screen_cells(db, resolution).cells
                ]
            else:
                evidence = _segment_evidence(db, snap_m)
        v = validate(evidence)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"{v.sites} {sites} with exposure")
    console.print(f"Spearman rank correlation: {v.spearman_rho:.2f} (p = {v.spearman_p:.3g})")
    console.print(f"Top {v.top_k} overlap: {100 * v.top_k_overlap:.0f} %")
    if v.crash_ratio_per_doubling is not None:
        console.print(
            f"Crash rate ratio per doubling of the near-miss rate: "
            f"{v.crash_ratio_per_doubling:.2f} (95 % CI {v.ci_low:.2f}-{v.ci_high:.2f})"
        )
    console.print(f"[bold]{v.verdict}[/]")


def _segment_evidence(db: Store, snap_m: float) -> list[SiteEvidence]:
    """Near misses and crashes per map-matched segment; crashes snapped to the nearest road."""
    index = SegmentIndex(db.road_segments())
    on_segment: dict[str, int] = {}
    unplaced = 0
    for crash in db.crashes():
        hit = index.nearest(crash.lon, crash.lat, snap_m)
        if hit is None:
            unplaced += 1
            continue
        on_segment[hit[0]] = on_segment.get(hit[0], 0) + 1
    if unplaced:
        console.print(f"{unplaced} crash(es) more than {snap_m:g} m from any road were left out")
    return [
        SiteEvidence(s.segment_id, s.vehicle_km, s.observed, on_segment.get(s.segment_id, 0))
        for s in screen_segments(db).segments
    ]
