"""Network screening of H3 cells on the store: SPF, empirical Bayes, excess, ranking.

Per event type (or all types together): cells with enough exposure are the sites; an NB
safety performance function of the count on log vehicle-km is fitted across them; each
cell's empirical Bayes expected count is pulled from its own count toward the SPF's
prediction by the weight ``1 / (1 + k * predicted)``, and cells are ranked by excess
(expected minus predicted). Unlike a raw rate, this does not crown cells whose few
kilometres happened to see one warning.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import h3

from roadsense.analytics.screening import Site, screen
from roadsense.analytics.spf import Spf, SpfError, fit_spf
from roadsense.store import Store


@dataclass(frozen=True)
class ScreenedCell:
    """One cell's screening result."""

    cell: str
    event_type: str
    observed: int
    vehicle_km: float
    vehicles: int
    predicted: float
    expected: float
    excess: float
    rate_per_million_vkm: float
    rank: int


@dataclass(frozen=True)
class CellScreening:
    """Screening of all eligible cells for one event type."""

    event_type: str
    spf: Spf | None
    """None when too few cells or counts to fit an SPF."""
    cells: list[ScreenedCell]
    note: str = ""


def screen_cells(
    store: Store,
    resolution: int = 10,
    event_types: Sequence[str] = (),
    min_vehicle_km: float = 1.0,
    min_vehicles: int = 3,
) -> CellScreening:
    """Screen cells for ``event_types`` (empty: every type together)."""
    label = "+".join(event_types) if event_types else "ALL"
    exposure = {
        e.cell: e
        for e in store.exposure_by_cell(resolution)
        if e.vehicle_km >= min_vehicle_km and e.vehicles >= min_vehicles
    }
    counts = {c.cell: c.events for c in store.events_by_cell(resolution, event_types or None)}
    cells = sorted(exposure)
    if not cells:
        return CellScreening(label, None, [], "no cell has enough exposure to screen")
    observed = [counts.get(c, 0) for c in cells]
    km = [exposure[c].vehicle_km for c in cells]
    try:
        spf = fit_spf(observed, km)
    except SpfError as exc:
        return CellScreening(label, None, [], str(exc))
    sites = [
        Site(h3.int_to_str(c), float(n), spf.predict(k), spf.overdispersion)
        for c, n, k in zip(cells, observed, km, strict=True)
    ]
    by_id = {h3.int_to_str(c): c for c in cells}
    out = []
    for s in screen(sites):
        cell = by_id[s.site.site_id]
        exp = exposure[cell]
        out.append(
            ScreenedCell(
                cell=s.site.site_id,
                event_type=label,
                observed=int(s.site.observed),
                vehicle_km=exp.vehicle_km,
                vehicles=exp.vehicles,
                predicted=s.site.predicted,
                expected=s.expected,
                excess=s.excess,
                rate_per_million_vkm=1e6 * s.site.observed / exp.vehicle_km,
                rank=s.rank,
            )
        )
    return CellScreening(label, spf, out)
