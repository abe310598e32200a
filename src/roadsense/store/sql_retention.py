"""Retention: raw positions are pruned after a while; hourly aggregates per cell stay.

Taxi traces reveal where passengers live and work, so raw positions are kept only as long
as they are needed (90 days by default, see docs/privacy.md). Before a fix is deleted its
exposure (the rule of :mod:`roadsense.store.exposure`, as the reads compute it) and its
speed are added to ``position_rollup``: one row per hour, fine H3 cell and fleet, with no
vehicle in it. Totals of vehicle-km, and the exposure analytics read, are the same before
and after a prune. Events are kept.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roadsense.store.errors import StoreError
from roadsense.store.exposure import MAX_STEP_S, step_km_sql, step_seconds_sql
from roadsense.store.fleet_membership import fleet_join_sql
from roadsense.store.retention_store import PruneResult
from roadsense.store.sql import SqlBackend, one


def _pruned_steps_sql() -> str:
    """Each fix before the cutoff with its step km (the exposure rule); a next fix beyond
    the window counts as a capped gap, exactly as if the whole history were read."""
    beyond = (
        "CASE WHEN EXISTS (SELECT 1 FROM positions q WHERE q.vehicle_id = p.vehicle_id "
        f"AND q.ts >= ?) THEN {MAX_STEP_S} ELSE 0 END"
    )
    step = step_seconds_sql("extract(epoch FROM p.next_ts - p.ts)", beyond)
    return (
        "SELECT p.vehicle_id, p.ts, p.h3_cell, p.speed_mps, "
        f"coalesce(fm.fleet_id, '') AS fleet, {step_km_sql(step)} AS km "
        "FROM (SELECT vehicle_id, ts, h3_cell, speed_mps, "
        "lead(ts) OVER (PARTITION BY vehicle_id ORDER BY ts) AS next_ts "
        "FROM positions WHERE ts < ?) p "
        f"{fleet_join_sql('p.vehicle_id', 'p.ts')} WHERE p.ts < ?"
    )


class RetentionMixin:
    """``prune`` of :class:`~roadsense.store.retention_store.RetentionStore`, for both SQLs."""

    def prune(self: SqlBackend, cutoff: datetime) -> PruneResult:
        """Delete raw positions before ``cutoff``, first adding them to the hourly roll-up,
        and the kept per-vehicle kilometres of the hours before it.

        One transaction: a prune that fails leaves everything as it was.
        """
        if cutoff.tzinfo is None:
            raise StoreError("the prune cutoff must carry a timezone")
        if self._fleet_scope is not None:
            raise StoreError("a fleet's view of the store is read-only")
        cutoff = cutoff.astimezone(UTC)
        window_end = cutoff + timedelta(seconds=MAX_STEP_S)
        with self._tx() as tx:
            if self.dialect.exclusive_prune_sql:
                tx.fetch(self.dialect.exclusive_prune_sql)
            (doomed,) = one(tx, "SELECT count(*) FROM positions WHERE ts < ?", [cutoff])
            rollup_rows = 0
            if doomed:
                (rollup_rows,) = one(
                    tx,
                    "SELECT count(*) FROM (SELECT DISTINCT date_trunc('hour', ts), h3_cell "
                    "FROM positions WHERE ts < ?) s",
                    [cutoff],
                )
                tx.run(
                    "INSERT INTO position_rollup AS r (hour, h3_cell, fleet_id, fixes, "
                    "vehicle_km, speed_sum_mps, speed_fixes, vehicles) "
                    "SELECT date_trunc('hour', ts) AS h, h3_cell, fleet, count(*), sum(km), "
                    "coalesce(sum(speed_mps), 0), count(speed_mps), count(DISTINCT vehicle_id) "
                    f"FROM ({_pruned_steps_sql()}) s GROUP BY h, h3_cell, fleet "
                    "ON CONFLICT (hour, h3_cell, fleet_id) DO UPDATE SET "
                    "fixes = r.fixes + excluded.fixes, "
                    "vehicle_km = r.vehicle_km + excluded.vehicle_km, "
                    "speed_sum_mps = r.speed_sum_mps + excluded.speed_sum_mps, "
                    "speed_fixes = r.speed_fixes + excluded.speed_fixes, "
                    "vehicles = greatest(r.vehicles, excluded.vehicles)",
                    [window_end, window_end, cutoff],
                )
                tx.run("DELETE FROM positions WHERE ts < ?", [cutoff])
            # the kilometres per vehicle-hour an analysis kept go with the positions, as
            # the roll-up keeps no vehicle (the per-cell rows stay, as the roll-up does)
            tx.run(
                "DELETE FROM stored_hourly_aggregates WHERE kind = 'vehicle' AND hour < ?",
                [int(cutoff.timestamp() // 3600)],
            )
            now = datetime.now(UTC)
            (expired,) = one(tx, "SELECT count(*) FROM sessions WHERE expires_at <= ?", [now])
            if expired:
                tx.run("DELETE FROM sessions WHERE expires_at <= ?", [now])
        return PruneResult(cutoff, int(doomed), int(rollup_rows), int(expired))
