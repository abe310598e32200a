"""``roadsense evaluate``: did a treatment (or the warnings) make things safer?"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from roadsense.analytics.before_after import TreatedSite, eb_before_after
from roadsense.analytics.rollout import Model, RateRatio
from roadsense.analytics.rollout_panel import Rollout, evaluate_rollout, read_rollout
from roadsense.analytics.tables import (
    Column,
    non_negative_float,
    read_table,
    text_value,
)
from roadsense.cli.errors import fail
from roadsense.cli.store import StoreOption, store_location
from roadsense.schema import SAFETY_TYPES
from roadsense.store import Store, open_store
from roadsense.store.analytics_rows import PERIODS, Period

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
    except ValueError as exc:
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


@app.command("rollout")
def rollout(
    plan: Path = typer.Argument(..., help="CSV: vehicle_id, installed, live_from (dates)."),
    period: str = typer.Option("week", "--period", help="day, week, month or quarter."),
    model: str = typer.Option("poisson", "--model", help="poisson (quasi) or negbin."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the results as JSON."),
    store: str | None = StoreOption,
) -> None:
    """Did live warnings change warning rates? Rate ratios live vs silent, 95 % intervals."""
    if period not in PERIODS:
        fail(f"--period must be one of {', '.join(PERIODS)}")
    if model not in ("poisson", "negbin"):
        fail("--model must be poisson or negbin")
    glm: Model = "negbin" if model == "negbin" else "poisson"
    rollout_plan = read_rollout(plan)
    with open_store(store_location(store)) as db:
        results, problems = evaluate_and_record(db, rollout_plan, str(plan), period, glm)
    table = Table(
        "warning",
        "rate ratio",
        "95 % CI",
        "change",
        "p",
        "vehicles",
        "live km",
        "silent km",
        title="Effect of live warnings (vehicle and period effects, "
        "exposure offset, vehicle-clustered SEs)",
    )
    for r in results:
        table.add_row(
            r.event_type,
            f"{r.rate_ratio:.2f}",
            f"{r.ci_low:.2f}-{r.ci_high:.2f}",
            f"{r.change_percent:+.0f} %",
            f"{r.p_value:.3g}",
            str(r.vehicles),
            f"{r.live_km:,.0f}",
            f"{r.silent_km:,.0f}",
        )
    console.print(table)
    for kind, why in problems.items():
        console.print(f"[yellow]{kind}:[/] {why}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        payload = {"results": [asdict(r) for r in results], "not_estimated": problems}
        json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")


def evaluate_and_record(
    db: Store, rollout_plan: list[Rollout], plan_label: str, period: Period, glm: Model
) -> tuple[list[RateRatio], dict[str, str]]:
    """Rate ratios live vs silent for all warnings and each type, recorded in the store as
    the latest ``rollout`` run (what the dashboard's evaluation panel shows)."""
    started = datetime.now(UTC)
    types = ["ALL", *sorted(t for t in db.totals().events_by_type if t in SAFETY_TYPES)]
    results, problems = evaluate_rollout(db, rollout_plan, types, period, glm)
    db.record_analysis_run(
        "rollout",
        started,
        {
            "plan": plan_label,
            "period": period,
            "model": glm,
            "vehicles_in_plan": len(rollout_plan),
        },
        {"vehicle_km": db.totals().vehicle_km},
        {"rate_ratios": [asdict(r) for r in results], "not_estimated": problems},
    )
    return results, problems
