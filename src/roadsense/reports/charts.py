"""The report's charts and maps, drawn with matplotlib as PNG bytes (no display needed).

Palettes are colour-blind safe: viridis for sequential values, Okabe-Ito for categories.
"""

from __future__ import annotations

import io
import math

import h3
import matplotlib as mpl

mpl.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from roadsense.reports.monthly import Evaluation, HotspotRow, MonthlyReport, SpeedChange

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#F0E442"]
DPI = 110


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def hotspot_map(
    cells: list[HotspotRow], top: list[HotspotRow], roads: list[list[tuple[float, float]]]
) -> bytes:
    """Roads in grey, screened cells coloured by EB excess, the top cells numbered."""
    fig, ax = plt.subplots(figsize=(7.5, 6.0))
    if roads:
        ax.add_collection(LineCollection(roads, colors="#9a9a9a", linewidths=0.5, zorder=1))
    polys = [[(lon, lat) for lat, lon in h3.cell_to_boundary(c.cell)] for c in cells]
    values = [c.excess if c.excess is not None else c.per_1000_vkm for c in cells]
    if polys:
        coll = PolyCollection(polys, array=values, cmap="viridis_r", alpha=0.75, zorder=2)
        ax.add_collection(coll)
        label = "EB excess (warnings)" if cells and cells[0].excess is not None else "per 1,000 vkm"
        fig.colorbar(coll, ax=ax, shrink=0.7, label=label)
    for h in top:
        ax.annotate(
            str(h.rank),
            (h.lon, h.lat),
            fontsize=8,
            fontweight="bold",
            ha="center",
            va="center",
            color="white",
            bbox={"boxstyle": "circle,pad=0.2", "fc": "#1a1a1a", "ec": "white"},
            zorder=3,
        )
    points = [p for line in roads for p in line] + [p for poly in polys for p in poly]
    if points:
        xs, ys = zip(*points, strict=True)
        ax.set_xlim(min(xs), max(xs))
        ax.set_ylim(min(ys), max(ys))
    mid_lat = (ax.get_ylim()[0] + ax.get_ylim()[1]) / 2
    ax.set_aspect(1.0 / max(0.2, math.cos(math.radians(mid_lat))))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_title("Near-miss hotspots (H3 cells, top ones numbered)")
    return _png(fig)


def weekly_rates(report: MonthlyReport) -> bytes:
    """Warnings per 100 vehicle-km per week, one line per type."""
    fig, ax = plt.subplots(figsize=(7.5, 3.4))
    types = sorted({k for _, rates in report.weekly for k in rates})
    weeks = [w.isoformat() for w, _ in report.weekly]
    for i, kind in enumerate(types):
        ax.plot(
            weeks,
            [rates.get(kind, 0.0) for _, rates in report.weekly],
            marker="o",
            color=OKABE_ITO[i % len(OKABE_ITO)],
            label=kind,
        )
    ax.set_ylabel("warnings per 100 vkm")
    ax.set_title("Warnings per 100 vehicle-km by week")
    if types:
        ax.legend(fontsize=7, ncol=4, frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


def rate_ratios(evaluation: Evaluation) -> bytes:
    """Rate ratios with their 95 % intervals (a forest plot); 1 = no change."""
    rows = evaluation.ratios
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(rows) + 1.2))
    ys = list(range(len(rows)))
    ax.errorbar(
        [r.rate_ratio for r in rows],
        ys,
        xerr=[
            [r.rate_ratio - r.ci_low for r in rows],
            [r.ci_high - r.rate_ratio for r in rows],
        ],
        fmt="o",
        color="#0072B2",
        ecolor="#0072B2",
        capsize=3,
    )
    ax.axvline(1.0, color="#5a5a55", linestyle="--", linewidth=1)
    ax.set_yticks(ys, [r.event_type for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel("rate ratio, live warnings vs silent (95 % interval)")
    return _png(fig)


def speed_changes(changes: list[SpeedChange]) -> bytes:
    """The largest changes in mean segment speed, month on month."""
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(changes) + 1.2))
    labels = [f"{c.road} ({c.segment_id})" for c in changes]
    values = [c.change_kmh for c in changes]
    colours = ["#D55E00" if v < 0 else "#0072B2" for v in values]
    ax.barh(range(len(changes)), values, color=colours)
    ax.set_yticks(range(len(changes)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.axvline(0.0, color="#1d1d1b", linewidth=0.8)
    ax.set_xlabel("change in mean speed, km/h (orange: slower)")
    return _png(fig)
