"""``roadsense roads``: import a city's OSM network, match the store, export products."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from roadsense.analytics import assets, speeds
from roadsense.city import city_settings
from roadsense.cli.errors import fail
from roadsense.cli.progress import stage_bars
from roadsense.cli.store import StoreOption, store_location
from roadsense.roads.geo_export import FORMATS, write_collection
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.service import load_roads
from roadsense.roads.store_sync import import_network, match_new
from roadsense.store import RoadStore, StoreError, open_store

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

PRODUCTS = ("segments", "exposure", "speeds", "signs", "sign-mismatches", "lanes", "potholes")


@app.command("import")
def import_command(
    pbf: Path = typer.Argument(..., help="The city's OSM .pbf (or .osm) file."),
    store: str | None = StoreOption,
    country: str | None = typer.Option(
        None, "--country", help="Country for default speed limits (KR, FI ...); default: inferred."
    ),
) -> None:
    """Store the road segments and junctions and build the Valhalla tiles (cached)."""
    with stage_bars(console) as progress:
        city = load_roads(pbf, country, progress)
    with open_store(store_location(store)) as db:
        info = import_network(db, city.network)
    console.print(
        f"{info.segments} segments, {info.junctions} junctions from {info.source} "
        f"(speed-limit defaults: {info.country or 'generic'}); tiles: {city.tiles_config.parent}"
    )


@app.command("match")
def match_command(
    roads: Path = typer.Option(..., "--roads", help="The OSM file the network came from."),
    store: str | None = StoreOption,
    gps_accuracy: float = typer.Option(10.0, "--gps-accuracy", min=1.0, max=100.0),
) -> None:
    """Match the positions, events, signs and lane samples of new batches only."""
    with stage_bars(console) as progress:
        city = load_roads(roads, None, progress)
        with open_store(store_location(store)) as db:
            if db.road_network_info() is None:
                fail("no road network in the store: run `roadsense roads import` first")
            run = match_new(db, city.matcher(MatchOptions.tuned(gps_accuracy)), progress=progress)
    console.print(
        f"{run.batches} new batches, {run.vehicles} vehicles: {run.matched}/{run.fixes} "
        f"positions and {run.events_matched}/{run.events} events matched"
    )


def product(db: RoadStore, name: str, min_vehicles: int | None, tz: str) -> dict[str, Any]:
    """The GeoJSON of one product (see ``PRODUCTS``)."""
    segments = db.road_segments()
    if not segments:
        raise StoreError("no road network in the store: run `roadsense roads import` first")
    k_traffic = max(min_vehicles or speeds.DEFAULT_MIN_VEHICLES, 1)
    k_asset = max(min_vehicles or 2, 1)
    if name == "segments":
        return speeds.segments_geojson(segments)
    if name == "exposure":
        return speeds.exposure_geojson(speeds.segment_exposure(db, k_traffic), segments)
    if name == "speeds":
        return speeds.speeds_geojson(speeds.segment_speeds(db, k_traffic, tz), segments)
    if name == "signs":
        return assets.signs_geojson(assets.sign_inventory(db, k_asset))
    if name == "sign-mismatches":
        signs = assets.sign_inventory(db, k_asset)
        return assets.mismatches_geojson(assets.sign_mismatches(signs, segments))
    if name == "lanes":
        return assets.lanes_geojson(assets.lane_quality(db, k_traffic), segments)
    if name == "potholes":
        return assets.potholes_geojson(assets.potholes(db, k_asset))
    raise ValueError(f"unknown product {name!r}; choose one of {', '.join(PRODUCTS)}")


@app.command("export")
def export_command(
    name: str = typer.Argument(..., help=f"One of: {', '.join(PRODUCTS)}."),
    out: Path = typer.Option(..., "--out", help="File to write."),
    fmt: str = typer.Option("geojson", "--format", help=f"One of: {', '.join(FORMATS)}."),
    store: str | None = StoreOption,
    min_vehicles: int | None = typer.Option(
        None,
        "--min-vehicles",
        min=1,
        help="Least distinct vehicles per cell (default 5; 2 for assets).",
    ),
    tz: str | None = typer.Option(
        None, "--tz", help="Time zone of the hours of the week (default: ROADSENSE_TIME_ZONE)."
    ),
) -> None:
    """Export a road or traffic product as GeoJSON or GeoParquet."""
    tz = tz or city_settings().time_zone
    if name not in PRODUCTS:
        fail(f"unknown product {name!r}; choose one of {', '.join(PRODUCTS)}")
    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        with open_store(store_location(store)) as db:
            collection = product(db, name, min_vehicles, tz)
    except (KeyError, ValueError) as exc:
        fail(str(exc))
    write_collection(collection, out, fmt)
    console.print(f"{len(collection['features'])} features -> {out}")
