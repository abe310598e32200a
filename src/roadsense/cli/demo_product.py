"""The demo's product steps after the upload: the same library calls as the CLI commands.

``roadsense roads import`` / ``roads match`` (:func:`import_roads`, map matching),
``roadsense analyze`` (screening of cells, segments and junctions with the fitted SPF,
clusters, trends, scores), ``roadsense roads export`` (exposure and speeds per segment,
signs vs map, potholes, lane wear), the device health of the month's report, ``roadsense
evaluate rollout`` when the simulation wrote a plan, ``roadsense report`` (HTML) and
``roadsense export open-data``. Each runs on the store with no server holding it.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from roadsense.analytics import assets, speeds
from roadsense.analytics.analyze import AnalyzeParams, AnalyzeResult, analyze
from roadsense.analytics.open_data import DEFAULT_MIN_VEHICLES as OPEN_DATA_MIN_VEHICLES
from roadsense.analytics.rollout import RateRatio
from roadsense.analytics.rollout_panel import Rollout, read_rollout
from roadsense.city import CitySettings
from roadsense.cli.evaluate import evaluate_and_record
from roadsense.cli.export import OpenDataRun, write_open_data
from roadsense.progress import Progress
from roadsense.reports import build_report, parse_month, render_html
from roadsense.reports.quality import DataQuality, data_quality
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.places import PlaceNamer
from roadsense.roads.service import CityRoads, load_roads
from roadsense.roads.store_sync import MatchRun, import_network, match_new
from roadsense.store import open_store
from roadsense.store.analytics_rows import Period
from roadsense.store.roads_rows import NetworkInfo


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its children waited for (the
    decoders once their pool is shut down, the server once stopped)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class StageClock:
    """Wall and CPU seconds per stage: the wall time grows when other work shares the
    cores (or the run is paused), the CPU time does not."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._mark()

    def _mark(self) -> None:
        self._t = time.monotonic()
        self._c = cpu_seconds()

    def lap(self, stage: str) -> None:
        """The time since the last lap (or the start) was ``stage``'s."""
        self.wall[stage] = time.monotonic() - self._t
        self.cpu[stage] = cpu_seconds() - self._c
        self._mark()


ASSET_MIN_VEHICLES = 2
"""Distinct vehicles a sign or pothole needs (as ``roadsense roads export``)."""


@dataclass
class ProductRun:
    """What the product made of the uploaded month."""

    network: NetworkInfo
    match: MatchRun
    analysis: AnalyzeResult
    exposure_segments: int
    """Segments with vehicle-km in at least one hour (k-anonymous)."""
    speeds: list[speeds.SegmentSpeed]
    signs: list[assets.Sign]
    mismatches: list[assets.SignMismatch]
    potholes: list[assets.Pothole]
    lanes: list[assets.LaneQuality]
    quality: DataQuality
    rollout: list[RateRatio]
    rollout_problems: dict[str, str]
    report: Path
    open_data: OpenDataRun
    places: PlaceNamer
    month: str
    clock: StageClock = field(default_factory=StageClock)
    """Wall and CPU seconds of ``match``, ``analyse``, ``rollout`` and ``report``."""


def import_roads(store_path: Path, pbf: Path, progress: Progress | None = None) -> CityRoads:
    """``roadsense roads import``: the network and its Valhalla tiles, stored."""
    roads = load_roads(pbf, None, progress)
    with open_store(store_path) as db:
        import_network(db, roads.network)
    return roads


def run_product(
    store_path: Path,
    roads: CityRoads,
    out_dir: Path,
    city: CitySettings,
    month_start: datetime,
    rollout_plan: Path | None,
    *,
    gps_sigma_m: float = 10.0,
    progress: Progress | None = None,
) -> ProductRun:
    """Every product step on the store at ``store_path`` (no server may hold it)."""
    tick = progress or (lambda *_: None)
    clock = StageClock()
    tz = city.time_zone
    month = parse_month(f"{month_start.astimezone(ZoneInfo(tz)):%Y-%m}", tz)
    with open_store(store_path) as db:
        matcher = roads.matcher(MatchOptions.tuned(max(gps_sigma_m, 1.0)))
        matched = match_new(db, matcher, progress=tick)
        clock.lap("match")

        params = AnalyzeParams(
            city.hotspot_resolution, city.min_vehicle_km, city.min_vehicles, tz=tz
        )
        analysis = analyze(db, out_dir / "analysis", params, tick)
        segments = db.road_segments()
        k = speeds.DEFAULT_MIN_VEHICLES
        exposure = speeds.segment_exposure(db, k)
        segment_speeds = speeds.segment_speeds(db, k, tz)
        signs = assets.sign_inventory(db, ASSET_MIN_VEHICLES)
        mismatches = assets.sign_mismatches(signs, segments)
        holes = assets.potholes(db, ASSET_MIN_VEHICLES)
        lanes = assets.lane_quality(db, k)
        quality = data_quality(db, month)
        places = PlaceNamer(segments, db.road_junctions())
        clock.lap("analyse")

        rollout: list[RateRatio] = []
        problems: dict[str, str] = {}
        if rollout_plan is not None and rollout_plan.is_file():
            plan = read_rollout(rollout_plan)
            rollout, problems = evaluate_and_record(
                db, plan, str(rollout_plan), rollout_period(plan_days(plan)), "poisson"
            )
        clock.lap("rollout")

        tick("report", 0, 2)
        report = out_dir / f"report-{month.label}.html"
        report.write_text(render_html(build_report(db, month)), encoding="utf-8")
        tick("report", 1, 2)
        open_data = write_open_data(
            db, out_dir / "open-data", 9, "month", OPEN_DATA_MIN_VEHICLES, tz
        )
        tick("report", 2, 2)
        clock.lap("report")
        network = db.road_network_info()
    if network is None:  # import_roads stored one; nothing removes it
        raise RuntimeError("the store lost its road network")
    return ProductRun(
        network=network,
        match=matched,
        analysis=analysis,
        exposure_segments=len({e.segment_id for e in exposure}),
        speeds=segment_speeds,
        signs=signs,
        mismatches=mismatches,
        potholes=holes,
        lanes=lanes,
        quality=quality,
        rollout=rollout,
        rollout_problems=problems,
        report=report,
        open_data=open_data,
        places=places,
        month=month.label,
        clock=clock,
    )


def plan_days(plan: Sequence[Rollout]) -> int:
    """Days between the first installation and the last switch of a roll-out plan."""
    known = [p.installed for p in plan] + [p.live_from for p in plan if p.live_from]
    return (max(known) - min(known)).days if known else 0


def rollout_period(days: int) -> Period:
    """Weeks for a roll-out over months; days for one over a few weeks (as in the demo)."""
    return "week" if days >= 28 else "day"
