"""The aggregates analytics and the dashboard read, for both SQL backends.

Exposure is each fix's speed times the time to the vehicle's next fix (gaps capped), from
the raw positions still held plus the hourly roll-up that retention keeps of pruned ones.
A store view scoped to one fleet (:meth:`Store.scoped`) sees only that fleet's vehicles.
"""

from __future__ import annotations

from collections.abc import Sequence

from roadsense.store.read_store import CellEvents, CellExposure, EventRow, Totals
from roadsense.store.sql import SqlBackend, one, placeholders

_FLEET_VEHICLES = "vehicle_id IN (SELECT vehicle_id FROM vehicles WHERE fleet_id = ?)"


def step_km_sql(max_gap_s: float, where: str = "") -> str:
    """Per-fix distance: speed times the time to the vehicle's next fix, gaps capped."""
    return (
        "SELECT vehicle_id, h3_cell, ts, coalesce(speed_mps, 0) * least(coalesce(extract(epoch "
        "FROM lead(ts) OVER (PARTITION BY vehicle_id ORDER BY ts) - ts), 0), "
        f"{float(max_gap_s)}) / 1000.0 AS km FROM positions {where}"
    )


class ReadsMixin:
    """The reads of :class:`~roadsense.store.read_store.ReadStore`, written once for both SQLs."""

    def _scope(self: SqlBackend, column_prefix: str = "WHERE") -> tuple[str, list[object]]:
        """A filter on ``vehicle_id`` to the scoped fleet's vehicles, or nothing."""
        if self._fleet_scope is None:
            return "", []
        return f"{column_prefix} {_FLEET_VEHICLES}", [self._fleet_scope]

    def _rollup_scope(self: SqlBackend) -> tuple[str, list[object]]:
        if self._fleet_scope is None:
            return "", []
        return "WHERE fleet_id = ?", [self._fleet_scope]

    def totals(self: SqlBackend) -> Totals:
        """Headline counts; vehicle-km includes the roll-up of pruned positions."""
        where, params = ReadsMixin._scope(self)
        rwhere, rparams = ReadsMixin._rollup_scope(self)
        with self._read() as r:
            vehicles, positions = one(
                r, f"SELECT count(DISTINCT vehicle_id), count(*) FROM positions {where}", params
            )
            by_type = r.fetch(
                f"SELECT type, count(*) FROM events {where} GROUP BY type ORDER BY type", params
            )
            (vkm,) = one(
                r, f"SELECT coalesce(sum(km), 0) FROM ({step_km_sql(5.0, where)}) s", params
            )
            (rolled,) = one(
                r, f"SELECT coalesce(sum(vehicle_km), 0) FROM position_rollup {rwhere}", rparams
            )
            if self._fleet_scope is None:
                (batches,) = one(r, "SELECT count(*) FROM batches")
            else:
                (batches,) = one(
                    r,
                    "SELECT count(*) FROM batches b JOIN devices d ON d.device_id = b.device_id "
                    "JOIN vehicles v ON v.vehicle_id = d.vehicle_id WHERE v.fleet_id = ?",
                    [self._fleet_scope],
                )
        counts = {str(k): int(v) for k, v in by_type}
        return Totals(
            vehicles=int(vehicles),
            positions=int(positions),
            events=sum(counts.values()),
            events_by_type=counts,
            vehicle_km=float(vkm) + float(rolled),
            batches=int(batches),
        )

    def exposure_by_cell(
        self: SqlBackend, resolution: int, max_gap_s: float = 5.0
    ) -> list[CellExposure]:
        """Vehicle-km and vehicles per H3 cell, raw positions and roll-up together.

        For rolled-up hours the distinct vehicles of a cell are not known any more; the
        count used is the largest hourly one, a lower bound, so that old data never makes
        a cell pass the minimum-vehicles rule that fresh data would not.
        """
        where, params = ReadsMixin._scope(self)
        rwhere, rparams = ReadsMixin._rollup_scope(self)
        raw_cell = self.dialect.parent("h3_cell", resolution)
        with self._read() as r:
            raw = r.fetch(
                f"SELECT {raw_cell} AS c, sum(km), count(DISTINCT vehicle_id) "
                f"FROM ({step_km_sql(max_gap_s, where)}) s GROUP BY c",
                params,
            )
            rolled = r.fetch(
                f"SELECT {raw_cell} AS c, sum(vehicle_km), max(vehicles) "
                f"FROM position_rollup {rwhere} GROUP BY c",
                rparams,
            )
        cells: dict[int, CellExposure] = {
            int(c): CellExposure(int(c), float(km), int(n)) for c, km, n in raw
        }
        for c, km, n in rolled:
            old = cells.get(int(c))
            cells[int(c)] = CellExposure(
                int(c),
                float(km) + (old.vehicle_km if old else 0.0),
                max(int(n), old.vehicles if old else 0),
            )
        return list(cells.values())

    def events_by_cell(
        self: SqlBackend, resolution: int, event_types: Sequence[str] | None = None
    ) -> list[CellEvents]:
        """Event counts per H3 cell for the given types (all types when None)."""
        cell = self.dialect.parent("h3_cell", resolution)
        where, params = ReadsMixin._scope(self, "AND")
        types, tparams = _type_filter(event_types)
        with self._read() as r:
            rows = r.fetch(
                f"SELECT {cell} AS c, count(*), count(DISTINCT vehicle_id) FROM events "
                f"WHERE h3_cell IS NOT NULL {where} {types} GROUP BY c",
                [*params, *tparams],
            )
        return [CellEvents(int(c), int(n), int(v)) for c, n, v in rows]

    def events(
        self: SqlBackend, event_types: Sequence[str] | None = None, limit: int = 5000
    ) -> list[EventRow]:
        """The most recent events with a position, newest first."""
        where, params = ReadsMixin._scope(self, "AND")
        types, tparams = _type_filter(event_types)
        with self._read() as r:
            rows = r.fetch(
                "SELECT event_id, vehicle_id, ts, type, level, lat, lon, speed_mps, ttc_s, "
                f"headway_s FROM events WHERE lat IS NOT NULL {where} {types} "
                "ORDER BY ts DESC, event_id LIMIT ?",
                [*params, *tparams, limit],
            )
        return [EventRow(*row) for row in rows]


def _type_filter(event_types: Sequence[str] | None) -> tuple[str, list[object]]:
    if not event_types:
        return "", []
    return f"AND type IN ({placeholders(len(event_types))})", list(event_types)
