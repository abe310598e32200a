"""The demo's product steps after the upload: the same library calls as the CLI commands.

``roadsense roads import`` / ``roads match`` (:func:`import_roads`, map matching),
``roadsense analyze`` (screening of cells, segments and junctions with the fitted SPF,
clusters, trends, scores), ``roadsense roads export`` (exposure and speeds per segment,
signs vs map, potholes, lane wear), the device health of the month's report, ``roadsense
evaluate rollout`` when the simulation wrote a plan, ``roadsense report`` (HTML) and
``roadsense export open-data``. Each runs on the store with no server holding it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
from roadsense.cli.demo_places import PlaceNamer
from roadsense.cli.evaluate import evaluate_and_record
from roadsense.cli.export import OpenDataRun, write_open_data
from roadsense.reports import build_report, parse_month, render_html
from roadsense.reports.quality import DataQuality, data_quality
from roadsense.roads.matcher import MatchOptions
from roadsense.roads.service import CityRoads, load_roads
from roadsense.roads.store_sync import MatchRun, import_network, match_new
from roadsense.store import open_store
from roadsense.store.analytics_rows import Period
from roadsense.store.roads_rows import NetworkInfo

Progress = Callable[[str, int, int], None]

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
    seconds: dict[str, float] = field(default_factory=dict)


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
    seconds: dict[str, float] = {}
    tz = city.time_zone
    month = parse_month(f"{month_start.astimezone(ZoneInfo(tz)):%Y-%m}", tz)
    with open_store(store_path) as db:
        t = time.monotonic()
        matcher = roads.matcher(MatchOptions.tuned(max(gps_sigma_m, 1.0)))
        matched = match_new(db, matcher, progress=tick)
        seconds["match"] = time.monotonic() - t

        t = time.monotonic()
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
        seconds["analyse"] = time.monotonic() - t

        t = time.monotonic()
        rollout: list[RateRatio] = []
        problems: dict[str, str] = {}
        if rollout_plan is not None and rollout_plan.is_file():
            plan = read_rollout(rollout_plan)
            rollout, problems = evaluate_and_record(
                db, plan, str(rollout_plan), rollout_period(plan_days(plan)), "poisson"
            )
        seconds["rollout"] = time.monotonic() - t

        t = time.monotonic()
        tick("report", 0, 2)
        report = out_dir / f"report-{month.label}.html"
        report.write_text(render_html(build_report(db, month)), encoding="utf-8")
        tick("report", 1, 2)
        open_data = write_open_data(
            db, out_dir / "open-data", 9, "month", OPEN_DATA_MIN_VEHICLES, tz
        )
        tick("report", 2, 2)
        seconds["report"] = time.monotonic() - t
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
        seconds=seconds,
    )


def plan_days(plan: Sequence[Rollout]) -> int:
    """Days between the first installation and the last switch of a roll-out plan."""
    known = [p.installed for p in plan] + [p.live_from for p in plan if p.live_from]
    return (max(known) - min(known)).days if known else 0


def rollout_period(days: int) -> Period:
    """Weeks for a roll-out over months; days for one over a few weeks (as in the demo)."""
    return "week" if days >= 28 else "day"
