"""``roadsense lake``: the store's raw records as a Parquet lake partitioned by UTC day, and
their map matching on Spark."""

from __future__ import annotations

from pathlib import Path

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


@app.command("match")
def match(
    lake: str = typer.Option(..., "--lake", help="The lake (a folder or a URL Spark reads)."),
    roads: Path = typer.Option(..., "--roads", help="The city's OSM file the network came from."),
    master: str = typer.Option(
        "local[2]", "--master", help="Spark's master: local[N] or spark://HOST:PORT."
    ),
    spark_conf: list[str] = typer.Option(
        [], "--spark-conf", help="A Spark setting KEY=VALUE (repeatable)."
    ),
    gps_accuracy: float = typer.Option(10.0, "--gps-accuracy", min=1.0, max=100.0),
    country: str | None = typer.Option(
        None, "--country", help="Country for default speed limits (KR, FI ...); default: inferred."
    ),
) -> None:
    """Map-match the lake's positions and events on Spark, per vehicle and UTC day.

    Only days without matches of this road network are matched (a rerun adds nothing);
    each executor opens Valhalla on tiles shipped once per job. `roadsense analyze
    --engine spark` then screens road segments and junctions from them.
    """
    from roadsense.roads.matcher import MatchOptions
    from roadsense.roads.service import load_roads
    from roadsense.roads.tiles import file_digest
    from roadsense.spark.matching import match_lake
    from roadsense.spark.session import SparkOptions, parse_conf

    options = SparkOptions(master=master, conf=parse_conf(spark_conf))
    with stage_bars(console) as bars:
        city = load_roads(roads, country, bars)
        run = match_lake(
            lake,
            city,
            file_digest(roads),
            options,
            MatchOptions.tuned(gps_accuracy),
            progress=bars,
        )
    if not run.days:
        console.print(f"every day of {lake} is matched on {roads.name} already")
        return
    console.print(
        f"matched {len(run.days)} UTC day(s) on {roads.name} ({run.network}): "
        f"{run.matched:,}/{run.fixes:,} positions and {run.events_matched:,}/{run.events:,} "
        f"events on the road; Spark's own log: {options.log_file}"
    )
