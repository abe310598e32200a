"""The hourly aggregates an analysis run computed, kept for the dashboard (both SQLs).

:meth:`~roadsense.store.read_store.ReadStore.hourly_aggregates` scans every position; at a
country's scale Spark computes the same rows from the lake (``roadsense analyze --engine
spark``) and they are kept here, one table (``stored_hourly_aggregates``, migration 9) with
a ``kind`` per list of :class:`~roadsense.store.analytics_rows.HourlyAggregates`, so that
the server's cube loads them instead of scanning. Only the latest run's rows are kept per
resolution.
"""

from __future__ import annotations

from collections.abc import Sequence

from roadsense.store.analytics_rows import (
    CellHourEvents,
    CellHourExposure,
    CellVehicles,
    HourlyAggregates,
    StoredAggregates,
    VehicleHourEvents,
    VehicleHourExposure,
)
from roadsense.store.errors import StoreError
from roadsense.store.sql import SqlBackend, chunks

_COLUMNS = (
    "run_id",
    "resolution",
    "kind",
    "hour",
    "cell",
    "vehicle_id",
    "fleet_id",
    "event_type",
    "vehicle_km",
    "n",
)
_CHUNK = 100_000
"""Rows per insert (bounded memory for the driver's parameters)."""


def _rows(run_id: str, resolution: int, agg: HourlyAggregates) -> list[Sequence[object]]:
    """Every row of ``agg`` in the table's columns."""
    head = (run_id, resolution)
    return [
        *(
            (*head, "cell", r.hour, r.cell, None, r.fleet_id, None, r.vehicle_km, r.vehicles)
            for r in agg.cells
        ),
        *(
            (
                *head,
                "vehicle",
                r.hour,
                None,
                r.vehicle_id,
                r.fleet_id,
                None,
                r.vehicle_km,
                r.positions,
            )
            for r in agg.vehicles
        ),
        *(
            (*head, "cell_event", r.hour, r.cell, None, r.fleet_id, r.event_type, None, r.events)
            for r in agg.cell_events
        ),
        *(
            (
                *head,
                "vehicle_event",
                r.hour,
                None,
                r.vehicle_id,
                r.fleet_id,
                r.event_type,
                None,
                r.events,
            )
            for r in agg.vehicle_events
        ),
        *(
            (*head, "cell_vehicles", None, r.cell, None, r.fleet_id, None, None, r.vehicles)
            for r in agg.cell_vehicles
        ),
        *((*head, "batches", None, None, None, f, None, None, n) for f, n in agg.batches.items()),
    ]


class StoredAggregatesMixin:
    """``save_hourly_aggregates`` and ``stored_hourly_aggregates`` of
    :class:`~roadsense.store.analysis_store.AnalysisStore`."""

    def save_hourly_aggregates(
        self: SqlBackend, run_id: str, resolution: int, aggregates: HourlyAggregates
    ) -> int:
        """Replace the kept aggregates at ``resolution`` with ``aggregates`` of ``run_id``."""
        _whole_store(self)
        rows = _rows(run_id, resolution, aggregates)
        with self._tx() as tx:
            if not tx.fetch("SELECT 1 FROM analysis_runs WHERE run_id = ?", [run_id]):
                raise StoreError(f"no analysis run {run_id!r}: record the run first")
            tx.run("DELETE FROM stored_hourly_aggregates WHERE resolution = ?", [resolution])
            for part in chunks(rows, _CHUNK):
                tx.insert("stored_hourly_aggregates", _COLUMNS, part)
        return len(rows)

    def stored_hourly_aggregates(self: SqlBackend, resolution: int) -> StoredAggregates | None:
        """The aggregates kept at ``resolution``, of the newest run that has them."""
        _whole_store(self)
        with self._read() as r:
            runs = r.fetch(
                "SELECT s.run_id FROM (SELECT DISTINCT run_id FROM stored_hourly_aggregates"
                " WHERE resolution = ?) s JOIN analysis_runs a ON a.run_id = s.run_id"
                " ORDER BY a.started_at DESC LIMIT 1",
                [resolution],
            )
            if not runs:
                return None
            run_id = str(runs[0][0])
            rows = r.fetch(
                "SELECT kind, hour, cell, vehicle_id, fleet_id, event_type, vehicle_km, n"
                " FROM stored_hourly_aggregates WHERE resolution = ? AND run_id = ?",
                [resolution, run_id],
            )
        agg = HourlyAggregates([], [], [], [])
        for kind, h, c, v, f, t, km, n in rows:
            if kind == "cell":
                agg.cells.append(CellHourExposure(int(h), int(c), str(f), float(km), int(n)))
            elif kind == "vehicle":
                agg.vehicles.append(VehicleHourExposure(str(v), int(h), float(km), int(n), str(f)))
            elif kind == "cell_event":
                agg.cell_events.append(CellHourEvents(int(h), int(c), str(f), str(t), int(n)))
            elif kind == "vehicle_event":
                agg.vehicle_events.append(VehicleHourEvents(str(v), int(h), str(t), int(n), str(f)))
            elif kind == "cell_vehicles":
                agg.cell_vehicles.append(CellVehicles(int(c), str(f), int(n)))
            elif kind == "batches":
                agg.batches[str(f)] = int(n)
        return StoredAggregates(run_id, resolution, agg)


def _whole_store(self: SqlBackend) -> None:
    if self._fleet_scope is not None:
        raise StoreError("stored aggregates are of the whole store, not a fleet's view of it")
