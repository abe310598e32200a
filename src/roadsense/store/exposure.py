"""The exposure rule, written once: how far a vehicle drove, from its GPS fixes.

A fix stands for the time until the same vehicle's next fix, capped at :data:`MAX_STEP_S`;
its distance is its speed times that time. Every read of vehicle-km or vehicle-hours (the
totals, exposure per cell, per period, per vehicle and hour, per road segment) and the
retention roll-up use the SQL below, so they cannot disagree. See docs/hotspots.md
("Exposure") for why speed and not the distance between fixes, and why 60 s.
"""

from __future__ import annotations

MAX_STEP_S = 60.0
"""The most time one fix stands for, in seconds.

Long enough that a gateway sending a fix every 10-30 s has all its kilometres counted;
short enough that a vehicle that goes dark while moving (a tunnel, a dead modem, the
ignition off before the last fix said 0 km/h) is credited with at most a minute at its
last speed. The trip splitter (``roads.trips``) ends a trip at the same 60 s gap.
"""

NEXT_GAP_SQL = "extract(epoch FROM lead(ts) OVER (PARTITION BY vehicle_id ORDER BY ts) - ts)"
"""Seconds from a fix to the same vehicle's next fix (NULL for its last fix)."""


def step_seconds_sql(gap: str = NEXT_GAP_SQL, without_next: str = "0") -> str:
    """SQL for the seconds a fix stands for: ``gap`` capped, ``without_next`` when NULL.

    ``without_next`` is what a fix with no next fix in view stands for: 0 for a vehicle's
    last fix; retention passes the cap when the next fix lies beyond the pruned window.
    """
    return f"least(coalesce({gap}, {without_next}), {MAX_STEP_S})"


MIN_MOVING_MPS = 0.001
"""A speed under a millimetre a second is standing still. Besides being true, it keeps the
product with a step of a microsecond far from the smallest float: PostgreSQL refuses a
product that underflows (a stored speed of 1e-300 would otherwise break every read)."""


def step_km_sql(step_s: str) -> str:
    """SQL for a fix's distance in km: its speed (0 when unknown or under
    :data:`MIN_MOVING_MPS`) times ``step_s``."""
    return (
        f"(CASE WHEN speed_mps >= {MIN_MOVING_MPS} THEN speed_mps ELSE 0 END) * {step_s} / 1000.0"
    )


def position_steps_sql(where: str = "") -> str:
    """Every held position (under ``where``) with its step in km: the exposure of one fix.

    Columns: ``vehicle_id, h3_cell, ts, km``.
    """
    return (
        f"SELECT vehicle_id, h3_cell, ts, {step_km_sql(step_seconds_sql())} AS km "
        f"FROM positions {where}"
    )
