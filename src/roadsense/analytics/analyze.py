"""``roadsense analyze``: every safety analysis on the store, recorded with what it saw.

Network screening (all warnings and each type), Getis-Ord clusters, persistent and
emerging hotspots by month, near-miss vs crash validation when crashes were imported,
and driver (or vehicle) scores. Results go to a folder as CSV/JSON and the run is kept in
the store (``analysis_runs``): when, with which settings, on how much data.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import h3

from roadsense.analytics import speeds
from roadsense.analytics.analysis_source import (
    AnalysisSource,
    StoreSource,
    source_cell_rows,
)
from roadsense.analytics.clusters import getis_ord
from roadsense.analytics.driver_scores import HeldShiftsAndHours, fleet_scores
from roadsense.analytics.hotspots import cell_rows
from roadsense.analytics.network_screening import (
    CellScreening,
    JunctionScreening,
    SegmentScreening,
    screen_cell_rows,
    screen_junctions,
    screen_segments,
)
from roadsense.analytics.ranking import rank_sites
from roadsense.analytics.tables import write_table
from roadsense.analytics.trends import classify
from roadsense.analytics.validation import SiteEvidence, validate
from roadsense.city import (
    DEFAULT_HOTSPOT_RESOLUTION,
    DEFAULT_MIN_VEHICLE_KM,
    DEFAULT_MIN_VEHICLES,
    DEFAULT_TIME_ZONE,
    RankingThresholds,
)
from roadsense.progress import Progress
from roadsense.store import Store


@dataclass
class AnalyzeParams:
    """Settings of one analysis run."""

    resolution: int = DEFAULT_HOTSPOT_RESOLUTION
    min_vehicle_km: float = DEFAULT_MIN_VEHICLE_KM
    min_vehicles: int = DEFAULT_MIN_VEHICLES
    fdr: float = 0.05
    top_n: int = 10
    tz: str = DEFAULT_TIME_ZONE


@dataclass
class AnalyzeResult:
    """Headlines of a run; details are in the files."""

    run_id: str = ""
    engine: str = ""
    screenings: dict[str, CellScreening] = field(default_factory=dict)
    segment_screening: SegmentScreening | None = None
    junction_screening: JunctionScreening | None = None
    speed_cells: int = 0
    """Segment and hour-of-week cells of speeds_segments.csv (k vehicles each)."""
    hot_clusters: int = 0
    trends: dict[str, int] = field(default_factory=dict)
    validation: dict[str, Any] | None = None
    scored_subjects: int = 0
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def analyze(
    store: Store,
    out_dir: Path,
    params: AnalyzeParams,
    progress: Progress | None = None,
    source: AnalysisSource | None = None,
) -> AnalyzeResult:
    """Run everything and write ``out_dir``; returns the headlines.

    The aggregated rows come from ``source`` (the store's own reads when None); the store
    gives the road network, police crashes and driver shifts, and records the run.
    """
    started = datetime.now(UTC)
    tick = progress or (lambda *_: None)
    rows = source or StoreSource(store)
    steps = 6
    result = AnalyzeResult(engine=rows.engine)
    out_dir.mkdir(parents=True, exist_ok=True)
    totals = rows.totals()

    tick("analyze", 0, steps)
    types = sorted(totals.events_by_type)
    exposure = rows.exposure_by_cell(params.resolution)  # one scan for every type
    for kind in ["ALL", *types]:
        screening = screen_cell_rows(
            source_cell_rows(rows, params.resolution, () if kind == "ALL" else (kind,), exposure),
            kind,
            params.min_vehicle_km,
            params.min_vehicles,
        )
        result.screenings[kind] = screening
        if screening.note:
            result.notes.append(f"screening {kind}: {screening.note}")
    all_cells = result.screenings["ALL"].cells
    path = out_dir / "screening_cells.csv"
    cell_table = [asdict(c) for s in result.screenings.values() for c in s.cells]
    write_table(path, cell_table, list(asdict(all_cells[0]) if all_cells else ["cell"]))
    result.files.append(path)
    network = store.road_network_info()
    if network is None or rows.road_network == network.digest:
        _screen_roads(store, rows, params, out_dir, result)  # no network: says so
    else:
        result.notes.append(
            f"segment and junction screening: the {rows.engine} engine's map matches are "
            "not of the store's road network; run `roadsense roads match`, then "
            "`roadsense lake export` again, or `roadsense lake match --roads FILE` with "
            "the file the store's network came from"
        )
    tick("analyze", 1, steps)

    if len(all_cells) >= 3:
        clusters = getis_ord({c.cell: c.excess for c in all_cells}, rings=1, fdr=params.fdr)
        result.hot_clusters = sum(c.hot for c in clusters)
        path = out_dir / "clusters.csv"
        write_table(path, [asdict(c) for c in clusters], list(asdict(clusters[0])))
        result.files.append(path)
    tick("analyze", 2, steps)

    result.trends = _trends(rows, params, out_dir, result)
    tick("analyze", 3, steps)

    if store.crash_count() > 0 and all_cells:
        crashes = store.crashes_by_cell(params.resolution)
        evidence = [
            SiteEvidence(c.cell, c.vehicle_km, c.observed, crashes.get(h3.str_to_int(c.cell), 0))
            for c in all_cells
        ]
        try:
            v = validate(evidence)
            result.validation = asdict(v)
            path = out_dir / "near_miss_vs_crashes.json"
            path.write_text(json.dumps(result.validation, indent=2) + "\n", encoding="utf-8")
            result.files.append(path)
        except ValueError as exc:
            result.notes.append(f"near-miss vs crash validation: {exc}")
    tick("analyze", 4, steps)

    hours = rows.vehicle_hours()
    if hours:
        # the last four weeks are scored; the time before gives the trend
        first, last = min(h.hour for h in hours), max(h.hour for h in hours)
        reads = HeldShiftsAndHours(store.driver_shifts(), hours)
        scores = fleet_scores(reads, types, max(first, last - timedelta(days=28)))
        result.scored_subjects = len(scores)
        path = out_dir / "scores.csv"
        write_table(
            path,
            [asdict(s) for subject in scores for s in subject.scores.values()],
            [
                "subject",
                "event_type",
                "km",
                "count",
                "raw_per_100km",
                "shrunk_per_100km",
                "percentile",
                "trend_ratio",
            ],
        )
        result.files.append(path)
    tick("analyze", 5, steps)

    run = store.record_analysis_run(
        "analyze",
        started,
        asdict(params),
        {
            "engine": rows.engine,
            "vehicles": totals.vehicles,
            "positions": totals.positions,
            "events": totals.events,
            "vehicle_km": totals.vehicle_km,
            "crashes": store.crash_count(),
        },
        {
            "screened_cells": len(all_cells),
            "hot_clusters": result.hot_clusters,
            "trends": result.trends,
            "validation": result.validation,
            "scored_subjects": result.scored_subjects,
            "speed_cells": result.speed_cells,
            "top_cells": [c.cell for c in all_cells[: params.top_n]],
            "sites": result_sites(result)[: params.top_n],
        },
    )
    result.run_id = run.run_id
    tick("analyze", 6, steps)
    return result


def _screen_roads(
    store: Store,
    source: AnalysisSource,
    params: AnalyzeParams,
    out_dir: Path,
    result: AnalyzeResult,
) -> None:
    """Road segments and junctions of the store's network, screened over the source's
    sums of the map matches."""
    segments = screen_segments(store, (), params.min_vehicle_km, params.min_vehicles, source)
    result.segment_screening = segments
    if segments.segments:
        path = out_dir / "screening_segments.csv"
        write_table(
            path, [asdict(s) for s in segments.segments], list(asdict(segments.segments[0]))
        )
        result.files.append(path)
    elif segments.note:
        result.notes.append(f"segment screening: {segments.note}")
    nodes = screen_junctions(store, (), min_vehicle_km=params.min_vehicle_km, counts=source)
    result.junction_screening = nodes
    if nodes.junctions:
        path = out_dir / "screening_junctions.csv"
        write_table(path, [asdict(j) for j in nodes.junctions], list(asdict(nodes.junctions[0])))
        result.files.append(path)
    elif nodes.note:
        result.notes.append(f"junction screening: {nodes.note}")
    limits = {s.segment_id: s.speed_limit_kmh for s in store.road_segments()}
    if limits:
        k = speeds.DEFAULT_MIN_VEHICLES  # what is published keeps k vehicles a cell
        cells = source.speed_cells(params.tz, limits)
        rows = speeds.segment_speeds(store, k, params.tz, cells=cells)
        path = out_dir / "speeds_segments.csv"
        write_table(path, [asdict(r) for r in rows], [f.name for f in fields(speeds.SegmentSpeed)])
        result.files.append(path)
        result.speed_cells = len(rows)


def result_sites(result: AnalyzeResult) -> list[dict[str, Any]]:
    """The ranked sites of a run (cells for all warnings, then segments and junctions),
    as ``roadsense analyze --json`` writes them; the same for every engine."""
    sites: list[dict[str, Any]] = [
        _site("cell", c.cell, c.rank, c.observed, c.expected, c.excess)
        for c in result.screenings["ALL"].cells
    ]
    if result.segment_screening is not None:
        sites += [
            _site("segment", s.segment_id, s.rank, s.observed, s.expected, s.excess)
            for s in result.segment_screening.segments
        ]
    if result.junction_screening is not None:
        sites += [
            _site("junction", str(j.node_id), j.rank, j.observed, j.expected, j.excess)
            for j in result.junction_screening.junctions
        ]
    return sites


def _site(
    kind: str, site_id: str, rank: int, observed: int, expected: float, excess: float
) -> dict[str, Any]:
    return {
        "kind": kind,
        "id": site_id,
        "rank": rank,
        "observed": observed,
        "expected": expected,
        "excess": excess,
    }


def result_json(result: AnalyzeResult) -> dict[str, Any]:
    """``{"engine": ..., "sites": [...]}``: what ``roadsense analyze --json`` writes."""
    return {"engine": result.engine, "run_id": result.run_id, "sites": result_sites(result)}


def _trends(
    source: AnalysisSource, params: AnalyzeParams, out_dir: Path, result: AnalyzeResult
) -> dict[str, int]:
    """Each month's cells ranked by the one hotspot ranking, then classified over months."""
    exposure = source.cell_period_exposure(params.resolution, "month", params.tz)
    events = source.cell_period_events(params.resolution, "month", params.tz)
    counts: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for e in events:
        counts[e.period][e.cell] += e.events
    by_period: dict[Any, list[tuple[int, float, int]]] = defaultdict(list)
    for x in exposure:
        by_period[x.period].append((x.cell, x.vehicle_km, x.vehicles))
    thresholds = RankingThresholds(params.min_vehicle_km, params.min_vehicles)
    ranks: dict[str, dict[str, int]] = {}
    for period, cells in by_period.items():
        ranking = rank_sites(cell_rows(cells, counts[period]), thresholds)
        if ranking.ranked:
            ranks[period.isoformat()] = {s.site_id: s.rank or 0 for s in ranking.ranked}
    if len(ranks) < 2:
        result.notes.append("trends: need at least two months of data")
        return {}
    trends = classify(ranks, top_n=params.top_n)
    path = out_dir / "trends.csv"
    write_table(path, [asdict(t) for t in trends], list(asdict(trends[0])) if trends else [])
    result.files.append(path)
    summary: dict[str, int] = defaultdict(int)
    for t in trends:
        summary[t.trend] += 1
    return dict(summary)
