"""The roll-out programme: units start silent, then go live in staggered waves.

A run of ``days`` simulated days starts with every unit silent (day 0 is the baseline for
all). The taxis are split at random into ``waves + 1`` groups of (nearly) equal size:
group ``w`` (1..waves) goes live on day ``1 + (w - 1) * (days - 1) // waves``, group 0
stays silent all along (the controls). A one-day run has no live day: every unit silent.

Live warnings change what drivers do by a planted amount: a warned driver starts
close-following spells (HMW) and inattention spells (FCW, UFCW) less often, by the ratios
of :data:`PLANTED_RATE_RATIOS` (the spells' rates are multiplied by them, so the rate ratio
of the warnings they cause is the planted one). The plan is written as the evaluate CLI
reads it (``roadsense evaluate rollout PLAN``): ``vehicle_id,installed,live_from``.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path

from roadsense.schema import EventType

E = EventType
PLANTED_RATE_RATIOS: Mapping[EventType, float] = {E.HMW: 0.75, E.FCW: 0.5, E.UFCW: 0.85}
"""Live / silent rate of the spells behind each warning (close to the Acudrive figures:
HMW -23 %, FCW -50 %, UFCW -14 %)."""
ROLLOUT_PLAN_FILE = "rollout_plan.csv"


def plan_rollout(
    vehicle_ids: Sequence[str], days: int, waves: int, rng: random.Random
) -> dict[str, int | None]:
    """Each taxi's first live day (0-based), None for a unit that stays silent."""
    plan: dict[str, int | None] = dict.fromkeys(vehicle_ids)
    if days < 2 or waves < 1:
        return plan
    order = list(vehicle_ids)
    rng.shuffle(order)
    groups = waves + 1
    for i, vid in enumerate(order):
        group = i * groups // len(order)
        if group > 0:
            plan[vid] = 1 + (group - 1) * (days - 1) // waves
    return plan


def write_plan(path: Path, plan: Mapping[str, int | None], first_day: date) -> None:
    """The plan as ``vehicle_id,installed,live_from`` (dates; empty live_from: silent)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["vehicle_id", "installed", "live_from"])
        for vid in sorted(plan):
            day = plan[vid]
            live = "" if day is None else (first_day + timedelta(days=day)).isoformat()
            writer.writerow([vid, first_day.isoformat(), live])
