"""Data quality for a month: silent devices, failsafe, GPS gaps, events off the road map.

Every figure comes through the store's interface; the GPS gaps and the device-status
counts from one read of the month (``Store.quality_counts``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from roadsense.reports.period import Month
from roadsense.store import Store

SILENT_AFTER = timedelta(hours=72)
"""A device that has not uploaded in the month's last 72 hours counts as silent."""
GPS_GAP_MIN_S = 10.0
"""A pause between two fixes of one vehicle longer than this (and ...)"""
GPS_GAP_MAX_S = 600.0
"""... no longer than this (longer: the vehicle was parked or off shift) is a GPS gap."""


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


def data_quality(store: Store, month: Month) -> DataQuality:
    """The month's data-quality figures."""
    devices, silent = _silent(store, month)
    q = store.quality_counts(month.start, month.end, GPS_GAP_MIN_S, GPS_GAP_MAX_S)
    placed = [e for e in store.placed_events() if month.start <= e.ts < month.end]
    return DataQuality(
        devices=devices,
        silent_devices=silent,
        failsafe_vehicles=max(q.failsafe_status_vehicles, q.failsafe_event_vehicles),
        failsafe_reports=q.failsafe_status_reports + q.failsafe_events,
        adas_silent_vehicles=q.adas_silent_vehicles,
        tamper_vehicles=q.tamper_vehicles,
        gps_gaps=q.gps_gaps,
        gps_gap_hours=q.gps_gap_s / 3600.0,
        gps_gap_vehicles=q.gps_gap_vehicles,
        events=len(placed),
        events_without_fix=sum(1 for e in placed if e.lat is None),
        events_unmatched=sum(1 for e in placed if e.lat is not None and not e.matched),
        roads_matched=bool(store.road_network_info()),
    )
