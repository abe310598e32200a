"""Scores per driver (through their shifts) or per vehicle, and a coaching summary.

Kilometres and warnings are counted per vehicle and UTC hour and credited to the driver
whose shift covers that hour; without shifts, each vehicle is scored as its own subject.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from roadsense.analytics.scores import Exposure, Score, score_subjects
from roadsense.store.analytics_rows import DriverShift, VehicleHour

ADVICE = {
    "FCW": "Forward-collision warnings: look further ahead and ease off earlier when traffic "
    "slows.",
    "UFCW": "Low-speed collision warnings: in queues keep a car's length and don't creep up.",
    "HMW": "Headway warnings: keep at least two seconds behind the car ahead (count them).",
    "PCW": "Pedestrian warnings: slow near crossings, bus stops and school zones.",
    "LDW_LEFT": "Lane departures: signal every lane change; take a break when tired.",
    "LDW_RIGHT": "Lane departures: signal every lane change; take a break when tired.",
    "SPEEDING": "Speeding: keep to the posted limit, 50 km/h on most city roads (30 near schools).",
    "HARSH_BRAKE": "Harsh braking: anticipate lights and stops; brake early and gently.",
    "HARSH_ACCEL": "Harsh acceleration: pull away smoothly; it saves fuel too.",
}


class ShiftsAndHours(Protocol):
    """The two reads scoring needs (a :class:`~roadsense.store.Store` has both)."""

    def driver_shifts(self) -> list[DriverShift]:
        """Every driver shift."""
        ...

    def vehicle_hours(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        """Each vehicle's kilometres and warnings by type per UTC hour in [since, until)."""
        ...


class HeldShiftsAndHours:
    """The two reads of scoring answered from rows already read (one scan, not two)."""

    def __init__(self, shifts: list[DriverShift], hours: list[VehicleHour]) -> None:
        self._shifts = shifts
        self._hours = hours

    def driver_shifts(self) -> list[DriverShift]:
        """Every driver shift held."""
        return self._shifts

    def vehicle_hours(
        self, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        """The held vehicle-hours in [since, until)."""
        return [
            h
            for h in self._hours
            if (since is None or h.hour >= since) and (until is None or h.hour < until)
        ]


@dataclass(frozen=True)
class SubjectScores:
    """Every score of one driver or vehicle."""

    subject: str
    kind: str
    """``driver`` or ``vehicle``."""
    km: float
    scores: dict[str, Score]


def _subject_hours(
    store: ShiftsAndHours, since: datetime | None, until: datetime | None
) -> tuple[str, dict[str, list[tuple[float, dict[str, int], datetime]]]]:
    shifts = store.driver_shifts()
    hours = store.vehicle_hours(since, until)
    per: dict[str, list[tuple[float, dict[str, int], datetime]]] = defaultdict(list)
    if not shifts:
        for h in hours:
            per[h.vehicle_id].append((h.vehicle_km, h.events, h.hour))
        return "vehicle", per
    by_vehicle: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for s in shifts:
        by_vehicle[s.vehicle_id].append((s.starts_at, s.ends_at, s.driver_id))
    for spans in by_vehicle.values():
        spans.sort()
    for h in hours:
        spans = by_vehicle.get(h.vehicle_id, [])
        i = bisect.bisect_right([s[0] for s in spans], h.hour) - 1
        if i >= 0 and spans[i][0] <= h.hour < spans[i][1]:
            per[spans[i][2]].append((h.vehicle_km, h.events, h.hour))
    return "driver", per


def fleet_scores(
    store: ShiftsAndHours,
    event_types: Sequence[str],
    split: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[SubjectScores]:
    """Scores for the period from ``split`` on, with the trend against the time before."""
    kind, per = _subject_hours(store, since, until)
    subjects = []
    for subject, rows in per.items():
        now_km = sum(km for km, _, t in rows if t >= split)
        prev_km = sum(km for km, _, t in rows if t < split)
        now: dict[str, int] = defaultdict(int)
        prev: dict[str, int] = defaultdict(int)
        for _, events, t in rows:
            target = now if t >= split else prev
            for k, n in events.items():
                target[k] += n
        if now_km > 0:
            subjects.append(Exposure(subject, now_km, dict(now), prev_km, dict(prev)))
    scores = score_subjects(subjects, event_types) if subjects else []
    grouped: dict[str, dict[str, Score]] = defaultdict(dict)
    for s in scores:
        grouped[s.subject][s.event_type] = s
    return [
        SubjectScores(e.subject, kind, e.km, grouped[e.subject])
        for e in sorted(subjects, key=lambda e: e.subject)
    ]


def coaching_summary(subject: SubjectScores, fleet_name: str = "the fleet") -> str:
    """A plain-text summary a fleet operator can print and discuss with the driver."""
    overall = subject.scores["ALL"]
    lines = [
        f"Coaching summary: {subject.kind} {subject.subject}",
        "=" * 60,
        f"Distance: {subject.km:,.0f} km. Warnings: {overall.count} "
        f"({overall.shrunk_per_100km:.1f} per 100 km, adjusted for distance).",
        f"Compared with {fleet_name}: more warnings per km than {overall.percentile:.0f} % "
        "of colleagues.",
    ]
    if overall.trend_ratio is not None:
        change = 100 * (overall.trend_ratio - 1)
        word = "fewer" if change < 0 else "more"
        lines.append(f"Trend: {abs(change):.0f} % {word} warnings per km than the period before.")
    worst = sorted(
        (s for k, s in subject.scores.items() if k != "ALL" and s.count > 0),
        key=lambda s: -s.percentile,
    )[:3]
    if worst:
        lines.append("")
        lines.append("Where to focus:")
        for s in worst:
            lines.append(
                f"- {s.event_type}: {s.count} warnings, {s.shrunk_per_100km:.1f} per 100 km "
                f"(more than {s.percentile:.0f} % of colleagues)"
            )
            if s.event_type in ADVICE:
                lines.append(f"  {ADVICE[s.event_type]}")
    else:
        lines.append("No warnings in this period: well done.")
    return "\n".join(lines) + "\n"
