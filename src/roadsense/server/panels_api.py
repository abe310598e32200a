"""The dashboard's read routes: ``/v1/panels/*``, the one family of read routes.

The web dashboard and API users read the city's figures, hotspots, events and roads here
(the summary, hotspot and map routes of earlier releases are folded into these, see
docs/usage.md). Every route takes the caller's
:data:`~roadsense.server.scope.ReadScope` (or :data:`~roadsense.server.scope.CityScope`).

Filters (every map layer and panel): ``since``/``until`` (dates, local), ``hour_from``/
``hour_to`` (local time of day), ``fleet`` and ``event_type``. A fleet operator always
gets its own fleet, whatever it asks for. Answers come from the pre-aggregated cube
(:mod:`roadsense.server.panels_cube`) and are cached by filter until the cube is rebuilt;
the cube is rebuilt in a background thread every 5 minutes (only the first build, after the
server starts, makes requests wait). ``fresh=true`` on a cube panel rebuilds the cube
first (blocking; costly on a big store): figures as of the request, say right after an
upload. Event points are read from the store (the newest,
from the hour the cube says holds enough of them) and serialised once per filter; driver
scores come from the cube's vehicle-hours and are computed for every fleet as soon as a
cube is built. Vehicles appear only as pseudonyms; drivers are pseudonymized for everyone
but their own fleet's operator.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
from datetime import UTC, date, datetime, time, timedelta
from time import monotonic
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import h3
import numpy as np
from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from roadsense.analytics import assets, speeds
from roadsense.analytics.driver_scores import HeldShiftsAndHours, coaching_summary, fleet_scores
from roadsense.analytics.hotspots import (
    HotspotParams,
    cell_rows,
    hotspot_figures,
    hotspots_geojson,
    rank_cells,
)
from roadsense.analytics.ranking import Ranking, rank_sites
from roadsense.roads.osm_roads import roads_geojson
from roadsense.schema import SAFETY_TYPES, EventType
from roadsense.server.auth import pseudonym
from roadsense.server.cache import TtlCache
from roadsense.server.errors import ApiError
from roadsense.server.panel_models import Hotspot, Summary
from roadsense.server.panels_cube import (
    RESOLUTION,
    Cube,
    CubeHolder,
    Filter,
    build,
    build_stored,
    event_mask,
    events_per_cell,
    exposure,
    mask,
    offset_hours,
)
from roadsense.server.query_params import FleetParam, Since, TypeParam, Until
from roadsense.server.scope import CityScope, FleetScope, ReadScope
from roadsense.server.state import AppState, get_state
from roadsense.store import Store
from roadsense.store.analytics_rows import EventPoint, EventWindow

router = APIRouter(prefix="/v1/panels", tags=["dashboard panels"])

CUBE_TTL_S = 300.0
EVENTS_LIMIT = 10_000
"""Event points sent by default: the newest (the page clusters them; 10,000 fill a city map)."""

HourFrom = Annotated[int, Query(ge=0, le=23, description="Local hour of day from")]
HourTo = Annotated[int, Query(ge=1, le=24, description="Local hour of day to (exclusive)")]
Fresh = Annotated[
    bool,
    Query(description="Rebuild the cube first (blocking): figures as of this request"),
]


def close_cube(app_state: Any) -> bool:
    """Wait for the app's cube builds to end (at shutdown); False if one was still running."""
    holder: CubeHolder | None = getattr(app_state, "panels_cube", None)
    return True if holder is None else holder.close()


def _holder(request: Request) -> tuple[CubeHolder, TtlCache[Any]]:
    app_state = request.app.state
    if not hasattr(app_state, "panels_cube"):
        cache = TtlCache[Any](CUBE_TTL_S, max_entries=2000)
        warm = functools.partial(_warm_fleet_scores, get_state(request), cache)
        app_state.panels_cache = cache
        stored = get_state(request).settings.dashboard_aggregates == "stored"
        app_state.panels_cube = CubeHolder(
            CUBE_TTL_S, builder=build_stored if stored else build, on_built=warm
        )
    return app_state.panels_cube, app_state.panels_cache


def _key(name: str, f: Filter, cube: Cube, network: object) -> str:
    """The cache key of an answer: the panel, the cube it came from, the filter and the
    road network (the places named in it)."""
    return json.dumps([name, cube.built_at, dataclasses.asdict(f), network], default=str)


def _local(day: date | None, tz: str, extra_days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime.combine(day + timedelta(days=extra_days), time(), ZoneInfo(tz)).astimezone(UTC)


def _tz(request: Request) -> str:
    """The city's time zone (the server's settings)."""
    return get_state(request).settings.time_zone


def _filter(
    scope: FleetScope,
    tz: str,
    since: date | None,
    until: date | None,
    hour_from: int,
    hour_to: int,
    fleet: str | None,
    event_type: str,
) -> Filter:
    """The filter of a request: a fleet operator's is always its own fleet."""
    types: tuple[str, ...] = ()
    if event_type.upper() != "ALL":
        try:
            types = (EventType(event_type.upper()).value,)
        except ValueError:
            raise ApiError(
                400,
                f"unknown event type {event_type!r}",
                details=[{"allowed": ["ALL", *[t.value for t in EventType]]}],
            ) from None
    return Filter(
        since=_local(since, tz),
        until=_local(until, tz, 1),
        hour_from=hour_from,
        hour_to=hour_to,
        fleet=scope.fleet(fleet),
        types=types,
        tz=tz,
    )


def query_filter(
    request: Request,
    scope: ReadScope,
    since: Since = None,
    until: Until = None,
    hour_from: HourFrom = 0,
    hour_to: HourTo = 24,
    fleet: FleetParam = None,
    event_type: TypeParam = "ALL",
) -> Filter:
    """The filters of a panel request (dates, hours, fleet, event type) for this caller."""
    return _filter(scope, _tz(request), since, until, hour_from, hour_to, fleet, event_type)


QueryFilter = Annotated[Filter, Depends(query_filter)]


async def _cached(request: Request, name: str, f: Filter, compute: Any, fresh: bool = False) -> Any:
    """``compute(cube, f, state)``, cached per cube and filter; ``fresh``: a new cube first."""
    holder, cache = _holder(request)
    state = get_state(request)
    if fresh:  # a cube of the store as it is now: its build began after this request came
        cube = await run_in_threadpool(holder.refresh, state.store, monotonic())
    else:
        cube = await run_in_threadpool(holder.get, state.store)
    key = _key(name, f, cube, await run_in_threadpool(state.network_key))
    found, value = cache.get(key)
    if found:
        return value
    value = await run_in_threadpool(compute, cube, f, state)
    cache.put(key, value)
    return value


def _ranking(cube: Cube, f: Filter, state: AppState) -> Ranking:
    """The cube's cells under the filters, ranked by the one hotspot ranking."""
    cells, km, vehicles = exposure(cube, f)
    safety = f if f.types else dataclasses.replace(f, types=SAFETY_TYPES)  # no pothole counts
    rows = cell_rows(
        zip(cells.tolist(), km.tolist(), vehicles.tolist(), strict=True),
        events_per_cell(cube, safety),
    )
    return rank_sites(rows, state.settings.ranking_thresholds)


def _hotspots(cube: Cube, f: Filter, state: AppState) -> dict[str, Any]:
    """The ranked cells as GeoJSON polygons."""
    return hotspots_geojson(_ranking(cube, f, state), state.places())


def _top(limit: int) -> Any:
    def compute(cube: Cube, f: Filter, state: AppState) -> list[dict[str, Any]]:
        places = state.places()
        return [hotspot_figures(c, places) for c in _ranking(cube, f, state).top(limit)]

    return compute


def _store_ranking(state: AppState, f: Filter, resolution: int) -> Ranking:
    """The store's cells at ``resolution`` (not the cube's), ranked by the one ranking."""
    limits = state.settings.ranking_thresholds
    params = HotspotParams(
        resolution=resolution,
        event_types=f.types,
        min_vehicle_km=limits.min_vehicle_km,
        min_vehicles=limits.min_vehicles,
    )
    return rank_cells(_store_for(state, f), params)


Resolution = Annotated[
    int | None,
    Query(ge=5, le=12, description=f"H3 resolution; other than {RESOLUTION}: from the store"),
]


def _store_resolution(resolution: int | None, f: Filter) -> int | None:
    """The resolution to read from the store, or None to answer from the cube."""
    if resolution is None or resolution == RESOLUTION:
        return None
    if (f.since, f.until, f.hour_from, f.hour_to) != (None, None, 0, 24):
        raise ApiError(400, f"dates and hours filter only at resolution {RESOLUTION}")
    return resolution


@router.get(
    "/hotspots",
    response_model=dict[str, Any],
    summary="Cells with exposure, events, rate and EB excess (GeoJSON)",
)
async def panel_hotspots(
    request: Request, f: QueryFilter, fresh: Fresh = False, resolution: Resolution = None
) -> dict[str, Any]:
    """Every cell with exposure or events under the filters, ranked by the hotspot ranking
    (docs/hotspots.md): empirical Bayes excess over a fitted SPF.

    ``ranking`` says how the ranks were made: ``"excess"`` (empirical Bayes excess over a
    fitted SPF) or ``"rate"`` (events per vehicle-km, when no SPF could be fitted; then
    ``expected`` and ``excess`` are null). The cube holds H3 resolution 10; another
    ``resolution`` is read from the store at each request (fleet and event type filters
    only, no dates or hours). ``/v1/panels/top-cells`` gives the best-ranked cells as a list.
    """
    from_store = _store_resolution(resolution, f)
    if from_store is not None:
        state = get_state(request)
        ranked = await run_in_threadpool(_store_ranking, state, f, from_store)
        return hotspots_geojson(ranked, await run_in_threadpool(state.places))
    result: dict[str, Any] = await _cached(request, "hotspots", f, _hotspots, fresh)
    return result


@router.get(
    "/top-cells",
    response_model=list[Hotspot],
    summary="The best-ranked hotspot cells, as a list (the same ranking as /hotspots)",
)
async def panel_top_cells(
    request: Request,
    f: QueryFilter,
    fresh: Fresh = False,
    limit: Annotated[int, Query(ge=1, le=1000, description="How many cells")] = 20,
    resolution: Resolution = None,
) -> list[dict[str, Any]]:
    """The ``limit`` best-ranked cells of ``/v1/panels/hotspots`` (rank, cell, centre,
    events, vehicle-km, vehicles, rate, expected, excess), best first."""
    from_store = _store_resolution(resolution, f)
    if from_store is not None:
        state = get_state(request)
        ranking = await run_in_threadpool(_store_ranking, state, f, from_store)
        places = await run_in_threadpool(state.places)
        return [hotspot_figures(c, places) for c in ranking.top(limit)]
    top: list[dict[str, Any]] = await _cached(request, f"top{limit}", f, _top(limit), fresh)
    return top


def _density(resolution: int) -> Any:
    def compute(cube: Cube, f: Filter, state: AppState) -> dict[str, Any]:
        cells, km, _ = exposure(cube, f)
        per: dict[str, float] = {}
        for c, k in zip(cells, km, strict=True):
            parent = h3.cell_to_parent(h3.int_to_str(int(c)), resolution)
            per[parent] = per.get(parent, 0.0) + float(k)
        features = []
        for cell, k in per.items():
            ring = [[x, y] for y, x in h3.cell_to_boundary(cell)]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                    "properties": {"cell": cell, "vehicle_km": round(k, 3)},
                }
            )
        return {"type": "FeatureCollection", "features": features}

    return compute


@router.get("/density", summary="Vehicle-km per coarse H3 cell (GeoJSON)")
async def panel_density(
    request: Request,
    scope: ReadScope,
    since: Since = None,
    until: Until = None,
    hour_from: HourFrom = 0,
    hour_to: HourTo = 24,
    fleet: FleetParam = None,
    resolution: Annotated[int, Query(ge=6, le=10)] = 8,
    fresh: Fresh = False,
) -> dict[str, Any]:
    """Where the fleet drives: vehicle-km per H3 cell."""
    f = _filter(scope, _tz(request), since, until, hour_from, hour_to, fleet, "ALL")
    compute = _density(resolution)
    result: dict[str, Any] = await _cached(request, f"density{resolution}", f, compute, fresh)
    return result


def _rates(cube: Cube, f: Filter, state: AppState) -> dict[str, Any]:
    offset = offset_hours(f.tz, f.since or datetime.now(UTC))
    xkeep = mask(cube, cube.x_hour, cube.x_fleet, f)
    days, inverse = np.unique((cube.x_hour[xkeep] + offset) // 24, return_inverse=True)
    km = np.bincount(inverse, weights=cube.x_km[xkeep], minlength=days.size)
    keep = event_mask(cube, f)
    e_day = (cube.e_hour[keep] + offset) // 24
    e_type = cube.e_type[keep]
    # events of days without exposure have no rate (no day to put them on)
    at = np.minimum(np.searchsorted(days, e_day), max(days.size - 1, 0))
    on_a_day = days[at] == e_day if days.size else np.zeros(e_day.shape, dtype=bool)
    counts = np.bincount(
        e_type[on_a_day] * days.size + at[on_a_day],
        weights=cube.e_count[keep][on_a_day],
        minlength=len(cube.types) * days.size,
    ).reshape(len(cube.types), days.size)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_100km = np.round(100.0 * counts / km, 3)
    positive = (km > 0).tolist()
    return {
        "days": [(date(1970, 1, 1) + timedelta(days=int(d))).isoformat() for d in days],
        "vehicle_km": np.round(km, 2).tolist(),
        "per_100km": {
            cube.types[t]: [
                v if ok else None for v, ok in zip(per_100km[t].tolist(), positive, strict=True)
            ]
            for t in np.unique(e_type).tolist()
        },
    }


@router.get("/rates", summary="Warnings per 100 vehicle-km per local day and type")
async def panel_rates(request: Request, f: QueryFilter, fresh: Fresh = False) -> dict[str, Any]:
    """One series per warning type, over the days of the filter."""
    result: dict[str, Any] = await _cached(request, "rates", f, _rates, fresh)
    return result


def _window(f: Filter) -> EventWindow:
    """The events the filter keeps (its fleet is the store's scope, see :func:`_store_for`)."""
    return EventWindow(
        since=f.since,
        until=f.until,
        types=f.types,
        hour_from=f.hour_from,
        hour_to=f.hour_to,
        utc_offset_h=offset_hours(f.tz, f.since or datetime.now(UTC)),
    )


def _store_for(state: AppState, f: Filter) -> Store:
    """The store narrowed to the filter's fleet (a fleet operator's is always its own)."""
    return state.store if f.fleet is None else state.store.scoped(f.fleet)


@functools.lru_cache(maxsize=100_000)
def _vehicle_pseudonym(key: str, vehicle_id: str) -> str:
    """A vehicle's pseudonym as a JSON string, remembered (an HMAC per point adds up)."""
    return json.dumps(pseudonym(key, vehicle_id))


@functools.lru_cache(maxsize=1_000)
def _quoted(text: str) -> str:
    """A JSON string of a short repeated text (event types)."""
    return json.dumps(text)


def _num(x: float | int | None) -> str:
    """A JSON number (``repr``, as ``json.dumps`` writes it), or null (also for NaN)."""
    if x is None or isinstance(x, bool) or not math.isfinite(x):
        return "null"
    return repr(x) if isinstance(x, float | int) else repr(float(x))


def newest_hour_bound(cube: Cube, f: Filter, limit: int) -> datetime | None:
    """A start hour after which, by the cube, at least ``limit`` of the filtered events lie.

    The newest ``limit`` events then lie at or after it too, so the events query can skip
    the older part of the table (DuckDB's zone maps, PostgreSQL's index on ``ts``). None
    when the cube holds fewer than ``limit`` such events.
    """
    keep = event_mask(cube, f)
    if int(cube.e_count[keep].sum()) < limit:
        return None
    hours = cube.e_hour[keep]
    first = int(hours.min())
    per_hour = np.bincount(hours - first, weights=cube.e_count[keep])
    newest_first = np.cumsum(per_hour[::-1])
    hour = first + per_hour.size - 1 - int(np.searchsorted(newest_first, limit))
    return datetime.fromtimestamp(hour * 3600, UTC)


def _events(limit: int) -> Any:
    def compute(cube: Cube, f: Filter, state: AppState) -> bytes:
        store, window = _store_for(state, f), _window(f)
        bound = newest_hour_bound(cube, f, limit)
        rows: list[EventPoint] = []
        if bound is not None and (window.since is None or bound > window.since):
            rows = store.event_points(dataclasses.replace(window, since=bound), limit)
        if len(rows) < limit:
            # no bound, or the store lost events since the cube was built: read them all
            rows = store.event_points(window, limit)
        key = state.settings.pseudonym_key
        features = [
            '{"type":"Feature","geometry":{"type":"Point","coordinates":['
            f'{_num(lon)},{_num(lat)}]}},"properties":{{"event_id":"{eid}",'
            f'"type":{_quoted(kind)},'
            f'"time":"{datetime.fromtimestamp(float(epoch), UTC).isoformat()}",'
            f'"level":{_num(level)},'
            f'"speed_kmh":{"null" if speed is None else _num(round(speed * 3.6, 1))},'
            f'"ttc_s":{_num(ttc)},"headway_s":{_num(headway)},'
            f'"vehicle":{_vehicle_pseudonym(key, vehicle)}}}}}'
            for eid, vehicle, epoch, kind, level, lat, lon, speed, ttc, headway in rows
        ]
        return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode()

    return compute


@router.get(
    "/events",
    summary="Events under the filters (GeoJSON points, newest first)",
    response_class=Response,
    responses={200: {"content": {"application/json": {}}, "description": "A FeatureCollection"}},
)
async def panel_events(
    request: Request,
    f: QueryFilter,
    limit: Annotated[int, Query(ge=1, le=50_000)] = EVENTS_LIMIT,
    fresh: Fresh = False,
) -> Response:
    """Type, time, speed, TTC, headway and the vehicle's pseudonym of each event.

    The newest ``limit`` events. The GeoJSON is serialised once per filter and kept, as
    bytes, until the cube is rebuilt.
    """
    body: bytes = await _cached(request, f"events{limit}", f, _events(limit), fresh)
    return Response(content=body, media_type="application/json")


def _meta(cube: Cube, f: Filter, state: AppState) -> dict[str, Any]:
    types, hours = cube.seen(f.fleet)  # a fleet operator's: its own fleet's only
    tz = ZoneInfo(f.tz)
    return {
        "event_types": types,
        "first_day": None if hours is None else hours[0].astimezone(tz).date().isoformat(),
        "last_day": None if hours is None else hours[1].astimezone(tz).date().isoformat(),
        "fleets": [{"fleet_id": x.fleet_id, "name": x.name} for x in state.store.list_fleets()],
        "tz": f.tz,
    }


@router.get("/meta", summary="Who is signed in, and what the filters can choose from")
async def panel_meta(request: Request, scope: ReadScope) -> dict[str, Any]:
    """Role, fleet, event types, the days with data, the fleets the caller may see, and the
    city's time zone (``tz``) and default locale."""
    meta: dict[str, Any] = dict(
        await _cached(request, "meta", Filter(tz=_tz(request), fleet=scope.fleet_id), _meta)
    )
    meta["fleets"] = [x for x in meta["fleets"] if scope.may_see(x["fleet_id"])]
    who = scope.who
    locale = get_state(request).settings.locale
    return {**meta, "locale": locale, "role": who.role, "name": who.name, "fleet_id": who.fleet_id}


def _summary(cube: Cube, f: Filter, state: AppState) -> Summary:
    keep = np.ones(len(cube.fleets), dtype=bool)
    if f.fleet is not None:
        keep = np.array([x == f.fleet for x in cube.fleets], dtype=bool)
    xkeep = keep[cube.x_fleet] if cube.x_fleet.size else np.zeros(0, dtype=bool)
    ekeep = keep[cube.ve_fleet] if cube.ve_fleet.size else np.zeros(0, dtype=bool)
    by_type = np.bincount(cube.ve_type[ekeep], cube.ve_count[ekeep], len(cube.ve_types))
    events_by_type = {t: int(n) for t, n in zip(cube.ve_types, by_type, strict=True) if n > 0}
    return Summary(
        vehicles=cube.city_vehicles if f.fleet is None else int(cube.f_vehicles[keep].sum()),
        positions=int(cube.f_positions[keep].sum()),
        events=sum(events_by_type.values()),
        events_by_type=events_by_type,
        vehicle_km=round(float(cube.x_km[xkeep].sum()), 3),
        batches=int(cube.f_batches[keep].sum()),
        event_types=sorted(events_by_type),
    )


@router.get(
    "/summary", response_model=Summary, summary="Headline figures from the cube (the header)"
)
async def panel_summary(request: Request, scope: ReadScope, fresh: Fresh = False) -> Summary:
    """Vehicles, positions, events by type, vehicle-km and batches, as of the cube's last
    build (``fresh=true``: as of this request).

    Vehicle-km include the retention roll-up of pruned positions; positions and vehicles
    count the raw positions held; events count every event stored (with a position or
    not); batches count the uploads stored. A fleet operator gets its own fleet's.
    """
    f = _filter(scope, _tz(request), None, None, 0, 24, None, "ALL")
    result: Summary = await _cached(request, "summary", f, _summary, fresh)
    return result


@router.get("/evaluation", summary="The latest roll-out evaluation: rate ratios with intervals")
def panel_evaluation(request: Request, scope: ReadScope) -> dict[str, Any]:
    """Rate ratios live vs silent, from the newest ``roadsense evaluate rollout`` run.

    A run covers the vehicles of its plan across the city: a fleet operator sees only a
    run made for its own fleet (``parameters["fleet_id"]``), else the empty answer.
    """
    for run in get_state(request).store.analysis_runs(limit=200):
        if run.kind == "rollout" and scope.may_see(run.parameters.get("fleet_id")):
            return {
                "run_id": run.run_id,
                "started_at": run.started_at.isoformat(),
                "rate_ratios": run.results.get("rate_ratios", []),
            }
    return {"run_id": None, "started_at": None, "rate_ratios": []}


@router.get("/fleet-scores", summary="Driver (or vehicle) scores and coaching summaries")
async def panel_fleet_scores(
    request: Request, scope: ReadScope, fleet: FleetParam = None
) -> dict[str, Any]:
    """A fleet operator gets its own fleet, with its drivers' ids; others see pseudonyms.

    Scored from the cube's vehicle-hours (no scan of positions), cached per fleet and
    viewer until the cube is rebuilt.
    """
    fleet = scope.fleet(fleet)
    if not fleet:
        raise ApiError(400, "name a fleet (?fleet=...)")
    own = scope.own_fleet

    def compute(cube: Cube, f: Filter, state: AppState) -> dict[str, Any]:
        return _fleet_scores(cube, state, own, str(fleet))

    key = _scores_key(str(fleet), own, _tz(request))
    result: dict[str, Any] = await _cached(request, *key, compute)
    return result


def _scores_key(fleet: str, own: bool, tz: str) -> tuple[str, Filter]:
    return f"fleet-scores:{fleet}:{own}", Filter(fleet=fleet, tz=tz)


def _warm_fleet_scores(state: AppState, cache: TtlCache[Any], cube: Cube) -> None:
    """Score every fleet of a new cube ahead of the first request (both views)."""
    for fleet in cube.fleets:
        if not fleet:
            continue
        tz = state.settings.time_zone
        network = state.network_key()
        keys = {own: _key(*_scores_key(fleet, own, tz), cube, network) for own in (False, True)}
        if not cube.shifts:  # vehicles, pseudonymized for everyone: one answer for both
            if not all(cache.get(k)[0] for k in keys.values()):
                scores = _fleet_scores(cube, state, False, fleet)
                cache.put_many([(k, scores) for k in keys.values()])
            continue
        for own, key in keys.items():
            if not cache.get(key)[0]:
                cache.put(key, _fleet_scores(cube, state, own, fleet))


def _fleet_scores(cube: Cube, state: AppState, own: bool, fleet: str) -> dict[str, Any]:
    """Scores of ``fleet``'s drivers (or vehicles); ``own``: for its operator (driver ids)."""
    last = cube.last_hour(fleet)
    if last is None:
        return {"fleet_id": fleet, "subjects": []}
    split = last - timedelta(days=28)
    # scored by vehicle (no shifts), only the sums before and from the split count
    hours = cube.vehicle_hours(fleet, None if cube.shifts else split)
    types = sorted({k for h in hours for k in h.events}) or ["FCW"]
    key = state.settings.pseudonym_key
    subjects = []
    for s in fleet_scores(HeldShiftsAndHours(cube.shifts, hours), ["ALL", *types], split):
        name = (
            s.subject
            if own and s.kind == "driver"
            else pseudonym(key, s.subject, "drv-" if s.kind == "driver" else "veh-")
        )
        shown = dataclasses.replace(s, subject=name)
        overall = s.scores.get("ALL")
        subjects.append(
            {
                "subject": name,
                "kind": s.kind,
                "km": round(s.km, 1),
                "warnings": None if overall is None else overall.count,
                "per_100km": None if overall is None else round(overall.shrunk_per_100km, 2),
                "percentile": None if overall is None else round(overall.percentile, 1),
                "coaching": coaching_summary(shown) if overall is not None else "",
            }
        )
    return {"fleet_id": fleet, "subjects": subjects}


def _road_layers(cube: Cube, f: Filter, state: AppState) -> dict[str, Any]:
    store = state.store
    segments = store.road_segments()
    empty: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    if not segments:
        return {"speeds": empty, "mismatches": empty, "potholes": empty, "lanes": empty}
    rows = speeds.segment_speeds(store, speeds.DEFAULT_MIN_VEHICLES, f.tz)
    signs = assets.sign_inventory(store)
    lanes = [q for q in assets.lane_quality(store) if q.worn]
    return {
        "speeds": speeds.speeds_geojson(rows, segments),
        "mismatches": assets.mismatches_geojson(assets.sign_mismatches(signs, segments)),
        "potholes": assets.potholes_geojson(assets.potholes(store)),
        "lanes": assets.lanes_geojson(lanes, segments),
    }


@router.get("/roads", summary="Speeds by hour of week, sign mismatches, potholes, worn lanes")
async def panel_roads(request: Request, scope: CityScope) -> dict[str, Any]:
    """The city's road layers in one answer (empty collections without a road network)."""
    f = Filter(tz=_tz(request))
    result: dict[str, Any] = await _cached(request, "roads", f, _road_layers)
    return result


@router.get("/osm-roads", summary="The drivable OSM roads as GeoJSON lines (the base map)")
def panel_osm_roads(request: Request, scope: ReadScope) -> dict[str, Any]:
    """The roads of the configured OSM extract (no tenant data: the same for everyone)."""
    return roads_geojson(get_state(request).roads_path)
