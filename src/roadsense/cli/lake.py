"""``roadsense lake``: the store's raw records as a Parquet lake partitioned by UTC day."""

from __future__ import annotations

import typer
from rich.console import Console

from roadsense.cli.progress import stage_bars
from roadsense.cli.store import StoreOption, store_location
from roadsense.lake import export_lake
from roadsense.store import open_store

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("export")
def export(
    to: str = typer.Option(
        ..., "--to", help="Folder or object-store URL (s3://..., gs://...) of the lake."
    ),
    store: str | None = StoreOption,
) -> None:
    """Write positions, events, signs and lane samples as GeoParquet, one folder per UTC day
    (and the fleet memberships whole).

    Incremental: only days whose rows changed since the last export are written again.
    The lake holds raw trajectories; keep it as private as the store (docs/privacy.md).
    """
    with open_store(store_location(store), read_only=True) as db, stage_bars(console) as bars:
        result = export_lake(db, to, progress=bars)
    for table, days in result.written.items():
        removed = result.removed.get(table, [])
        console.print(
            f"{table}: {sum(days.values()):,} rows in {len(days)} days written, "
            f"{result.unchanged.get(table, 0)} days unchanged"
            + (f", {len(removed)} days no longer in the store removed" if removed else "")
        )
    for table, rows in result.whole.items():
        console.print(f"{table}: {rows:,} rows written whole")
