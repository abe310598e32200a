"""The aggregates analytics and the dashboard read, for both SQL backends.

Exposure follows the one rule of :mod:`roadsense.store.exposure`, over the raw positions
still held plus the hourly roll-up that retention keeps of pruned ones.
A store view scoped to one fleet (:meth:`Store.scoped`) sees only the records its vehicles
made while in that fleet (:mod:`roadsense.store.fleet_membership`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from roadsense.store.analytics_rows import (
    CellHourEvents,
    CellHourExposure,
    CellVehicles,
    EventPoint,
    EventWindow,
    HourlyAggregates,
    VehicleHourEvents,
    VehicleHourExposure,
)
from roadsense.store.exposure import position_steps_sql
from roadsense.store.fleet_membership import (
    ever_in_fleet_sql,
    fleet_at_sql,
    fleet_join_sql,
    fleet_rows_sql,
    in_fleet_sql,
)
from roadsense.store.read_store import CellEvents, CellExposure, Totals
from roadsense.store.sql import Row, SqlBackend, one, placeholders

_EVENT_POINT_COLUMNS = (
    "CAST(event_id AS VARCHAR), vehicle_id, extract(epoch FROM ts), type, level, lat, lon,"
    " speed_mps, ttc_s, headway_s"
)


def epoch_hour_sql(column: str) -> str:
    """SQL for the UTC hour (hours since the epoch) of a timestamp column."""
    return f"CAST(floor(extract(epoch FROM {column}) / 3600) AS BIGINT)"


class ReadsMixin:
    """The reads of :class:`~roadsense.store.read_store.ReadStore`, written once for both SQLs."""

    def _rows(self: SqlBackend, source: str) -> tuple[str, list[object]]:
        """``source`` (a table with ``vehicle_id`` and ``ts``) as the view may read it: the
        rows whose vehicle was in the scoped fleet at the row's time (see
        ``store.fleet_membership``), or all of them. Give it an alias."""
        if self._fleet_scope is None:
            return source, []
        return fleet_rows_sql(source), [self._fleet_scope]

    def _steps(self: SqlBackend) -> tuple[str, list[object]]:
        """The exposure rule's positions and steps (``position_steps_sql``) in scope.

        A fix's step is taken over its vehicle's whole track and the fix then kept when its
        vehicle was in the scoped fleet at its time, so that a fleet's kilometres are the
        city's kilometres of its fixes, a vehicle moved between fleets included.
        """
        if self._fleet_scope is None:
            return position_steps_sql(), []
        steps = position_steps_sql(f"WHERE {ever_in_fleet_sql('positions.vehicle_id')}")
        return f"SELECT * FROM {fleet_rows_sql(f'({steps})')} steps", [self._fleet_scope] * 2

    def _rollup_scope(self: SqlBackend) -> tuple[str, list[object]]:
        if self._fleet_scope is None:
            return "", []
        return "WHERE fleet_id = ?", [self._fleet_scope]

    def totals(self: SqlBackend) -> Totals:
        """Headline counts; vehicle-km includes the roll-up of pruned positions."""
        pos, params = ReadsMixin._rows(self, "positions")
        ev, eparams = ReadsMixin._rows(self, "events")
        steps, stparams = ReadsMixin._steps(self)
        rwhere, rparams = ReadsMixin._rollup_scope(self)
        with self._read() as r:
            vehicles, positions = one(
                r, f"SELECT count(DISTINCT vehicle_id), count(*) FROM {pos} p", params
            )
            by_type = r.fetch(
                f"SELECT type, count(*) FROM {ev} e GROUP BY type ORDER BY type", eparams
            )
            (vkm,) = one(r, f"SELECT coalesce(sum(km), 0) FROM ({steps}) s", stparams)
            (rolled,) = one(
                r, f"SELECT coalesce(sum(vehicle_km), 0) FROM position_rollup {rwhere}", rparams
            )
            if self._fleet_scope is None:
                (batches,) = one(r, "SELECT count(*) FROM batches")
            else:
                (batches,) = one(
                    r,
                    "SELECT count(*) FROM batches b JOIN devices d ON d.device_id = b.device_id "
                    f"WHERE {in_fleet_sql('d.vehicle_id', 'b.received_at')}",
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

    def exposure_by_cell(self: SqlBackend, resolution: int) -> list[CellExposure]:
        """Vehicle-km and vehicles per H3 cell, raw positions and roll-up together.

        For rolled-up hours the distinct vehicles of a cell are not known any more; the
        count used is the largest hourly one, a lower bound, so that old data never makes
        a cell pass the minimum-vehicles rule that fresh data would not.
        """
        steps, params = ReadsMixin._steps(self)
        rwhere, rparams = ReadsMixin._rollup_scope(self)
        raw_cell = self.dialect.parent("h3_cell", resolution)
        with self._read() as r:
            raw = r.fetch(
                f"SELECT {raw_cell} AS c, sum(km), count(DISTINCT vehicle_id) "
                f"FROM ({steps}) s GROUP BY c",
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
        ev, params = ReadsMixin._rows(self, "events")
        types, tparams = _type_filter(event_types)
        with self._read() as r:
            rows = r.fetch(
                f"SELECT {cell} AS c, count(*), count(DISTINCT vehicle_id) FROM {ev} e "
                f"WHERE h3_cell IS NOT NULL {types} GROUP BY c",
                [*params, *tparams],
            )
        return [CellEvents(int(c), int(n), int(v)) for c, n, v in rows]

    def event_points(self: SqlBackend, window: EventWindow, limit: int) -> list[EventPoint]:
        """The newest ``limit`` events with a position in ``window``, newest first."""
        where, params = _event_window(window)
        ev, eparams = ReadsMixin._rows(self, "events")
        with self._read() as r:
            rows = r.fetch(
                f"SELECT {_EVENT_POINT_COLUMNS} FROM {ev} e WHERE {where} "
                "ORDER BY ts DESC, event_id LIMIT ?",
                [*eparams, *params, limit],
            )
        # PostgreSQL's extract() is numeric: the row type promises seconds as a float
        return [EventPoint(r[0], r[1], float(r[2]), *r[3:]) for r in rows]

    def batches_by_fleet(self: SqlBackend) -> dict[str, int]:
        """Batches stored per fleet id, by the fleet that had the device's vehicle when the
        batch was received ('' for none): the dashboard's headline count."""
        batch_fleet = fleet_at_sql("d.vehicle_id", "b.received_at")
        with self._read() as r:
            batches = r.fetch(
                f"SELECT f, count(*) FROM (SELECT {batch_fleet} AS f FROM batches b"
                " LEFT JOIN devices d ON d.device_id = b.device_id) s"
                f"{'' if self._fleet_scope is None else ' WHERE f = ?'} GROUP BY f",
                [] if self._fleet_scope is None else [self._fleet_scope],
            )
        return {str(f): int(n) for f, n in batches}

    def hourly_aggregates(self: SqlBackend, resolution: int) -> HourlyAggregates:
        """Exposure and events per UTC hour: per H3 cell and fleet, and per vehicle.

        One scan of positions: they are summed per vehicle, hour and cell, and from those
        rows one grouped query (grouping sets) gives both the exposure per hour, cell and
        fleet (where the rows per cell are the distinct vehicles) and the kilometres and
        positions per vehicle-hour. The exposure per cell includes the roll-up of pruned
        positions; the per-vehicle rows cannot (the roll-up keeps no vehicle). The batches
        stored per fleet come with them (the dashboard's headline figures). The roll-up and
        the batches are added by :meth:`completed_hourly_aggregates`, as to Spark's rows.
        """
        steps, params = ReadsMixin._steps(self)
        ev, eparams = ReadsMixin._rows(self, "events")
        cell = self.dialect.parent("h3_cell", resolution)
        hour = epoch_hour_sql("ts")
        fleet_of = fleet_join_sql("s.vehicle_id", "s.ts")
        with self._read() as r:
            # each fix counts for the fleet that had its vehicle at the fix's time
            x = r.fetch(
                "SELECT GROUPING(q.vehicle_id, q.h) AS g, q.vehicle_id, q.h, q.c,"
                " q.f, sum(q.km), count(*), sum(q.n),"
                " count(DISTINCT q.vehicle_id) FROM ("
                "  SELECT vehicle_id, h, c, f, sum(km) AS km, count(*) AS n FROM ("
                f"   SELECT s.vehicle_id, {epoch_hour_sql('s.ts')} AS h, {cell} AS c,"
                f"   coalesce(fm.fleet_id, '') AS f, km"
                f"   FROM ({steps}) s {fleet_of}) t"
                "  GROUP BY vehicle_id, h, c, f) q"
                " GROUP BY GROUPING SETS"
                "  ((q.h, q.c, q.f), (q.vehicle_id, q.h, q.f), (q.c, q.f))",
                params,
            )
            e = r.fetch(
                f"SELECT {hour} AS h, {cell} AS c, coalesce(fm.fleet_id, '') AS f, type,"
                f" count(*) FROM {ev} s {fleet_of} WHERE h3_cell IS NOT NULL"
                " GROUP BY h, c, f, type",
                eparams,
            )
            ve = r.fetch(
                f"SELECT s.vehicle_id AS v, {hour} AS h, type, coalesce(fm.fleet_id, '') AS f,"
                f" count(*) FROM {ev} s {fleet_of} GROUP BY v, h, type, f",
                eparams,
            )
        # g is GROUPING(vehicle_id, hour): 2 for the (hour, cell, fleet) rows, 0 for the
        # (vehicle, hour) rows, 3 for the (cell, fleet) rows over every hour
        cells = [
            CellHourExposure(int(h), int(c), str(f), float(km), int(n))
            for g, _, h, c, f, km, n, _, _ in x
            if g == 2 and c is not None
        ]
        distinct = [
            CellVehicles(int(c), str(f), int(d)) for g, _, _, c, f, _, _, _, d in x if g == 3
        ]
        raw = HourlyAggregates(
            cells=cells,
            vehicles=[
                VehicleHourExposure(str(v), int(h), float(km), int(n), str(f))
                for g, v, h, _, f, km, _, n, _ in x
                if g == 0
            ],
            cell_events=[
                CellHourEvents(int(h), int(c), str(f), str(t), int(n)) for h, c, f, t, n in e
            ],
            vehicle_events=[
                VehicleHourEvents(str(v), int(h), str(t), int(n), str(f)) for v, h, t, f, n in ve
            ],
            cell_vehicles=distinct,
        )
        return ReadsMixin.completed_hourly_aggregates(self, raw, resolution)

    def completed_hourly_aggregates(
        self: SqlBackend, raw: HourlyAggregates, resolution: int
    ) -> HourlyAggregates:
        """``raw``, the hourly aggregates of the raw positions and events held (scanned
        here, or computed elsewhere: on Spark from the lake), with what only the store
        holds: the roll-up of pruned positions in the exposure per hour, cell and fleet (km
        added, vehicles the larger: a lower bound) and in the distinct vehicles per cell,
        and the batches per fleet."""
        rwhere, rparams = ReadsMixin._rollup_scope(self)
        cell = self.dialect.parent("h3_cell", resolution)
        with self._read() as r:
            rolled = r.fetch(
                f"SELECT {epoch_hour_sql('hour')} AS h, {cell} AS c, fleet_id, sum(vehicle_km),"
                f" max(vehicles) FROM position_rollup {rwhere} GROUP BY h, c, fleet_id",
                rparams,
            )
        distinct = {(r.cell, r.fleet_id): r.vehicles for r in raw.cell_vehicles}
        for _, c, f, _, n in rolled:  # rolled-up hours keep a lower bound only
            key = (int(c), str(f))
            distinct[key] = max(distinct.get(key, 0), int(n))
        return replace(
            raw,
            cells=_with_rollup(raw.cells, rolled) if rolled else raw.cells,
            cell_vehicles=[CellVehicles(c, f, n) for (c, f), n in distinct.items()],
            batches=ReadsMixin.batches_by_fleet(self),
        )


def _with_rollup(cells: list[CellHourExposure], rolled: list[Row]) -> list[CellHourExposure]:
    """Raw exposure per hour, cell and fleet plus the roll-up's (km added, vehicles max)."""
    merged = {(x.hour, x.cell, x.fleet_id): x for x in cells}
    for h, c, f, km, n in rolled:
        key = (int(h), int(c), str(f))
        old = merged.get(key)
        merged[key] = CellHourExposure(
            *key,
            float(km) + (old.vehicle_km if old else 0.0),
            max(int(n), old.vehicles if old else 0),
        )
    return list(merged.values())


def _event_window(window: EventWindow) -> tuple[str, list[object]]:
    """WHERE clause and parameters of the events with a position in ``window``.

    The time range comes first, so that the engines can skip the older part of the table.
    """
    where: list[str] = []
    params: list[object] = []
    if window.since is not None:
        where.append("ts >= ?")
        params.append(window.since)
    if window.until is not None:
        where.append("ts < ?")
        params.append(window.until)
    if window.types:
        where.append(f"type IN ({placeholders(len(window.types))})")
        params.extend(window.types)
    if (window.hour_from, window.hour_to) != (0, 24):
        # mod(), not %: the PostgreSQL driver reads % as a placeholder
        local = f"mod({epoch_hour_sql('ts')} + {int(window.utc_offset_h)} + 48, 24)"
        joiner = "AND" if window.hour_from <= window.hour_to else "OR"
        where.append(
            f"({local} >= {int(window.hour_from)} {joiner} {local} < {int(window.hour_to)})"
        )
    where.append("lat IS NOT NULL")
    return " AND ".join(where), params


def _type_filter(event_types: Sequence[str] | None) -> tuple[str, list[object]]:
    if not event_types:
        return "", []
    return f"AND type IN ({placeholders(len(event_types))})", list(event_types)
