"""``roadsense store``: migrate, inspect and prune a store (DuckDB file or PostgreSQL)."""

from __future__ import annotations

import signal
import threading

import typer
from rich.console import Console

from roadsense.store import open_store
from roadsense.store.pruning import prune_now

app = typer.Typer(no_args_is_help=True)
console = Console()

StoreOption = typer.Option(
    None,
    "--store",
    help="DuckDB file or postgresql:// URL (default: ROADSENSE_STORE or var/roadsense.duckdb).",
)


def store_location(store: str | None) -> str:
    """The store named on the command line, or the configured one."""
    if store:
        return store
    from roadsense.server.settings import Settings

    return Settings().store


def retention_days() -> float:
    """The configured retention period of raw positions, in days."""
    from roadsense.server.settings import Settings

    return Settings().retention_days


@app.command("migrate")
def migrate(store: str | None = StoreOption) -> None:
    """Create the store or bring its schema up to date."""
    with open_store(store_location(store)) as db:
        console.print(f"{db.location}: schema version {db.schema_version()} ({db.backend})")


@app.command("info")
def info(store: str | None = StoreOption) -> None:
    """What the store holds."""
    with open_store(store_location(store)) as db:
        t = db.totals()
        console.print(
            f"{db.location} ({db.backend}, schema {db.schema_version()}): "
            f"{t.vehicles} vehicles, {t.positions:,} raw positions, {t.events:,} events, "
            f"{t.vehicle_km:,.1f} vehicle-km, {t.batches:,} batches"
        )


@app.command("prune")
def prune(
    store: str | None = StoreOption,
    older_than_days: float | None = typer.Option(
        None,
        "--older-than-days",
        min=0.0,
        help="Retention period (default: ROADSENSE_RETENTION_DAYS, 90).",
    ),
    every: float | None = typer.Option(
        None, "--every", min=1.0, help="Keep running and prune every this many seconds."
    ),
) -> None:
    """Delete raw positions older than the retention period, keeping hourly aggregates.

    Exposure and speed per hour and H3 cell are kept, and events are kept; see
    docs/privacy.md for why raw traces are not.
    """
    days = older_than_days if older_than_days is not None else retention_days()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        with open_store(store_location(store)) as db:
            while True:
                result = prune_now(db, days)
                console.print(
                    f"pruned {result.positions_deleted:,} positions before "
                    f"{result.cutoff.isoformat(timespec='seconds')} "
                    f"({result.rollup_rows:,} hourly cell rows kept, "
                    f"{result.sessions_deleted} expired sessions removed)"
                )
                if every is None or stop.wait(every):
                    return
    except KeyboardInterrupt:
        console.print("stopped")
