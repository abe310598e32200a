"""Data quality for a month: silent devices, failsafe, GPS gaps, events off the road map.

Most figures come through the store's interface. The GPS-gap and device-status counts
need a scan of the month's positions and status records that the interface does not
offer; they use the SQL backends' shared read runner (the same one the store's own
``sql_*`` modules use), with SQL that runs on both DuckDB and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from roadsense.reports.period import Month
from roadsense.store import Store

SILENT_AFTER = timedelta(hours=72)
"""A device that has not uploaded in the month's last 72 hours counts as silent."""
GPS_GAP_MIN_S = 10.0
"""A pause between two fixes of one vehicle longer than this (and ...)"""
GPS_GAP_MAX_S = 600.0
"""... no longer than this (longer: the vehicle was parked or off shift) is a GPS gap."""


class _Runner(Protocol):
    def fetch(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]: ...


@runtime_checkable
class _SqlReads(Protocol):
    def _read(self) -> AbstractContextManager[_Runner]: ...


@dataclass(frozen=True)
class DataQuality:
    """How complete and trustworthy the month's data is."""

    devices: int
    silent_devices: list[str]
    """Devices with no upload in the month's last 72 hours (ids, for the operations team)."""
    failsafe_vehicles: int
    """Vehicles whose ADAS unit reported failsafe (camera blinded, fault) in the month."""
    failsafe_reports: int
    adas_silent_vehicles: int
    tamper_vehicles: int
    gps_gaps: int | None
    """Pauses of 10 s to 10 min between consecutive fixes; None where not measurable."""
    gps_gap_hours: float | None
    gps_gap_vehicles: int | None
    events: int
    events_without_fix: int
    events_unmatched: int
    """Events with a fix that map matching did not place on a road."""
    roads_matched: bool
    """Whether a road network is in the store (else nothing can be matched)."""

    @property
    def unmatched_share(self) -> float | None:
        """Share of events with a fix that are not on the road map."""
        with_fix = self.events - self.events_without_fix
        return None if with_fix <= 0 or not self.roads_matched else self.events_unmatched / with_fix

    @property
    def without_fix_share(self) -> float | None:
        """Share of events without a GPS fix."""
        return None if self.events == 0 else self.events_without_fix / self.events


def _silent(store: Store, month: Month) -> tuple[int, list[str]]:
    devices = [d for d in store.list_devices() if d.revoked_at is None]
    seen = store.device_last_seen()
    cutoff = month.end - SILENT_AFTER
    silent = sorted(
        d.device_id for d in devices if d.device_id not in seen or seen[d.device_id] < cutoff
    )
    return len(devices), silent


def _scan(store: Store, start: datetime, end: datetime) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    if not isinstance(store, _SqlReads):
        return (None, None, None), (0, 0, 0, 0, 0, 0)
    with store._read() as runner:
        gaps = runner.fetch(
            "SELECT count(*), coalesce(sum(gap), 0), count(DISTINCT vehicle_id) FROM ("
            " SELECT vehicle_id, extract(epoch FROM ts - lag(ts) OVER"
            "  (PARTITION BY vehicle_id ORDER BY ts)) AS gap"
            " FROM positions WHERE ts >= ? AND ts < ?) g WHERE gap > ? AND gap <= ?",
            (start, end, GPS_GAP_MIN_S, GPS_GAP_MAX_S),
        )[0]
        status = runner.fetch(
            "SELECT count(DISTINCT CASE WHEN failsafe THEN vehicle_id END),"
            " count(CASE WHEN failsafe THEN 1 END),"
            " count(DISTINCT CASE WHEN adas_silent THEN vehicle_id END),"
            " count(DISTINCT CASE WHEN tamper THEN vehicle_id END)"
            " FROM device_status WHERE ts >= ? AND ts < ?",
            (start, end),
        )[0]
        failsafe = runner.fetch(
            "SELECT count(*), count(DISTINCT vehicle_id) FROM events"
            " WHERE type = 'FAILSAFE' AND ts >= ? AND ts < ?",
            (start, end),
        )[0]
    return gaps, (*status, *failsafe)


def data_quality(store: Store, month: Month) -> DataQuality:
    """The month's data-quality figures."""
    devices, silent = _silent(store, month)
    (gaps, gap_s, gap_vehicles), status = _scan(store, month.start, month.end)
    placed = [e for e in store.placed_events() if month.start <= e.ts < month.end]
    return DataQuality(
        devices=devices,
        silent_devices=silent,
        failsafe_vehicles=max(int(status[0]), int(status[5])),
        failsafe_reports=int(status[1]) + int(status[4]),
        adas_silent_vehicles=int(status[2]),
        tamper_vehicles=int(status[3]),
        gps_gaps=None if gaps is None else int(gaps),
        gps_gap_hours=None if gap_s is None else float(gap_s) / 3600.0,
        gps_gap_vehicles=None if gap_vehicles is None else int(gap_vehicles),
        events=len(placed),
        events_without_fix=sum(1 for e in placed if e.lat is None),
        events_unmatched=sum(1 for e in placed if e.lat is not None and not e.matched),
        roads_matched=bool(store.road_network_info()),
    )
