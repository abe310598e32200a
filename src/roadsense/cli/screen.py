"""``roadsense screen``: empirical Bayes network screening of sites from a CSV file."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.screening import Site, screen
from roadsense.analytics.tables import (
    Column,
    non_negative_float,
    read_table,
    text_value,
    write_table,
)
from roadsense.cli.errors import fail

console = Console()

SITE_COLUMNS = (
    Column("site_id", text_value, "the site's id"),
    Column("observed", non_negative_float, "count observed in the period"),
    Column("predicted", non_negative_float, "count the SPF predicts for the same period"),
    Column("overdispersion", non_negative_float, "the SPF's overdispersion k"),
)


def screen_command(
    sites: Path = typer.Argument(..., help="CSV: site_id, observed, predicted, overdispersion."),
    out: Path | None = typer.Option(None, "--out", help="Write the ranked sites here (CSV)."),
    top: int = typer.Option(20, "--top", min=1, help="Rows to print."),
) -> None:
    """Rank sites by empirical Bayes excess (HSM Part B); 1 = largest excess."""
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
