"""``roadsense evaluate``: did a treatment (or the warnings) make things safer?"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.before_after import TreatedSite, eb_before_after
from roadsense.analytics.tables import (
    Column,
    TableError,
    non_negative_float,
    read_table,
    text_value,
)
from roadsense.cli.errors import fail

app = typer.Typer(no_args_is_help=True)
console = Console()

BEFORE_AFTER_COLUMNS = (
    Column("site_id", text_value, "the site's id"),
    Column("observed_before", non_negative_float, "count observed before the treatment"),
    Column("predicted_before", non_negative_float, "SPF prediction for the before period"),
    Column("observed_after", non_negative_float, "count observed after"),
    Column("predicted_after", non_negative_float, "SPF prediction for the after period"),
    Column("overdispersion", non_negative_float, "the SPF's overdispersion k"),
)


@app.command("before-after")
def before_after(
    sites: Path = typer.Argument(
        ...,
        help="CSV: site_id, observed_before, predicted_before, "
        "observed_after, predicted_after, overdispersion.",
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the result as JSON."),
) -> None:
    """Empirical Bayes before/after study of a group of treated sites (HSM chapter 9)."""
    try:
        rows = read_table(sites, BEFORE_AFTER_COLUMNS)
        result = eb_before_after(
            [
                TreatedSite(
                    r["site_id"],
                    r["observed_before"],
                    r["predicted_before"],
                    r["observed_after"],
                    r["predicted_after"],
                    r["overdispersion"],
                )
                for r in rows
            ]
        )
    except (TableError, ValueError) as exc:
        fail(str(exc))
    table = Table("measure", "value", title=f"Empirical Bayes before/after, {result.sites} sites")
    table.add_row("observed after", f"{result.observed_after:g}")
    table.add_row("expected after without treatment", f"{result.expected_after:.2f}")
    table.add_row("odds_ratio_naive", f"{result.odds_ratio_naive:.4f}")
    table.add_row("odds_ratio", f"{result.odds_ratio:.4f}")
    table.add_row("standard_error", f"{result.standard_error:.4f}")
    table.add_row(
        "effectiveness_percent",
        f"{result.effectiveness_percent:.1f} % (SE {result.effectiveness_se_percent:.1f})",
    )
    table.add_row("significance", f"{result.significance} (z = {result.z:.2f})")
    console.print(table)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(result.as_dict(), indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")
