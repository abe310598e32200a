"""Does the planted roll-out effect reach the warnings? The truth's live/silent ratios.

Run: ``.venv/bin/python bench/rollout_effect.py`` (about 10 minutes on 2 cores). Simulates
100 taxis for two days of an hour, every unit silent on the first day and half of them
live on the second (one wave), for two seeds, with the warned driver's longer time gap
(``warned_gap_elasticity`` 1, the default) and without it (0: the spells alone carry the
effect). For each run and warning type, from the truth's events and SUMO's speeds:

- the crude ratio of ``ground_truth.json`` (live over silent events per km), which mixes
  the effect with who is in the live group (a few drivers make most warnings);
- the difference in differences: the live group's day-2 over day-1 rate, over the
  controls' day-2 over day-1 rate, each taxi against itself, as a roll-out is judged;

each with a 95 % interval from the Poisson counts (log scale), beside the planted ratio.
The truth is SUMO's driving read by the units' rules, not an estimate of the platform
(``roadsense evaluate rollout`` estimates from what the platform stored). Writes the
table to docs/benchmarks.md.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks_doc import machine, write_section
from roadsense.sim import GroundTruth, SimConfig, load_ground_truth, run_simulation
from roadsense.sim.output import read_truth_events, read_truth_positions

SEEDS = (42, 7)
ELASTICITIES = (0.0, 1.0)
VEHICLES = 100
HOURS = 1.0
PUBLISHED = (
    "published: Acudrive HMW -23 %, FCW -50 %, UFCW -14 % (ratios 0.77, 0.50, 0.86); "
    "IIHS Mobileye 630 study FCW, LDW and HMW rates 30-70 % lower "
    "(`../shared/reference/field-rates.md`)"
)


def main() -> None:
    rows: list[str] = []
    started = time.perf_counter()
    for seed in SEEDS:
        for elasticity in ELASTICITIES:
            with tempfile.TemporaryDirectory() as tmp:
                config = SimConfig(
                    out_dir=Path(tmp),
                    vehicles=VEHICLES,
                    duration_s=round(HOURS * 3600),
                    days=2,
                    rollout_waves=1,
                    seed=seed,
                    warned_gap_elasticity=elasticity,
                    conflicts=False,
                    write_truth_positions=True,
                )
                t0 = time.perf_counter()
                run_simulation(config)
                wall = time.perf_counter() - t0
                truth = load_ground_truth(Path(tmp))
                cells = _group_days(Path(tmp), truth)
            assert truth.rollout is not None
            for r in truth.rollout.ratios:
                crude = _ratio(r.live_events, r.live_km, r.silent_events, r.silent_km)
                did = _did(cells, r.event_type)
                rows.append(
                    f"| {seed} | {elasticity:g} | {r.event_type} | {r.planted_rate_ratio:.2f} | "
                    f"{r.silent_events} in {r.silent_km:.0f} km | "
                    f"{r.live_events} in {r.live_km:.0f} km | {crude} | {did} | {wall:.0f} s |"
                )
            print(rows[-3:], file=sys.stderr)
    section = "\n".join(
        [
            "## The roll-out's planted effect in the truth (`bench/rollout_effect.py`)",
            "",
            f"Command: `.venv/bin/python bench/rollout_effect.py`, {machine()}; "
            f"{VEHICLES} taxis, two days of {HOURS:g} h, one wave (half the taxis live on "
            "the second day), SSM off. Elasticity: how far a warned driver lengthens their "
            "time gap (0: only the spells' rates change). Crude ratio: the truth's live "
            "over silent events per km (`ground_truth.json`); difference in differences: "
            "the live group's second day over its first, over the controls' (each taxi "
            "against itself); 95 % intervals from the Poisson counts. "
            f"{PUBLISHED}. Total {time.perf_counter() - started:.0f} s.",
            "",
            "| seed | elasticity | type | planted | silent | live | crude ratio (95 %) "
            "| difference in differences (95 %) | simulate wall |",
            "|---|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    write_section(section)
    print(section)


Cells = dict[tuple[bool, int], tuple[float, Counter[str]]]
"""(live group?, day) -> (km, events by type)."""


def _group_days(out_dir: Path, truth: GroundTruth) -> Cells:
    """Km (SUMO's speeds, one row a second) and true events of each group on each day."""
    live = {vid for vid, v in truth.vehicles.items() if v.live_from is not None}
    first = datetime.fromisoformat(str(truth.config["start_time"])).date()
    positions = read_truth_positions(out_dir).to_pydict()
    cells: dict[tuple[bool, int], list[Any]] = {}
    for vid, ts, speed in zip(
        positions["vehicle_id"], positions["ts"], positions["speed_mps"], strict=True
    ):
        key = (vid in live, (ts.date() - first).days)
        cell = cells.setdefault(key, [0.0, Counter()])
        cell[0] += speed / 1000.0
    for event in read_truth_events(out_dir):
        key = (event.vehicle_id in live, (event.time.date() - first).days)
        cells.setdefault(key, [0.0, Counter()])[1][event.type.value] += 1
    return {k: (km, counts) for k, (km, counts) in cells.items()}


def _did(cells: Cells, kind: str) -> str:
    """(live day 1 / live day 0) / (controls day 1 / controls day 0), rates per km."""
    parts = [cells.get(k) for k in ((True, 1), (True, 0), (False, 1), (False, 0))]
    if any(p is None or p[0] <= 0 or p[1][kind] == 0 for p in parts):
        return "-"
    (lk1, l1), (lk0, l0), (ck1, c1), (ck0, c0) = parts  # type: ignore[misc]
    ratio = (l1[kind] / lk1) / (l0[kind] / lk0) / ((c1[kind] / ck1) / (c0[kind] / ck0))
    half = 1.96 * math.sqrt(sum(1.0 / p[kind] for p in (l1, l0, c1, c0)))
    return f"{ratio:.2f} ({ratio * math.exp(-half):.2f}-{ratio * math.exp(half):.2f})"


def _ratio(live_n: int, live_km: float, silent_n: int, silent_km: float) -> str:
    if live_n == 0 or silent_n == 0 or live_km <= 0 or silent_km <= 0:
        return "-"
    ratio = (live_n / live_km) / (silent_n / silent_km)
    half = 1.96 * math.sqrt(1.0 / live_n + 1.0 / silent_n)
    return f"{ratio:.2f} ({ratio * math.exp(-half):.2f}-{ratio * math.exp(half):.2f})"


if __name__ == "__main__":
    main()
