"""Hotspot clusters: Getis-Ord Gi* over H3 cells with false-discovery-rate control.

Each cell's value (an event rate or count) is compared with the cells within a distance
band (``rings`` H3 rings, the cell itself included for the "star" statistic). Cells whose
neighbourhood is significantly high are hot; p-values are adjusted with Benjamini-Hochberg
so that at most ``fdr`` of the reported clusters are expected to be false.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import h3
import numpy as np
from statsmodels.stats.multitest import multipletests

from roadsense.analytics.quiet import quiet


@dataclass(frozen=True)
class ClusterCell:
    """Gi* result for one cell."""

    cell: str
    value: float
    z: float
    p_value: float
    q_value: float
    """Benjamini-Hochberg adjusted p-value."""
    hot: bool
    cold: bool


def getis_ord(values: Mapping[str, float], rings: int = 1, fdr: float = 0.05) -> list[ClusterCell]:
    """Gi* z-scores for every cell; ``hot``/``cold`` where the FDR-adjusted p < ``fdr``."""
    # esda's G_Local is imported here: it pulls in libpysal, slow to import for the CLI
    with quiet():
        from esda.getisord import G_Local
        from libpysal.weights import W

    cells = sorted(values)
    if len(cells) < 3:
        raise ValueError("Getis-Ord Gi* needs at least 3 cells")
    known = set(cells)
    neighbours = {
        c: sorted(n for n in h3.grid_disk(c, rings) if n in known and n != c) for c in cells
    }
    isolated = [c for c, n in neighbours.items() if not n]
    weights_dict = {c: [1.0] * len(n) for c, n in neighbours.items()}
    with quiet():
        w = W(neighbours, weights_dict, silence_warnings=True)
        y = np.array([values[c] for c in cells], dtype=float)
        g = G_Local(y, w, star=True, transform="B", permutations=0)
    z = np.nan_to_num(np.asarray(g.Zs, dtype=float))
    p = np.asarray(g.p_norm, dtype=float)
    p = np.where(np.isfinite(p), p, 1.0)
    p_two = np.minimum(1.0, 2.0 * p)  # esda gives the one-sided p of |z|
    q = multipletests(p_two, alpha=fdr, method="fdr_bh")[1]
    out = []
    for i, c in enumerate(cells):
        significant = bool(q[i] < fdr) and c not in isolated
        out.append(
            ClusterCell(
                c,
                float(y[i]),
                float(z[i]),
                float(p_two[i]),
                float(q[i]),
                hot=significant and z[i] > 0,
                cold=significant and z[i] < 0,
            )
        )
    return out
