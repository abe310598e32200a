"""Found vs planted: what the product found in the simulated city against what was planted.

The simulation's ground truth (``ground_truth.json`` and ``truth_positions.parquet`` in
its output folder, written by :mod:`roadsense.sim`, never by product code) is compared
with what the product made of the uploads (:class:`~roadsense.cli.demo_product.ProductRun`
and the dashboard's ranked cells). :func:`found_vs_planted` returns the JSON object that
``roadsense demo --json FILE`` writes (see docs/usage.md).

``signs``, ``potholes``, ``worn_markings``, ``device_faults`` and ``rollout`` are read
from the ground-truth file (see :data:`TRUTH_KEYS`; the simulator plants them,
docs/simulation.md); what a run does not plant is written with ``planted`` 0 (or
``null``).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import h3
import pyarrow.parquet as pq
from scipy import stats

from roadsense.analytics.assets import LaneQuality
from roadsense.analytics.hotspots import cells_along
from roadsense.analytics.rollout import RateRatio
from roadsense.analytics.validation import SiteEvidence, validate
from roadsense.cli.demo_product import ProductRun
from roadsense.roads.geometry import haversine_m
from roadsense.sim.conflicts import read_truth_conflicts
from roadsense.sim.ground_truth import GroundTruth
from roadsense.store.roads_rows import DEFAULT_LIMIT

GROUND_TRUTH_FILE = "ground_truth.json"
TRUTH_POSITIONS_FILE = "truth_positions.parquet"
ROLLOUT_PLAN_FILE = "rollout_plan.csv"
"""The roll-out plan the simulation writes (columns of ``roadsense evaluate rollout``)."""

TRUTH_KEYS = {
    "signs": "planted speed-limit signs: [{lon, lat, ...}] (that disagree with OSM or are missing)",
    "potholes": "planted potholes: [{lon, lat, ...}]",
    "worn_markings": "planted stretches of worn lane markings: [{osm_way_ids, ...}]",
    "device_faults": "planted device faults: [{vehicle_id, kind}]",
    "rollout": "the programme: {ratios: [{event_type, planted_rate_ratio (live/silent), ...}]}",
}
"""Keys of ``ground_truth.json`` this module reads when the simulation writes them."""

SIGN_RADIUS_M = 50.0
"""A planted sign is found when a sign that disagrees with the map is this close."""
POTHOLE_RADIUS_M = 30.0
"""A planted pothole is found when a confirmed pothole is this close."""
CONFLICT_TOP_K = 10
"""The top sites compared with SUMO's conflicts (the dashboard's top 10)."""


def read_truth_extras(sim_dir: Path) -> dict[str, Any]:
    """The raw ``ground_truth.json`` (for the keys the typed model may not have yet)."""
    path = Path(sim_dir) / GROUND_TRUTH_FILE
    value = json.loads(path.read_text(encoding="utf-8"))
    return value if isinstance(value, dict) else {}


def hazard_ranks(
    truth: GroundTruth,
    ranked_cells: Sequence[Mapping[str, Any]],
    product: ProductRun | None,
) -> list[dict[str, Any]]:
    """Each planted hazard's best rank among the screened cells the dashboard shows (its
    top cells) and, with a road network, among the screened segments."""
    resolution = int(h3.get_resolution(ranked_cells[0]["cell"])) if ranked_cells else None
    segments = product.analysis.segment_screening if product else None
    out = []
    for hazard in truth.hazards:
        cells: set[str] = set()
        for line in hazard.polylines if resolution is not None else []:
            cells |= cells_along(line, resolution or 0)
        cell_ranks = [int(r["rank"]) for r in ranked_cells if r["cell"] in cells]
        ways = set(hazard.osm_way_ids)
        segment_ranks = [
            s.rank
            for s in (segments.segments if segments else [])
            if int(s.segment_id.split(":", 1)[0]) in ways
        ]
        cell_rank = min(cell_ranks) if cell_ranks else None
        segment_rank = min(segment_ranks) if segment_ranks else None
        known = [r for r in (cell_rank, segment_rank) if r is not None]
        lon, lat = hazard.centre
        out.append(
            {
                "id": hazard.hazard_id,
                "best_rank": min(known) if known else None,
                "cell_rank": cell_rank,
                "segment_rank": segment_rank,
                "osm_way_ids": hazard.osm_way_ids,
                "place": product.places.point(lon, lat) if product else None,
            }
        )
    return out


def conflicts_vs_sites(
    sim_dir: Path, truth: GroundTruth, ranked_cells: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The product's ranked cells against SUMO's SSM conflicts of the taxis (the truth's
    ``ground_truth_conflicts.jsonl``), cell by cell: how many conflicts lie in the
    dashboard's top cells, the rank correlation of warnings with conflicts (Spearman),
    the near-miss validation's measures (:func:`roadsense.analytics.validation.validate`,
    conflicts in the crashes' place) and which planted hazards are top conflict sites."""
    summary = truth.conflicts
    conflicts = read_truth_conflicts(sim_dir) if summary is not None else []
    out: dict[str, Any] = {
        "ssm": summary is not None,
        "conflicts": len(conflicts),
        "by_measure": summary.by_measure if summary else {},
        "per_km_on_hazards": summary.per_km_on_hazards if summary else None,
        "per_km_elsewhere": summary.per_km_elsewhere if summary else None,
        "top_k": CONFLICT_TOP_K,
        "in_ranked_cells": 0,
        "in_top_cells": 0,
        "top_cells_share": None,
        "spearman_warnings": None,
        "spearman_p": None,
        "validation": None,
        "hazards": [],
    }
    if not ranked_cells:
        return out
    resolution = int(h3.get_resolution(ranked_cells[0]["cell"]))
    per_cell: dict[str, int] = defaultdict(int)
    for c in conflicts:
        if c.lat is not None and c.lon is not None:
            per_cell[h3.latlng_to_cell(c.lat, c.lon, resolution)] += 1
    ranked = sorted(ranked_cells, key=lambda r: int(r["rank"]))
    counts = [per_cell.get(r["cell"], 0) for r in ranked]
    top = sum(counts[:CONFLICT_TOP_K])
    out["in_ranked_cells"] = sum(counts)
    out["in_top_cells"] = top
    out["top_cells_share"] = _round(top / len(conflicts)) if conflicts else None
    # SUMO's own ranking of the same cells, most conflicts first
    by_conflicts = sorted(range(len(ranked)), key=lambda i: (-counts[i], i))
    ssm_rank = {ranked[i]["cell"]: n for n, i in enumerate(by_conflicts, start=1) if counts[i]}
    for hazard in truth.hazards:
        cells: set[str] = set()
        for line in hazard.polylines:
            cells |= cells_along(line, resolution)
        ranks = [ssm_rank[c] for c in cells if c in ssm_rank]
        best = min(ranks) if ranks else None
        out["hazards"].append(
            {
                "id": hazard.hazard_id,
                "conflicts": summary.per_hazard.get(hazard.hazard_id, 0) if summary else 0,
                "ssm_rank": best,
                "ssm_top": best is not None and best <= CONFLICT_TOP_K,
            }
        )
    warnings = [int(r["events"]) for r in ranked]
    if len(ranked) < 3 or len(set(counts)) < 2 or len(set(warnings)) < 2:
        return out  # nothing to correlate: no conflicts in the cells, or all alike
    rho, p = stats.spearmanr(warnings, counts)
    out["spearman_warnings"], out["spearman_p"] = _round(rho), _round(p)
    evidence = [
        SiteEvidence(r["cell"], float(r["vehicle_km"]), int(r["events"]), n)
        for r, n in zip(ranked, counts, strict=True)
    ]
    try:
        v = validate(evidence, top_k=CONFLICT_TOP_K)
    except ValueError:
        v = None
    if v is not None:
        out["validation"] = {
            "sites": v.sites,
            "spearman_rate": _round(v.spearman_rho),
            "spearman_p": _round(v.spearman_p),
            "top_k_overlap": _round(v.top_k_overlap),
            "conflict_ratio_per_doubling": _round(v.crash_ratio_per_doubling),
            "ci_low": _round(v.ci_low),
            "ci_high": _round(v.ci_high),
        }
    return out


def rollout_rows(extras: Mapping[str, Any], product: ProductRun | None) -> list[dict[str, Any]]:
    """Planted, true and estimated rate ratio per warning type (types either side knows).

    ``planted_rate_ratio`` is the simulation's parameter: how much less often a warned
    driver starts the spells that cause the warning. ``true_rate_ratio`` is what that
    did to the warnings themselves in this run: the truth's live over silent warnings per
    km (the simulation's count, no product code; crude, without the estimate's vehicle and
    day effects, so with few drivers it carries their luck too). They differ where the warning also
    arises outside the spells (HMW from ordinary following at a short gap, which live
    warnings do not change in the simulation), so the estimate is judged against both.
    """
    planted = _planted_ratios(extras)
    true = _planted_ratios(extras, "rate_ratio")
    estimated = {r.event_type: r for r in product.rollout} if product else {}
    rows = []
    for kind in sorted(set(planted) | set(estimated)):
        r = estimated.get(kind)
        rows.append(
            {
                "event_type": kind,
                "planted_rate_ratio": planted.get(kind),
                "true_rate_ratio": _round(true[kind]) if kind in true else None,
                "rate_ratio": _round(r.rate_ratio) if r else None,
                "ci_low": _round(r.ci_low) if r else None,
                "ci_high": _round(r.ci_high) if r else None,
                "covered": _covers(r, planted.get(kind)),
                "covers_true": _covers(r, true.get(kind)),
            }
        )
    return rows


def _covers(estimate: RateRatio | None, ratio: float | None) -> bool | None:
    """Whether the estimate's interval holds ``ratio`` (None: either is missing)."""
    if estimate is None or ratio is None:
        return None
    return estimate.ci_low <= ratio <= estimate.ci_high


def speed_errors(sim_dir: Path, product: ProductRun | None) -> dict[str, Any]:
    """Measured mean speed per OSM way (segments pooled, weighted by samples) against
    SUMO's mean speed of the taxis on that way (``truth_positions.parquet``)."""
    measured: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for s in product.speeds if product else []:
        measured[int(s.segment_id.split(":", 1)[0])].append((s.mean_kmh, s.samples))
    segments = len({s.segment_id for s in product.speeds}) if product else 0
    truth = _true_way_speeds(Path(sim_dir) / TRUTH_POSITIONS_FILE, set(measured))
    errors = []
    for way, values in measured.items():
        if way in truth:
            n = sum(c for _, c in values)
            errors.append(abs(sum(v * c for v, c in values) / n - truth[way]))
    return {
        "segments": segments,
        "ways_compared": len(errors),
        "mean_abs_error_kmh": _round(sum(errors) / len(errors)) if errors else None,
    }


def signs_found(extras: Mapping[str, Any], product: ProductRun | None) -> dict[str, Any]:
    """Planted signs near a sign the product reads differently from the map."""
    items = extras.get("signs")
    planted = _places(items)
    seen = [(m.sign.lon, m.sign.lat) for m in product.mismatches] if product else []
    # "missing": OSM has no maxspeed there; the product compares with its default limit
    missing = _places(
        [i for i in items if isinstance(i, dict) and i.get("kind") == "missing"]
        if isinstance(items, list)
        else []
    )
    unmapped = (
        [
            (m.sign.lon, m.sign.lat)
            for m in product.mismatches
            if m.map_limit_source == DEFAULT_LIMIT
        ]
        if product
        else []
    )
    return {
        "planted": len(planted),
        "found": _near(planted, seen, SIGN_RADIUS_M),
        "mismatches": len(seen),
        "inventory": len(product.signs) if product else 0,
        "missing": {"planted": len(missing), "found": _near(missing, unmapped, SIGN_RADIUS_M)},
    }


def potholes_found(extras: Mapping[str, Any], product: ProductRun | None) -> dict[str, Any]:
    """Planted potholes near a pothole confirmed by several vehicles."""
    planted = _places(extras.get("potholes"))
    seen = [(p.lon, p.lat) for p in product.potholes] if product else []
    return {
        "planted": len(planted),
        "found": _near(planted, seen, POTHOLE_RADIUS_M),
        "confirmed": len(seen),
        "worn_lane_segments": sum(lane.worn for lane in product.lanes) if product else 0,
    }


def lanes_found(extras: Mapping[str, Any], lanes: Sequence[LaneQuality]) -> dict[str, Any]:
    """Planted worn-marking stretches on whose OSM ways the lane-quality analysis
    (``lanes``) finds a worn segment (a segment id begins with its way's id)."""
    planted = extras.get("worn_markings")
    stretches = planted if isinstance(planted, list) else []
    worn_ways = {int(lane.segment_id.split(":", 1)[0]) for lane in lanes if lane.worn}
    found = 0
    for stretch in stretches:
        ways = stretch.get("osm_way_ids") if isinstance(stretch, dict) else None
        if isinstance(ways, list) and not worn_ways.isdisjoint(int(w) for w in ways):
            found += 1
    return {
        "planted": len(stretches),
        "found": found,
        "worn_segments": sum(lane.worn for lane in lanes),
        "segments": len(lanes),
    }


def devices_flagged(extras: Mapping[str, Any], product: ProductRun | None) -> dict[str, Any]:
    """Planted device faults against the vehicles the month's data quality flags."""
    faults = extras.get("device_faults")
    planted = len(faults) if isinstance(faults, list) else 0
    q = product.quality if product else None
    by_kind = (
        {
            "failsafe": q.failsafe_vehicles,
            "tamper": q.tamper_vehicles,
            "adas_silent": q.adas_silent_vehicles,
            "silent": len(q.silent_devices),
        }
        if q
        else {}
    )
    return {"planted_faults": planted, "flagged": sum(by_kind.values()), "by_kind": by_kind}


def found_vs_planted(
    sim_dir: Path,
    truth: GroundTruth,
    summary: Mapping[str, Any],
    ranked_cells: Sequence[Mapping[str, Any]],
    product: ProductRun | None,
    seconds: float,
    time_zone: str,
) -> dict[str, Any]:
    """The ``--json`` object: the run's size, then each planted thing and what was found."""
    extras = read_truth_extras(sim_dir)
    return {
        "seconds": round(seconds, 1),
        "vehicles": summary.get("vehicles"),
        "vehicle_km": _round(summary.get("vehicle_km")),
        "events_by_type": dict(sorted(summary.get("events_by_type", {}).items())),
        "time_zone": time_zone,
        "hazards": hazard_ranks(truth, ranked_cells, product),
        "rollout": rollout_rows(extras, product),
        "speeds": speed_errors(sim_dir, product),
        "signs": signs_found(extras, product),
        "potholes": potholes_found(extras, product),
        "lanes": lanes_found(extras, product.lanes if product else []),
        "devices": devices_flagged(extras, product),
        "conflicts": conflicts_vs_sites(sim_dir, truth, ranked_cells),
    }


def _planted_ratios(extras: Mapping[str, Any], key: str = "planted_rate_ratio") -> dict[str, float]:
    """Per warning type the truth's roll-out figure ``key`` (the planted ratio, or the
    truth's own ``rate_ratio``)."""
    rollout = extras.get("rollout")
    ratios = rollout.get("ratios") if isinstance(rollout, dict) else None
    if not isinstance(ratios, list):
        return {}
    return {
        str(r["event_type"]): float(r[key])
        for r in ratios
        if isinstance(r, dict) and isinstance(r.get(key), int | float)
    }


def _places(items: object) -> list[tuple[float, float]]:
    if not isinstance(items, list):
        return []
    out = []
    for item in items:
        if isinstance(item, dict) and "lon" in item and "lat" in item:
            out.append((float(item["lon"]), float(item["lat"])))
        else:
            out.append((math.nan, math.nan))  # planted, but with no place to compare
    return out


def _near(
    planted: Iterable[tuple[float, float]], seen: Sequence[tuple[float, float]], radius_m: float
) -> int:
    return sum(
        1
        for lon, lat in planted
        if not math.isnan(lon) and any(haversine_m(lon, lat, x, y) <= radius_m for x, y in seen)
    )


def _true_way_speeds(path: Path, ways: set[int]) -> dict[int, float]:
    if not path.is_file() or not ways:
        return {}
    table = pq.read_table(path, columns=["speed_mps", "osm_way_ids"])
    total: dict[int, float] = defaultdict(float)
    count: dict[int, int] = defaultdict(int)
    for speed, way_ids in zip(
        table.column("speed_mps").to_pylist(), table.column("osm_way_ids").to_pylist(), strict=True
    ):
        for way in way_ids or ():
            if way in ways:
                total[way] += speed * 3.6
                count[way] += 1
    return {w: total[w] / count[w] for w in total}


def _round(value: object) -> float | None:
    if not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return round(float(value), 3)
