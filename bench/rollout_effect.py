"""Does the planted roll-out effect reach the warnings? The truth's live/silent ratios.

Run: ``.venv/bin/python bench/rollout_effect.py`` (about 5 minutes on 2 cores). Simulates
100 taxis for two days of an hour, every unit silent on the first day and half of them
live on the second (one wave), for two seeds, with the warned driver's longer time gap
(``warned_gap_elasticity`` 1, the default) and without it (0: the spells alone carry the
effect). For each run and warning type: the truth's live and silent events and km, and
their rate ratio with a 95 % interval (Poisson counts, log scale), beside the planted
ratio. The truth is SUMO's driving read by the units' rules, not an estimate of the
platform; ``roadsense evaluate rollout`` estimates from what the platform stored.
Writes the table to docs/benchmarks.md.
"""

from __future__ import annotations

import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks_doc import machine, write_section
from roadsense.sim import SimConfig, load_ground_truth, run_simulation

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
                )
                t0 = time.perf_counter()
                run_simulation(config)
                wall = time.perf_counter() - t0
                truth = load_ground_truth(Path(tmp))
            assert truth.rollout is not None
            for r in truth.rollout.ratios:
                ratio = _ratio(r.live_events, r.live_km, r.silent_events, r.silent_km)
                rows.append(
                    f"| {seed} | {elasticity:g} | {r.event_type} | {r.planted_rate_ratio:.2f} | "
                    f"{r.silent_events} in {r.silent_km:.0f} km | "
                    f"{r.live_events} in {r.live_km:.0f} km | {ratio} | {wall:.0f} s |"
                )
            print(rows[-3:], file=sys.stderr)
    section = "\n".join(
        [
            "## The roll-out's planted effect in the truth (`bench/rollout_effect.py`)",
            "",
            f"Command: `.venv/bin/python bench/rollout_effect.py`, {machine()}; "
            f"{VEHICLES} taxis, two days of {HOURS:g} h, one wave (half the taxis live on "
            "the second day), SSM off. Elasticity: how far a warned driver lengthens their "
            "time gap (0: only the spells' rates change). Ratio: the truth's live over "
            "silent events per km, 95 % interval from the Poisson counts. "
            f"{PUBLISHED}. Total {time.perf_counter() - started:.0f} s.",
            "",
            "| seed | elasticity | type | planted | silent | live | true ratio (95 %) "
            "| simulate wall |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )
    write_section(section)
    print(section)


def _ratio(live_n: int, live_km: float, silent_n: int, silent_km: float) -> str:
    if live_n == 0 or silent_n == 0 or live_km <= 0 or silent_km <= 0:
        return "-"
    ratio = (live_n / live_km) / (silent_n / silent_km)
    half = 1.96 * math.sqrt(1.0 / live_n + 1.0 / silent_n)
    return f"{ratio:.2f} ({ratio * math.exp(-half):.2f}-{ratio * math.exp(half):.2f})"


if __name__ == "__main__":
    main()
