"""``roadsense analyze``: every safety analysis on the store."""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.analyze import AnalyzeParams, AnalyzeResult, analyze, result_json
from roadsense.analytics.network_screening import ScreenedSegment
from roadsense.city import city_settings
from roadsense.cli.progress import stage_bars
from roadsense.cli.store import StoreOption, store_location
from roadsense.store import open_store
from roadsense.store.analytics_rows import DASHBOARD_RESOLUTION

console = Console()


class Engine(StrEnum):
    """Who scans the raw rows (the model fits are the same code on either)."""

    store = "store"
    spark = "spark"


def analyze_command(
    out: Path = typer.Option(Path("var/analysis"), "--out", help="Folder for the results."),
    resolution: int | None = typer.Option(
        None, "--resolution", min=5, max=12, help="H3 resolution (default: the city's setting)."
    ),
    min_vehicle_km: float | None = typer.Option(
        None, "--min-vehicle-km", min=0.0, help="Default: ROADSENSE_MIN_VEHICLE_KM."
    ),
    min_vehicles: int | None = typer.Option(
        None, "--min-vehicles", min=1, help="Default: ROADSENSE_MIN_VEHICLES."
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="Time zone of months and weeks (default: ROADSENSE_TIME_ZONE)."
    ),
    engine: Engine = typer.Option(
        Engine.store,
        "--engine",
        help="Who scans the raw rows: the store itself, or Apache Spark over a lake "
        "(`roadsense lake export`).",
    ),
    lake: str | None = typer.Option(
        None, "--lake", help="The lake Spark reads (a folder or a URL); --engine spark only."
    ),
    master: str = typer.Option(
        "local[2]", "--master", help="Spark's master: local[N] or spark://HOST:PORT."
    ),
    spark_conf: list[str] = typer.Option(
        [], "--spark-conf", help="A Spark setting KEY=VALUE (repeatable)."
    ),
    json_file: Path | None = typer.Option(
        None, "--json", help='Write the ranked sites as JSON: {"engine", "sites": [...]}.'
    ),
    store: str | None = StoreOption,
) -> None:
    """Screening, clusters, trends, crash validation and scores; the run is recorded."""
    city = city_settings()
    params = AnalyzeParams(
        resolution or city.hotspot_resolution,
        city.min_vehicle_km if min_vehicle_km is None else min_vehicle_km,
        min_vehicles or city.min_vehicles,
        tz=tz or city.time_zone,
    )
    if engine is Engine.spark:
        result = _on_spark(store, out, params, lake, master, spark_conf)
    else:
        if lake is not None:
            raise typer.BadParameter("--lake is read by --engine spark only", param_hint="--lake")
        with open_store(store_location(store)) as db, stage_bars(console) as progress:
            result = analyze(db, out, params, progress)
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(result_json(result), indent=2) + "\n", encoding="utf-8")
    screening = result.screenings["ALL"]
    table = Table(
        "rank",
        "cell",
        "observed",
        "veh-km",
        "predicted",
        "expected",
        "excess",
        title="Top cells by empirical Bayes excess (all warnings)",
    )
    for c in screening.cells[:10]:
        table.add_row(
            str(c.rank),
            c.cell,
            str(c.observed),
            f"{c.vehicle_km:.1f}",
            f"{c.predicted:.1f}",
            f"{c.expected:.1f}",
            f"{c.excess:+.1f}",
        )
    console.print(table)
    if screening.spf is not None:
        console.print(
            f"SPF: count ~ vehicle-km^{screening.spf.exposure_coef:.2f}, "
            f"overdispersion k = {screening.spf.overdispersion:.3f}"
        )
    segments = result.segment_screening
    if segments is not None and segments.segments:
        seg_table = segment_table(segments.segments, 10)
        console.print(seg_table)
    console.print(f"hot clusters (Gi*, FDR 5 %): {result.hot_clusters} cells")
    if result.trends:
        console.print("trends: " + ", ".join(f"{k} {v}" for k, v in sorted(result.trends.items())))
    if result.validation:
        console.print(f"near misses vs crashes: {result.validation['verdict']}")
    console.print(f"scored: {result.scored_subjects} drivers or vehicles")
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    console.print(f"run {result.run_id} on {result.engine}; files in {out}")
    if json_file is not None:
        console.print(f"sites: {json_file}")


def _on_spark(
    store: str | None,
    out: Path,
    params: AnalyzeParams,
    lake: str | None,
    master: str,
    spark_conf: list[str],
) -> AnalyzeResult:
    """The analysis with Spark scanning the lake; the store gives the rest and records it,
    with the dashboard's hourly aggregates Spark computed."""
    from roadsense.spark.engine import spark_source
    from roadsense.spark.session import SparkOptions, parse_conf

    if lake is None:
        raise typer.BadParameter(
            "--engine spark reads a lake: give --lake PATH (write one with "
            "`roadsense lake export --to PATH`)",
            param_hint="--lake",
        )
    options = SparkOptions(master=master, conf=parse_conf(spark_conf))
    with (
        open_store(store_location(store)) as db,
        stage_bars(console) as progress,
        spark_source(lake, options, progress) as source,
    ):
        result = analyze(db, out, params, progress, source=source)
        # the dashboard's hourly aggregates, kept with the run for the server's cube
        raw = source.hourly_aggregates(DASHBOARD_RESOLUTION)
        aggregates = db.completed_hourly_aggregates(raw, DASHBOARD_RESOLUTION)
        kept = db.save_hourly_aggregates(result.run_id, DASHBOARD_RESOLUTION, aggregates)
    console.print(
        f"dashboard aggregates: {kept:,} rows kept with run {result.run_id} "
        "(served with ROADSENSE_DASHBOARD_AGGREGATES=stored)"
    )
    console.print(f"Spark's own log: {options.log_file}")
    return result


def segment_table(segments: Sequence[ScreenedSegment], limit: int) -> Table:
    """The top ``limit`` screened road segments as a table (the CLI's and the demo's)."""
    table = Table(
        "rank",
        "segment",
        "road",
        "class",
        "observed",
        "veh-km",
        "excess",
        title=f"Top {limit} road segments by empirical Bayes excess",
    )
    for s in segments[:limit]:
        table.add_row(
            str(s.rank),
            s.segment_id,
            s.name or "-",
            s.highway,
            str(s.observed),
            f"{s.vehicle_km:.1f}",
            f"{s.excess:+.1f}",
        )
    return table
