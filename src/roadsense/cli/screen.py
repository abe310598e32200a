"""``roadsense screen``: empirical Bayes network screening of a store's cells or a CSV's sites.

With ``--store`` (or no CSV file), the store's H3 cells are ranked by the one hotspot
ranking (:mod:`roadsense.analytics.ranking`, thresholds from the city's settings): the
same sites, order and figures as ``/v1/panels/hotspots``, the dashboard and the monthly report.
With a CSV of sites whose predictions an analyst already has, those are ranked by excess.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.hotspots import HotspotParams, hotspot_figures, rank_cells
from roadsense.analytics.screening import Site, screen
from roadsense.analytics.tables import (
    Column,
    non_negative_float,
    read_table,
    text_value,
    write_table,
)
from roadsense.city import city_settings
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.roads.places import PlaceNamer
from roadsense.schema import EventType
from roadsense.store import open_store

console = Console()

SITE_COLUMNS = (
    Column("site_id", text_value, "the site's id"),
    Column("observed", non_negative_float, "count observed in the period"),
    Column("predicted", non_negative_float, "count the SPF predicts for the same period"),
    Column("overdispersion", non_negative_float, "the SPF's overdispersion k"),
)


def screen_command(
    sites: Path | None = typer.Argument(
        None, help="CSV: site_id, observed, predicted, overdispersion (else: the store's cells)."
    ),
    out: Path | None = typer.Option(None, "--out", help="Write the ranked sites here (CSV)."),
    top: int = typer.Option(20, "--top", min=1, help="Rows to print."),
    event_type: str = typer.Option("ALL", "--event-type", help="Store cells: FCW, HMW ... or ALL."),
    resolution: int | None = typer.Option(
        None, "--resolution", min=5, max=12, help="Store cells: H3 resolution (city setting)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Store cells: print the top as JSON."),
    store: str | None = StoreOption,
) -> None:
    """Rank sites by empirical Bayes excess (HSM Part B); 1 = largest excess."""
    if sites is None:
        _screen_store(store, event_type, resolution, top, as_json)
        return
    _screen_csv(sites, out, top)


def _screen_store(
    store: str | None, event_type: str, resolution: int | None, top: int, as_json: bool
) -> None:
    """The store's cells by the hotspot ranking, as a table or as JSON."""
    types: tuple[str, ...] = ()
    if event_type.upper() != "ALL":
        try:
            types = (EventType(event_type.upper()).value,)
        except ValueError:
            fail(f"unknown event type {event_type!r}")
    city = city_settings()
    params = HotspotParams(
        resolution or city.hotspot_resolution,
        types,
        city.ranking_thresholds.min_vehicle_km,
        city.ranking_thresholds.min_vehicles,
    )
    with open_store(store_location(store), read_only=True) as db:
        ranking = rank_cells(db, params)
        places = PlaceNamer.of(db) if db.road_network_info() else None
    rows = [hotspot_figures(s, places) for s in ranking.top(top)]
    if as_json:
        typer.echo(json.dumps({"ranking": ranking.method, "note": ranking.note, "sites": rows}))
        return
    table = Table(
        "rank",
        "place",
        "cell",
        "events",
        "vehicle-km",
        "vehicles",
        "per 1,000 vkm",
        "expected",
        "excess",
        title=f"Hotspot cells ({ranking.note})",
    )
    for r in rows:
        table.add_row(
            str(r["rank"]),
            r["place"] or "",
            r["cell"],
            str(r["events"]),
            f"{r['vehicle_km']:.3f}",
            str(r["vehicles"]),
            f"{r['rate_per_1000_vkm']:.2f}",
            "-" if r["expected"] is None else f"{r['expected']:.2f}",
            "-" if r["excess"] is None else f"{r['excess']:+.2f}",
        )
    console.print(table)


def _screen_csv(sites: Path, out: Path | None, top: int) -> None:
    """An analyst's sites (with their predictions) ranked by excess."""
    rows = read_table(sites, SITE_COLUMNS)
    ids = [r["site_id"] for r in rows]
    if len(set(ids)) != len(ids):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        fail(f"{sites}: site_id must be unique; repeated: {', '.join(dupes[:10])}")
    screened = screen(
        [Site(r["site_id"], r["observed"], r["predicted"], r["overdispersion"]) for r in rows]
    )
    by_id = {r["site_id"]: r for r in rows}
    out_rows = []
    for s in screened:
        row = dict(by_id[s.site.site_id])
        row.update(
            weight=round(s.weight, 6),
            expected=round(s.expected, 6),
            excess=round(s.excess, 6),
            rank=s.rank,
        )
        out_rows.append(row)
    if out is not None:
        extra = [
            k
            for k in out_rows[0]
            if k not in {c.name for c in SITE_COLUMNS}
            and k not in {"weight", "expected", "excess", "rank"}
        ]
        columns = [c.name for c in SITE_COLUMNS] + extra + ["weight", "expected", "excess", "rank"]
        write_table(out, out_rows, columns)
        console.print(f"wrote {len(out_rows)} ranked sites to {out}")
    table = Table(
        "rank",
        "site",
        "observed",
        "predicted",
        "weight",
        "expected",
        "excess",
        title="Empirical Bayes screening (largest excess first)",
    )
    for row in out_rows[:top]:
        table.add_row(
            str(row["rank"]),
            row["site_id"],
            f"{row['observed']:g}",
            f"{row['predicted']:.2f}",
            f"{row['weight']:.3f}",
            f"{row['expected']:.2f}",
            f"{row['excess']:+.2f}",
        )
    console.print(table)
