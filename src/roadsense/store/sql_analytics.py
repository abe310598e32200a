"""What the safety analytics read and keep, written once for both SQL backends.

Panels by period (cells and vehicles), police crashes, driver shifts and the record of
analysis runs. Periods are calendar days, weeks, months or quarters in a local time zone
(Daegu's by default), so that "June" means June in the city, not in UTC.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from roadsense.store.analytics_rows import (
    DEFAULT_TZ,
    PERIODS,
    AnalysisRun,
    CellPeriod,
    CellPeriodEvents,
    CrashRecord,
    DriverShift,
    Period,
    QualityCounts,
    VehicleHour,
    VehiclePeriod,
)
from roadsense.store.h3cells import fine_cell
from roadsense.store.sql import SqlBackend, chunks, one
from roadsense.store.sql_reads import ReadsMixin


def _period(period: str) -> str:
    if period not in PERIODS:
        raise ValueError(f"period must be one of {', '.join(PERIODS)}, not {period!r}")
    return period


def _window(
    column: str, since: datetime | None, until: datetime | None, joiner: str = "WHERE"
) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    if since is not None:
        parts.append(f"{column} >= ?")
        params.append(since)
    if until is not None:
        parts.append(f"{column} < ?")
        params.append(until)
    return (f"{joiner} " + " AND ".join(parts) if parts else ""), params


def _vehicle_panel(
    backend: SqlBackend,
    bucket: str,
    bucket_params: list[object],
    since: datetime | None,
    until: datetime | None,
) -> dict[tuple[str, Any], tuple[float, dict[str, int]]]:
    """Kilometres and events by type per vehicle and time bucket (a SQL expression of ts).

    A vehicle that warned in a bucket without positions there is kept, with 0 km.
    """
    steps, sparams = ReadsMixin._steps(backend)
    ev, esparams = ReadsMixin._rows(backend, "events")
    window, wparams = _window("ts", since, until)
    ev_window, evparams = _window("ts", since, until)
    with backend._read() as r:
        km_rows = r.fetch(
            f"SELECT vehicle_id, {bucket} AS b, sum(km) FROM ({steps}) s "
            f"{window} GROUP BY vehicle_id, b",
            [*bucket_params, *sparams, *wparams],
        )
        ev_rows = r.fetch(
            f"SELECT vehicle_id, {bucket} AS b, type, count(*) FROM {ev} e {ev_window} "
            "GROUP BY vehicle_id, b, type",
            [*bucket_params, *esparams, *evparams],
        )
    panel: dict[tuple[str, Any], tuple[float, dict[str, int]]] = {}
    for v, b, km in km_rows:
        panel[(str(v), b)] = (float(km), {})
    for v, b, kind, n in ev_rows:
        panel.setdefault((str(v), b), (0.0, {}))[1][str(kind)] = int(n)
    return panel


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


class AnalyticsMixin:
    """Period panels, crashes, shifts and analysis runs."""

    def cell_period_exposure(
        self: SqlBackend,
        resolution: int,
        period: Period = "month",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = DEFAULT_TZ,
    ) -> list[CellPeriod]:
        """Vehicle-km and distinct vehicles per H3 cell and local period.

        Raw positions and the roll-up of pruned ones together; where a period holds rolled-up
        hours, its distinct vehicles are at least the largest hourly count (a lower bound).
        """
        unit = _period(period)
        cell = self.dialect.parent("h3_cell", resolution)
        steps, sparams = ReadsMixin._steps(self)
        window, wparams = _window("ts", since, until)
        rscope, rparams = ReadsMixin._rollup_scope(self)
        rwindow, rwparams = _window("hour", since, until, "AND" if rscope else "WHERE")
        with self._read() as r:
            rows = r.fetch(
                f"SELECT {cell} AS c, date_trunc('{unit}', ts AT TIME ZONE ?) AS p, sum(km), "
                f"count(DISTINCT vehicle_id) FROM ({steps}) s {window} "
                "GROUP BY c, p",
                [tz, *sparams, *wparams],
            )
            rolled = r.fetch(
                f"SELECT {cell} AS c, date_trunc('{unit}', hour AT TIME ZONE ?) AS p, "
                f"sum(vehicle_km), max(vehicles) FROM position_rollup {rscope} {rwindow} "
                "GROUP BY c, p",
                [tz, *rparams, *rwparams],
            )
        cells: dict[tuple[int, date], tuple[float, int]] = {}
        for c, p, km, v in [*rows, *rolled]:
            key = (int(c), _as_date(p))
            had_km, had_v = cells.get(key, (0.0, 0))
            cells[key] = (had_km + float(km), max(had_v, int(v)))
        return [
            CellPeriod(c, p, km, v)
            for (c, p), (km, v) in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        ]

    def cell_period_events(
        self: SqlBackend,
        resolution: int,
        period: Period = "month",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = DEFAULT_TZ,
    ) -> list[CellPeriodEvents]:
        """Events per H3 cell, local period and type."""
        unit = _period(period)
        cell = self.dialect.parent("h3_cell", resolution)
        ev, sparams = ReadsMixin._rows(self, "events")
        window, wparams = _window("ts", since, until, "AND")
        with self._read() as r:
            rows = r.fetch(
                f"SELECT {cell} AS c, date_trunc('{unit}', ts AT TIME ZONE ?) AS p, type, "
                f"count(*), count(DISTINCT vehicle_id) FROM {ev} e "
                f"WHERE h3_cell IS NOT NULL {window} GROUP BY c, p, type ORDER BY p, c",
                [tz, *sparams, *wparams],
            )
        return [
            CellPeriodEvents(int(c), _as_date(p), str(t), int(n), int(v)) for c, p, t, n, v in rows
        ]

    def vehicle_periods(
        self: SqlBackend,
        period: Period = "week",
        since: datetime | None = None,
        until: datetime | None = None,
        tz: str = DEFAULT_TZ,
    ) -> list[VehiclePeriod]:
        """Each vehicle's kilometres and warnings by type per local period."""
        bucket = f"date_trunc('{_period(period)}', ts AT TIME ZONE ?)"
        panel = _vehicle_panel(self, bucket, [tz], since, until)
        rows = [VehiclePeriod(v, _as_date(p), km, ev) for (v, p), (km, ev) in panel.items()]
        return sorted(rows, key=lambda x: (x.vehicle_id, x.period))

    def vehicle_hours(
        self: SqlBackend, since: datetime | None = None, until: datetime | None = None
    ) -> list[VehicleHour]:
        """Each vehicle's kilometres and warnings by type per UTC hour (to credit drivers)."""
        panel = _vehicle_panel(self, "date_trunc('hour', ts)", [], since, until)
        rows = [VehicleHour(v, _utc(h), km, ev) for (v, h), (km, ev) in panel.items()]
        return sorted(rows, key=lambda x: (x.vehicle_id, x.hour))

    # -- crashes -----------------------------------------------------------------------

    def add_crashes(self: SqlBackend, crashes: Iterable[CrashRecord]) -> int:
        """Store crashes; one already stored under the same id is left as it is."""
        rows = [
            [
                c.crash_id,
                c.time,
                c.lat,
                c.lon,
                fine_cell(c.lat, c.lon),
                c.severity,
                c.crash_type,
                c.source,
                datetime.now(UTC),
            ]
            for c in crashes
        ]
        added = 0
        with self._tx() as tx:
            for chunk in chunks(rows, 500):
                ids = [r[0] for r in chunk]
                known = {
                    str(k)
                    for (k,) in tx.fetch(
                        f"SELECT crash_id FROM crashes WHERE crash_id IN "
                        f"({', '.join('?' for _ in ids)})",
                        ids,
                    )
                }
                for row in chunk:
                    if row[0] in known:
                        continue
                    known.add(str(row[0]))
                    tx.run(
                        "INSERT INTO crashes (crash_id, ts, lat, lon, h3_cell, severity, "
                        "crash_type, source, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    added += 1
        return added

    def crashes_by_cell(
        self: SqlBackend,
        resolution: int,
        since: datetime | None = None,
        until: datetime | None = None,
        severities: Sequence[str] | None = None,
    ) -> dict[int, int]:
        """Crash counts per H3 cell."""
        cell = self.dialect.parent("h3_cell", resolution)
        window, params = _window("ts", since, until)
        if severities:
            joiner = "AND" if window else "WHERE"
            window += f" {joiner} severity IN ({', '.join('?' for _ in severities)})"
            params += list(severities)
        with self._read() as r:
            rows = r.fetch(f"SELECT {cell} AS c, count(*) FROM crashes {window} GROUP BY c", params)
        return {int(c): int(n) for c, n in rows}

    def crashes(
        self: SqlBackend, since: datetime | None = None, until: datetime | None = None
    ) -> list[CrashRecord]:
        """Stored crashes, oldest first."""
        window, params = _window("ts", since, until)
        with self._read() as r:
            rows = r.fetch(
                "SELECT crash_id, ts, lat, lon, severity, crash_type, source FROM crashes "
                f"{window} ORDER BY ts, crash_id",
                params,
            )
        return [
            CrashRecord(str(i), _utc(t), float(la), float(lo), str(sv), ct, str(src))
            for i, t, la, lo, sv, ct, src in rows
        ]

    def crash_count(self: SqlBackend) -> int:
        """Crashes stored."""
        with self._read() as r:
            return int(r.fetch("SELECT count(*) FROM crashes")[0][0])

    def quality_counts(
        self: SqlBackend, since: datetime, until: datetime, gap_min_s: float, gap_max_s: float
    ) -> QualityCounts:
        """GPS gaps (pauses in (gap_min_s, gap_max_s] between a vehicle's fixes), failsafe,
        silent and tampered units in [since, until)."""
        pos, sparams = ReadsMixin._rows(self, "positions")
        status_rows, _ = ReadsMixin._rows(self, "device_status")
        ev, _ = ReadsMixin._rows(self, "events")
        with self._read() as r:
            gaps = one(
                r,
                "SELECT count(*), coalesce(sum(gap), 0), count(DISTINCT vehicle_id) FROM ("
                " SELECT vehicle_id, extract(epoch FROM ts - lag(ts) OVER"
                "  (PARTITION BY vehicle_id ORDER BY ts)) AS gap"
                f" FROM {pos} p WHERE ts >= ? AND ts < ?) g WHERE gap > ? AND gap <= ?",
                [*sparams, since, until, gap_min_s, gap_max_s],
            )
            status = one(
                r,
                "SELECT count(DISTINCT CASE WHEN failsafe THEN vehicle_id END),"
                " count(CASE WHEN failsafe THEN 1 END),"
                " count(DISTINCT CASE WHEN adas_silent THEN vehicle_id END),"
                " count(DISTINCT CASE WHEN tamper THEN vehicle_id END)"
                f" FROM {status_rows} d WHERE ts >= ? AND ts < ?",
                [*sparams, since, until],
            )
            failsafe = one(
                r,
                f"SELECT count(*), count(DISTINCT vehicle_id) FROM {ev} e"
                " WHERE type = 'FAILSAFE' AND ts >= ? AND ts < ?",
                [*sparams, since, until],
            )
        return QualityCounts(
            gps_gaps=int(gaps[0]),
            gps_gap_s=float(gaps[1]),
            gps_gap_vehicles=int(gaps[2]),
            failsafe_status_vehicles=int(status[0]),
            failsafe_status_reports=int(status[1]),
            adas_silent_vehicles=int(status[2]),
            tamper_vehicles=int(status[3]),
            failsafe_events=int(failsafe[0]),
            failsafe_event_vehicles=int(failsafe[1]),
        )

    # -- drivers -----------------------------------------------------------------------

    def add_driver_shifts(self: SqlBackend, shifts: Iterable[DriverShift]) -> int:
        """Store shifts; a shift already stored (same driver, vehicle, start) is kept."""
        added = 0
        with self._tx() as tx:
            for s in shifts:
                if s.ends_at <= s.starts_at:
                    raise ValueError(
                        f"shift of {s.driver_id} on {s.vehicle_id} ends before it starts"
                    )
                known = tx.fetch(
                    "SELECT 1 FROM driver_shifts WHERE driver_id = ? AND vehicle_id = ? "
                    "AND starts_at = ?",
                    [s.driver_id, s.vehicle_id, s.starts_at],
                )
                if not known:
                    tx.run(
                        "INSERT INTO driver_shifts VALUES (?, ?, ?, ?)",
                        [s.driver_id, s.vehicle_id, s.starts_at, s.ends_at],
                    )
                    added += 1
        return added

    def driver_shifts(self: SqlBackend) -> list[DriverShift]:
        """Every shift, by driver and start."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT driver_id, vehicle_id, starts_at, ends_at FROM driver_shifts "
                "ORDER BY driver_id, starts_at"
            )
        return [DriverShift(str(d), str(v), s, e) for d, v, s, e in rows]

    # -- analysis runs -----------------------------------------------------------------

    def record_analysis_run(
        self: SqlBackend,
        kind: str,
        started_at: datetime,
        parameters: dict[str, Any],
        data: dict[str, Any],
        results: dict[str, Any],
    ) -> AnalysisRun:
        """Keep when an analysis ran, with what settings, on what data, and what it found."""
        run = AnalysisRun(
            str(uuid.uuid4()), started_at, datetime.now(UTC), kind, parameters, data, results
        )
        with self._tx() as tx:
            tx.run(
                "INSERT INTO analysis_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    run.run_id,
                    run.started_at,
                    run.finished_at,
                    kind,
                    json.dumps(parameters, default=str),
                    json.dumps(data, default=str),
                    json.dumps(results, default=str),
                ],
            )
        return run

    def analysis_runs(self: SqlBackend, limit: int = 20) -> list[AnalysisRun]:
        """The latest analysis runs, newest first."""
        with self._read() as r:
            rows = r.fetch(
                "SELECT run_id, started_at, finished_at, kind, parameters, data, results "
                "FROM analysis_runs ORDER BY started_at DESC LIMIT ?",
                [limit],
            )
        return [
            AnalysisRun(str(i), s, f, str(k), json.loads(p), json.loads(d), json.loads(res))
            for i, s, f, k, p, d, res in rows
        ]
