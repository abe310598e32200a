"""Pre-aggregated exposure and events for the dashboard's filters (the "cube").

The dashboard filters by date range, local time of day, fleet and event type. Scanning a
month of positions (189 M rows for 875 taxis at one fix per 5 s) per request cannot answer in
200 ms, so the server reads the store's hourly aggregates once
(:meth:`~roadsense.store.base.Store.hourly_aggregates`: vehicle-km per UTC hour, H3 cell
(resolution 10) and fleet, the retention roll-up included, and events per hour, cell, fleet
and type) and answers every filter from them as arrays (numpy). The same read gives each
vehicle's kilometres per UTC hour and the events per vehicle, hour and type (what
:meth:`~roadsense.store.base.Store.vehicle_hours` returns), so that driver scores need no
scan of positions per request. With ``ROADSENSE_DASHBOARD_AGGREGATES=stored``
(:func:`build_stored`) the same rows come from the store's copy of those an analysis run
computed on Spark from the lake, and the server scans no positions. The distinct-vehicle
count of a cell is the largest hourly one, a lower bound (as in the store's retention
roll-up). This module holds no SQL.

:class:`CubeHolder` keeps the current cube. Only the very first build blocks (the requests
that arrive meanwhile wait for it); when the cube is older than ``ttl_s``, the next request
starts a rebuild in a background thread and every request keeps getting the old cube until
the new one replaces it. A failed rebuild is logged, the old cube keeps serving, and the
next try comes no sooner than ``retry_s`` later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from roadsense.city import DEFAULT_TIME_ZONE
from roadsense.server.query_params import FIRST_DAY, LAST_DAY
from roadsense.store import Store
from roadsense.store.analytics_rows import (
    DASHBOARD_RESOLUTION,
    DriverShift,
    HourlyAggregates,
    VehicleHour,
)

RESOLUTION = DASHBOARD_RESOLUTION

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Cube:
    """Exposure and events as parallel arrays."""

    built_at: float
    fleets: list[str]
    """Fleet ids by code; '' for vehicles of no fleet."""
    types: list[str]
    """Event types (of events with a cell) by code."""
    x_hour: npt.NDArray[np.int64]
    x_cell: npt.NDArray[np.uint64]
    x_fleet: npt.NDArray[np.int32]
    x_km: npt.NDArray[np.float64]
    x_vehicles: npt.NDArray[np.int32]
    e_hour: npt.NDArray[np.int64]
    e_cell: npt.NDArray[np.uint64]
    e_fleet: npt.NDArray[np.int32]
    e_type: npt.NDArray[np.int32]
    e_count: npt.NDArray[np.int64]
    f_positions: npt.NDArray[np.int64]
    """Positions held per fleet code (for the headline figures)."""
    f_vehicles: npt.NDArray[np.int64]
    """Distinct vehicles with positions per fleet code (a vehicle moved between fleets
    counts for each fleet that had it while it sent positions)."""
    city_vehicles: int
    """Distinct vehicles with positions, every fleet together (each vehicle once)."""
    f_batches: npt.NDArray[np.int64]
    cv_cell: npt.NDArray[np.uint64]
    cv_fleet: npt.NDArray[np.int32]
    cv_vehicles: npt.NDArray[np.int32]
    """Distinct vehicles per cell and fleet over every hour (the unfiltered count)."""
    """Batches stored per fleet code (by the fleet of the device's vehicle)."""
    vehicles: list[str]
    """Vehicle ids by code (every vehicle with positions or events)."""
    vh_vehicle: npt.NDArray[np.int32]
    """Vehicle-hours with positions: vehicle code, UTC hour (since the epoch), km and the
    code of the fleet that had the vehicle then (a vehicle moved keeps its past there)."""
    vh_fleet: npt.NDArray[np.int32]
    vh_hour: npt.NDArray[np.int64]
    vh_km: npt.NDArray[np.float64]
    ve_types: list[str]
    """Event types of the per-vehicle counts by code (events without a cell included)."""
    ve_vehicle: npt.NDArray[np.int32]
    """Events per vehicle code, UTC hour, type code and fleet code (the fleet then)."""
    ve_fleet: npt.NDArray[np.int32]
    ve_hour: npt.NDArray[np.int64]
    ve_type: npt.NDArray[np.int32]
    ve_count: npt.NDArray[np.int64]
    shifts: list[DriverShift]
    """Every driver shift (to credit vehicle-hours to drivers)."""
    source: str = "scan"
    """Where the aggregates came from: "scan" (the store's scan) or "run ID" (kept by an
    analysis run, ``ROADSENSE_DASHBOARD_AGGREGATES=stored``)."""

    @property
    def hours(self) -> tuple[datetime, datetime] | None:
        """The first and last hour with exposure or events."""
        both = np.concatenate([self.x_hour, self.e_hour])
        if both.size == 0:
            return None
        return (
            datetime.fromtimestamp(int(both.min()) * 3600, UTC),
            datetime.fromtimestamp(int(both.max()) * 3600, UTC),
        )

    def seen(self, fleet: str | None) -> tuple[list[str], tuple[datetime, datetime] | None]:
        """The event types and the first and last hour of one fleet's rows (None: every
        fleet's), by the fleet that had each vehicle at each row's time."""
        if fleet is None:
            return self.types, self.hours
        if fleet not in self.fleets:
            return [], None
        code = self.fleets.index(fleet)
        mine = self.e_fleet == code
        types = [self.types[t] for t in np.unique(self.e_type[mine])]
        both = np.concatenate([self.x_hour[self.x_fleet == code], self.e_hour[mine]])
        if both.size == 0:
            return types, None
        first, last = (datetime.fromtimestamp(int(h) * 3600, UTC) for h in (both.min(), both.max()))
        return types, (first, last)

    def last_hour(self, fleet: str) -> datetime | None:
        """The fleet's newest hour with positions or events; None without any."""
        if fleet not in self.fleets:
            return None
        code = self.fleets.index(fleet)
        hours = [
            h[f == code] for f, h in ((self.vh_fleet, self.vh_hour), (self.ve_fleet, self.ve_hour))
        ]
        both = np.concatenate(hours)
        return None if both.size == 0 else datetime.fromtimestamp(int(both.max()) * 3600, UTC)

    def vehicle_hours(self, fleet: str, merge_around: datetime | None = None) -> list[VehicleHour]:
        """``Store.scoped(fleet).vehicle_hours()`` from the cube, without a scan.

        Each of the fleet's vehicles' kilometres and warnings by type per UTC hour, sorted
        by vehicle and hour (hours with events but no positions have 0 km). With
        ``merge_around``, each vehicle's hours before it and those from it on are merged
        into one row each, at the first hour of the part: the same sums for scoring by
        vehicle (no shifts) around that split, in a few rows instead of one per hour.
        """
        if fleet not in self.fleets:
            return []
        code = self.fleets.index(fleet)
        x_keep = self.vh_fleet == code
        e_keep = self.ve_fleet == code
        x_vehicle, x_hour, x_km = self.vh_vehicle[x_keep], self.vh_hour[x_keep], self.vh_km[x_keep]
        e_vehicle, e_hour = self.ve_vehicle[e_keep], self.ve_hour[e_keep]
        e_type, e_count = self.ve_type[e_keep], self.ve_count[e_keep]
        if merge_around is not None:
            split = int(merge_around.timestamp() // 3600)
            x_group = x_vehicle.astype(np.int64) * 2 + (x_hour >= split)
            e_group = e_vehicle.astype(np.int64) * 2 + (e_hour >= split)
            groups, inverse = np.unique(np.concatenate([x_group, e_group]), return_inverse=True)
            first = np.full(groups.size, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(first, inverse, np.concatenate([x_hour, e_hour]))
            km = np.bincount(inverse[: x_group.size], weights=x_km, minlength=groups.size)
            x_vehicle, x_hour, x_km = (groups // 2).astype(np.int32), first, km
            e_at = inverse[x_group.size :]
            n_types = max(len(self.ve_types), 1)
            flat = np.bincount(
                e_at * n_types + e_type, weights=e_count, minlength=groups.size * n_types
            )
            e_at, e_type = np.divmod(np.flatnonzero(flat), n_types)
            e_count = flat[e_at * n_types + e_type].astype(np.int64)
            e_vehicle, e_hour = x_vehicle[e_at], first[e_at]
        rows: dict[tuple[int, int], VehicleHour] = {}
        for v, h, km_ in zip(x_vehicle.tolist(), x_hour.tolist(), x_km.tolist(), strict=True):
            rows[(v, h)] = VehicleHour(
                self.vehicles[v], datetime.fromtimestamp(h * 3600, UTC), km_, {}
            )
        for v, h, t, n in zip(
            e_vehicle.tolist(), e_hour.tolist(), e_type.tolist(), e_count.tolist(), strict=True
        ):
            row = rows.get((v, h))
            if row is None:
                row = VehicleHour(self.vehicles[v], datetime.fromtimestamp(h * 3600, UTC), 0.0, {})
                rows[(v, h)] = row
            row.events[self.ve_types[t]] = n
        return sorted(rows.values(), key=lambda x: (x.vehicle_id, x.hour))


@dataclass(frozen=True)
class Filter:
    """What the dashboard asks for."""

    since: datetime | None = None
    until: datetime | None = None
    hour_from: int = 0
    hour_to: int = 24
    """Local hours of the day, [from, to); from > to wraps past midnight."""
    fleet: str | None = None
    types: tuple[str, ...] = ()
    tz: str = DEFAULT_TIME_ZONE


def _codes(values: Sequence[str], code: dict[str, int]) -> npt.NDArray[np.int32]:
    return np.fromiter((code[v] for v in values), dtype=np.int32, count=len(values))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def build(store: Store) -> Cube:
    """The cube of the store's hourly aggregates (one read, see ``Store.hourly_aggregates``)."""
    return cube_of(store, store.hourly_aggregates(RESOLUTION), "scan")


def build_stored(store: Store) -> Cube:
    """The cube of the hourly aggregates the latest analysis run kept in the store (Spark's,
    see ``Store.stored_hourly_aggregates``); the store's scan while none are kept."""
    stored = store.stored_hourly_aggregates(RESOLUTION)
    if stored is None:
        log.warning("no analysis run kept hourly aggregates; the dashboard scans the store")
        return build(store)
    return cube_of(store, stored.aggregates, f"run {stored.run_id}")


def cube_of(store: Store, agg: HourlyAggregates, source: str) -> Cube:
    """The cube of hourly aggregates ``agg`` (and the store's driver shifts)."""
    # rows stored before uploads were bounded (a year 9999, say) are left out, so that no
    # row can break the date arithmetic of a panel; queries cannot ask for them either
    lo, hi = (int(_midnight(d).timestamp() // 3600) for d in (FIRST_DAY, LAST_DAY))
    xc = [r for r in agg.cells if lo <= r.hour <= hi]
    vh = [r for r in agg.vehicles if lo <= r.hour <= hi]
    e = [r for r in agg.cell_events if lo <= r.hour <= hi]
    ve = [r for r in agg.vehicle_events if lo <= r.hour <= hi]
    vehicles = sorted({r.vehicle_id for r in vh} | {r.vehicle_id for r in ve})
    vcode = {v: i for i, v in enumerate(vehicles)}
    fleets = sorted(
        {r.fleet_id for r in xc}
        | {r.fleet_id for r in e}
        | {r.fleet_id for r in vh}
        | {r.fleet_id for r in ve}
        | set(agg.batches)
        | {r.fleet_id for r in agg.cell_vehicles}
    )
    types = sorted({r.event_type for r in e})
    ve_types = sorted({r.event_type for r in ve})
    fcode = {f: i for i, f in enumerate(fleets)}
    tcode = {t: i for i, t in enumerate(types)}
    vtcode = {t: i for i, t in enumerate(ve_types)}
    vh_vehicle = _codes([r.vehicle_id for r in vh], vcode)
    vh_positions = np.array([r.positions for r in vh], dtype=np.int64)
    vh_fleet = _codes([r.fleet_id for r in vh], fcode)
    # a vehicle counts once for each fleet that had it while it sent positions
    pairs = np.unique(
        vh_fleet[vh_positions > 0].astype(np.int64) * max(len(vehicles), 1)
        + vh_vehicle[vh_positions > 0]
    )
    with_positions = (pairs // max(len(vehicles), 1)).astype(np.int64)
    return Cube(
        built_at=time.monotonic(),
        fleets=fleets,
        types=types,
        x_hour=np.array([r.hour for r in xc], dtype=np.int64),
        x_cell=np.array([r.cell for r in xc], dtype=np.uint64),
        x_fleet=_codes([r.fleet_id for r in xc], fcode),
        x_km=np.array([r.vehicle_km for r in xc], dtype=np.float64),
        x_vehicles=np.array([r.vehicles for r in xc], dtype=np.int32),
        e_hour=np.array([r.hour for r in e], dtype=np.int64),
        e_cell=np.array([r.cell for r in e], dtype=np.uint64),
        e_fleet=_codes([r.fleet_id for r in e], fcode),
        e_type=_codes([r.event_type for r in e], tcode),
        e_count=np.array([r.events for r in e], dtype=np.int64),
        f_positions=np.bincount(vh_fleet, vh_positions, len(fleets)).astype(np.int64),
        f_vehicles=np.bincount(with_positions, minlength=len(fleets)).astype(np.int64),
        city_vehicles=int(np.unique(vh_vehicle[vh_positions > 0]).size),
        f_batches=np.array([agg.batches.get(f, 0) for f in fleets], dtype=np.int64),
        cv_cell=np.array([r.cell for r in agg.cell_vehicles], dtype=np.uint64),
        cv_fleet=_codes([r.fleet_id for r in agg.cell_vehicles], fcode),
        cv_vehicles=np.array([r.vehicles for r in agg.cell_vehicles], dtype=np.int32),
        vehicles=vehicles,
        vh_vehicle=vh_vehicle,
        vh_fleet=vh_fleet,
        vh_hour=np.array([r.hour for r in vh], dtype=np.int64),
        vh_km=np.array([r.vehicle_km for r in vh], dtype=np.float64),
        ve_types=ve_types,
        ve_vehicle=_codes([r.vehicle_id for r in ve], vcode),
        ve_fleet=_codes([r.fleet_id for r in ve], fcode),
        ve_hour=np.array([r.hour for r in ve], dtype=np.int64),
        ve_type=_codes([r.event_type for r in ve], vtcode),
        ve_count=np.array([r.events for r in ve], dtype=np.int64),
        shifts=store.driver_shifts(),
        source=source,
    )


def offset_hours(tz: str, at: datetime) -> int:
    """The zone's whole-hour offset from UTC at ``at`` (the cube is hourly)."""
    delta = at.astimezone(ZoneInfo(tz)).utcoffset()
    return 0 if delta is None else int(delta.total_seconds() // 3600)


def mask(
    cube: Cube, hours: npt.NDArray[np.int64], fleets: npt.NDArray[np.int32], f: Filter
) -> npt.NDArray[np.bool_]:
    keep = np.ones(hours.shape, dtype=bool)
    if f.since is not None:
        keep &= hours >= int(f.since.timestamp() // 3600)
    if f.until is not None:
        keep &= hours < int(f.until.timestamp() // 3600)
    if (f.hour_from, f.hour_to) != (0, 24):
        offset = offset_hours(f.tz, f.since or datetime.now(UTC))
        local = (hours + offset) % 24
        if f.hour_from <= f.hour_to:
            keep &= (local >= f.hour_from) & (local < f.hour_to)
        else:
            keep &= (local >= f.hour_from) | (local < f.hour_to)
    if f.fleet is not None:
        code = cube.fleets.index(f.fleet) if f.fleet in cube.fleets else -1
        keep &= fleets == code
    return keep


Arrays = tuple[npt.NDArray[np.uint64], npt.NDArray[np.float64], npt.NDArray[np.int32]]


def exposure(cube: Cube, f: Filter) -> Arrays:
    """Filtered exposure: rows of (cell, vehicle-km, vehicles) summed per cell.

    Without a date or hour filter, a cell's vehicles are its distinct vehicles (as the
    store's reads count them, so the ranking is the CLI's and the report's); under such a
    filter the distinct vehicles are not known per hour, and the largest hourly count (a
    lower bound) stands in for them.
    """
    keep = mask(cube, cube.x_hour, cube.x_fleet, f)
    cells, inverse = np.unique(cube.x_cell[keep], return_inverse=True)
    km = np.bincount(inverse, weights=cube.x_km[keep], minlength=cells.size)
    vehicles = np.zeros(cells.size, dtype=np.int32)
    np.maximum.at(vehicles, inverse, cube.x_vehicles[keep])
    unfiltered = f.since is None and f.until is None and (f.hour_from, f.hour_to) == (0, 24)
    if unfiltered and cells.size:
        own = mask(cube, np.zeros(cube.cv_fleet.shape, dtype=np.int64), cube.cv_fleet, f)
        cv_cell, cv_vehicles = cube.cv_cell[own], cube.cv_vehicles[own]
        at = np.minimum(np.searchsorted(cells, cv_cell), cells.size - 1)
        found = cells[at] == cv_cell
        distinct = np.zeros(cells.size, dtype=np.int64)
        np.add.at(distinct, at[found], cv_vehicles[found])
        vehicles = np.maximum(vehicles, distinct).astype(np.int32)
    return cells, km, vehicles


def event_mask(cube: Cube, f: Filter) -> npt.NDArray[np.bool_]:
    """Which event rows the filter keeps."""
    keep = mask(cube, cube.e_hour, cube.e_fleet, f)
    if f.types:
        codes = [cube.types.index(t) for t in f.types if t in cube.types]
        keep &= np.isin(cube.e_type, codes)
    return keep


def events_per_cell(cube: Cube, f: Filter) -> dict[int, int]:
    """Filtered event counts per cell."""
    keep = event_mask(cube, f)
    cells, inverse = np.unique(cube.e_cell[keep], return_inverse=True)
    counts = np.bincount(inverse, weights=cube.e_count[keep], minlength=cells.size)
    return {int(c): int(n) for c, n in zip(cells, counts, strict=True)}


class CubeHolder:
    """One cube per store; stale cubes keep serving while a background thread rebuilds.

    Only the first :meth:`get` builds in the caller's thread (concurrent first callers wait
    for that one build). Afterwards :meth:`get` never blocks on a build: when the cube is
    older than ``ttl_s`` it starts one rebuild in a daemon thread (if none is running and
    the last failure is more than ``retry_s`` ago) and returns the cube it has.
    ``on_built`` (say, warming caches) runs after each new cube, never in the caller's
    thread: in the rebuild's thread, or in a thread of its own after the first build.
    :meth:`close` stops new work and waits for the threads, so the store can be closed.
    """

    def __init__(
        self,
        ttl_s: float = 300.0,
        builder: Callable[[Store], Cube] = build,
        retry_s: float = 60.0,
        on_built: Callable[[Cube], None] | None = None,
    ) -> None:
        self.ttl_s = ttl_s
        self.retry_s = retry_s
        self._builder = builder
        self._on_built = on_built
        self._cube: Cube | None = None
        self._first = threading.Lock()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._warming: threading.Thread | None = None
        self._closed = False
        self._next_try = 0.0
        self._generation = 0
        self._started_at = float("-inf")
        """When the build of the current cube began."""
        """Bumped by :meth:`refresh`: a background rebuild begun before it is not installed."""

    def get(self, store: Store) -> Cube:
        """The current cube: built now if there is none, else as it is (maybe stale)."""
        cube = self._cube
        if cube is None:
            with self._first:
                cube = self._cube
                if cube is None:
                    started = time.monotonic()
                    cube = self._builder(store)
                    self._cube, self._started_at = cube, started
                    if self._on_built is not None and not self._closed:
                        self._warming = threading.Thread(
                            target=self._after, args=(cube,), name="panels-cube-warm", daemon=True
                        )
                        self._warming.start()
            return cube
        if time.monotonic() - cube.built_at >= self.ttl_s:
            self._start_rebuild(store)
        return cube

    @property
    def rebuilding(self) -> bool:
        """Whether a background rebuild is running."""
        thread = self._thread
        return thread is not None and thread.is_alive()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Wait for a running background rebuild; False if it is still running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout_s)
        return not self.rebuilding

    def close(self, timeout_s: float = 60.0) -> bool:
        """Start no more builds or warm-ups and wait for those running (False if one is
        still running after ``timeout_s``): the store they read may then be closed."""
        with self._lock:
            self._closed = True
        deadline = time.monotonic() + timeout_s
        for thread in (self._thread, self._warming):
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t is not None and t.is_alive() for t in (self._thread, self._warming))

    def _start_rebuild(self, store: Store) -> None:
        with self._lock:
            if self._closed or self.rebuilding or time.monotonic() < self._next_try:
                return
            self._thread = threading.Thread(
                target=self._rebuild, args=(store,), name="panels-cube-rebuild", daemon=True
            )
            self._thread.start()

    def refresh(self, store: Store, asked_at: float) -> Cube:
        """A cube whose build began at or after ``asked_at`` (``time.monotonic()``).

        Built in the caller's thread; callers waiting together share a build that began
        after they asked, so a burst of requests costs at most two scans of the store.
        """
        with self._first:
            cube = self._cube
            if cube is not None and self._started_at >= asked_at:
                return cube
            with self._lock:
                self._generation += 1
            started = time.monotonic()
            cube = self._builder(store)
            self._cube, self._started_at = cube, started
        self._after(cube)
        return cube

    def _rebuild(self, store: Store) -> None:
        started = time.monotonic()
        generation = self._generation
        try:
            cube = self._builder(store)
        except Exception:
            log.exception("rebuilding the dashboard cube failed; the old one keeps serving")
            self._next_try = time.monotonic() + self.retry_s
            return
        with self._lock:
            if generation != self._generation:  # a refresh installed a newer cube meanwhile
                return
            self._cube, self._started_at = cube, started
        log.info("dashboard cube rebuilt in %.1f s", time.monotonic() - started)
        self._after(cube)

    def _after(self, cube: Cube) -> None:
        if self._on_built is None or self._closed:
            return
        try:
            self._on_built(cube)
        except Exception:
            log.exception("the dashboard cube's on_built hook failed")
