"""The rollout panel from the store: each vehicle's weeks, silent or live, and the effect.

The roll-out plan comes from a CSV with one row per vehicle: ``vehicle_id``,
``installed`` (date the unit was fitted) and ``live_from`` (first day its warnings
sounded; empty if it is still silent). A period in which a vehicle switched is left out:
it is neither silent nor live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from roadsense.analytics.rollout import Model, PanelRow, RateRatio, RolloutError, estimate_effect
from roadsense.analytics.tables import Column, TableError, read_table, text_value
from roadsense.schema import SAFETY_TYPES
from roadsense.store import ReadStore
from roadsense.store.analytics_rows import Period


@dataclass(frozen=True)
class Rollout:
    """When one vehicle's unit was fitted and went live."""

    vehicle_id: str
    installed: date
    live_from: date | None


def _date(text: str) -> date:
    return date.fromisoformat(text.strip())


def _optional_date(text: str) -> date | None:
    return _date(text) if text.strip() else None


ROLLOUT_COLUMNS = (
    Column("vehicle_id", text_value, "the vehicle"),
    Column("installed", _date, "date the unit was fitted (YYYY-MM-DD)"),
    Column("live_from", _optional_date, "first day with audible warnings; empty if silent"),
)


def read_rollout(path: Path) -> list[Rollout]:
    """The roll-out plan; bad rows are reported by line."""
    rows = read_table(path, ROLLOUT_COLUMNS)
    plan = [Rollout(r["vehicle_id"], r["installed"], r["live_from"]) for r in rows]
    bad = [p.vehicle_id for p in plan if p.live_from is not None and p.live_from < p.installed]
    if bad:
        raise TableError(f"{path}: live_from before installed for {', '.join(bad[:10])}")
    return plan


def _period_end(start: date, period: Period) -> date:
    if period == "day":
        return start + timedelta(days=1)
    if period == "week":
        return start + timedelta(days=7)
    months = 3 if period == "quarter" else 1
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def build_panel(
    store: ReadStore, plan: Sequence[Rollout], event_type: str, period: Period = "week"
) -> list[PanelRow]:
    """One row per vehicle and period after installation, marked silent or live."""
    by_vehicle = {p.vehicle_id: p for p in plan}
    rows = []
    for vp in store.vehicle_periods(period):
        rollout = by_vehicle.get(vp.vehicle_id)
        if rollout is None or vp.vehicle_km <= 0:
            continue
        end = _period_end(vp.period, period)
        if vp.period < rollout.installed:
            continue
        if rollout.live_from is not None and vp.period < rollout.live_from < end:
            continue  # switched during the period
        live = rollout.live_from is not None and vp.period >= rollout.live_from
        count = (
            sum(n for t, n in vp.events.items() if t in SAFETY_TYPES)
            if event_type == "ALL"
            else vp.events.get(event_type, 0)
        )
        rows.append(PanelRow(vp.vehicle_id, vp.period.isoformat(), vp.vehicle_km, count, live))
    return rows


def evaluate_rollout(
    store: ReadStore,
    plan: Sequence[Rollout],
    event_types: Sequence[str],
    period: Period = "week",
    model: Model = "poisson",
) -> tuple[list[RateRatio], dict[str, str]]:
    """Rate ratios per warning type, and why any type could not be estimated."""
    results, problems = [], {}
    for kind in event_types:
        try:
            results.append(estimate_effect(build_panel(store, plan, kind, period), kind, model))
        except RolloutError as exc:
            problems[kind] = str(exc)
    return results, problems
