"""Does the planted roll-out effect reach the warnings? The truth's live/silent ratios.

Run: ``.venv/bin/python bench/rollout_effect.py`` (about 10 minutes on 2 cores). Simulates
100 taxis for two days of an hour, every unit silent on the first day and half of them
live on the second (one wave), for two seeds, with the warned driver's longer time gap
(``warned_gap_elasticity`` 1, the default) and without it (0: the spells alone carry the
effect). For each run and warning type, from the truth's events and SUMO's speeds:

- the crude ratio of ``ground_truth.json`` (live over silent events per km), which mixes
  the effect with who is in the live group (a few drivers make most warnings);
- the difference in differences: the live group's day-2 over day-1 rate, over the
  controls' day-2 over day-1 rate (each group's km and events pooled), as a roll-out is
  judged, with a 95 % interval by resampling taxis within each group (a driver's bursts
  of warnings are one driver's);

the crude ratio's interval is from the Poisson counts (log scale). Beside: the planted
ratio. Device faults are off (a blind unit on the second day would bias one group).
The truth is SUMO's driving read by the units' rules, not an estimate of the platform
(``roadsense evaluate rollout`` estimates from what the platform stored). Writes the
table to docs/benchmarks.md.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import numpy as np

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
                    device_faults=False,
                    write_truth_positions=True,
                )
                t0 = time.perf_counter()
                run_simulation(config)
                wall = time.perf_counter() - t0
                truth = load_ground_truth(Path(tmp))
                taxis = _taxi_days(Path(tmp), truth)
            assert truth.rollout is not None
            for r in truth.rollout.ratios:
                crude = _crude(r.rate_ratio, r.live_events, r.silent_events)
                did = _did(taxis, r.event_type, seed)
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
            "over silent events per km (`ground_truth.json`), 95 % interval from the "
            "Poisson counts; difference in differences: the live group's second day over "
            "its first, over the controls' (km and events pooled per group), 95 % interval "
            f"from {RESAMPLES} resamples of the taxis within each group. Device faults off. "
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


TaxiDays = dict[str, tuple[bool, np.ndarray, dict[str, np.ndarray]]]
"""taxi -> (live group?, km on day 0 and 1, events on day 0 and 1 by type)."""
RESAMPLES = 2000
Pair = tuple[np.ndarray, np.ndarray]
"""One taxi's km and events on day 0 and 1."""


def _pooled(group: list[Pair]) -> Pair:
    if not group:
        return np.zeros(2), np.zeros(2)
    return np.sum([k for k, _ in group], axis=0), np.sum([n for _, n in group], axis=0)


def _taxi_days(out_dir: Path, truth: GroundTruth) -> TaxiDays:
    """Each taxi's km (SUMO's speeds, one row a second) and true events on each day."""
    live = {vid for vid, v in truth.vehicles.items() if v.live_from is not None}
    first = datetime.fromisoformat(str(truth.config["start_time"])).date()
    positions = read_truth_positions(out_dir).to_pydict()
    km: dict[str, np.ndarray] = {}
    for vid, ts, speed in zip(
        positions["vehicle_id"], positions["ts"], positions["speed_mps"], strict=True
    ):
        km.setdefault(vid, np.zeros(2))[(ts.date() - first).days] += speed / 1000.0
    events: dict[str, dict[str, np.ndarray]] = {vid: {} for vid in km}
    for event in read_truth_events(out_dir):
        counts = events[event.vehicle_id].setdefault(event.type.value, np.zeros(2))
        counts[(event.time.date() - first).days] += 1
    return {vid: (vid in live, km[vid], events[vid]) for vid in km}


def _did(taxis: TaxiDays, kind: str, seed: int) -> str:
    """(live group's day-1 rate / its day-0 rate) / (the controls' likewise), each group's
    km and events pooled; the interval by resampling taxis within each group, so that a
    driver's bursts of warnings count as one driver's."""
    groups = [
        [(k, e.get(kind, np.zeros(2))) for is_live, k, e in taxis.values() if is_live == live]
        for live in (True, False)
    ]

    def ratio(live: list[Pair], ctrl: list[Pair]) -> float:
        lk, ln = _pooled(live)
        ck, cn = _pooled(ctrl)
        if min(lk.min(), ck.min(), ln.min(), cn.min()) <= 0:
            return math.nan
        return float((ln[1] / lk[1]) / (ln[0] / lk[0]) / ((cn[1] / ck[1]) / (cn[0] / ck[0])))

    point = ratio(*groups)
    if math.isnan(point):
        return "-"
    rng = np.random.default_rng(seed)
    draws = [
        ratio(*[[g[i] for i in rng.integers(0, len(g), len(g))] for g in groups])
        for _ in range(RESAMPLES)
    ]
    finite = [d for d in draws if math.isfinite(d)]
    low, high = np.percentile(finite, [2.5, 97.5])
    return f"{point:.2f} ({low:.2f}-{high:.2f})"


def _crude(ratio: float | None, live_n: int, silent_n: int) -> str:
    """The truth's own live/silent ratio, with a 95 % interval from its Poisson counts."""
    if ratio is None or live_n == 0 or silent_n == 0:
        return "-"
    half = 1.96 * math.sqrt(1.0 / live_n + 1.0 / silent_n)
    return f"{ratio:.2f} ({ratio * math.exp(-half):.2f}-{ratio * math.exp(half):.2f})"


if __name__ == "__main__":
    main()
