"""Run scenarios through the engine; print the US NCAP FCW table of docs/adas.md.

``.venv/bin/python -m tests.edge.adas.harness`` prints the table; the NCAP tests check
the very same trials.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from roadsense.edge.adas import AdasConfig, WarningEngine, WarningOnset, frame_from_dict

from .scenarios import DEFAULT_NOISE, NCAP, T0, G, Noise, Scenario, avoidance_decel, frames

SEEDS = range(7)
RATES = (10, 20)


def run(
    scenario: Scenario,
    hz: float,
    seed: int = 0,
    noise: Noise = DEFAULT_NOISE,
    config: AdasConfig | None = None,
) -> list[WarningOnset]:
    """Every warning onset of one trial, with times relative to the scenario's start."""
    engine = WarningEngine(config)
    onsets: list[WarningOnset] = []
    for frame in frames(scenario, hz, seed, noise):
        for onset in engine.step(frame_from_dict(frame)):
            onsets.append(WarningOnset(onset.t - T0, onset.type, onset.level, onset.measurements))
    return onsets


@dataclass(frozen=True)
class NcapResult:
    """Seven trials of one NCAP scenario at one input rate."""

    scenario: str
    hz: int
    required_ttc: float
    warning_ttcs: list[float | None]
    """True time to collision at each trial's first FCW (None: no warning)."""
    avoidance_g: float
    """Deceleration (g) needed to avoid the crash at the latest warning of the seven."""

    @property
    def in_time(self) -> int:
        """Trials that warned by the required time to collision."""
        return sum(1 for t in self.warning_ttcs if t is not None and t >= self.required_ttc)


def ncap_trials(scenario: Scenario, required_ttc: float, hz: int) -> NcapResult:
    """Run the seven trials (seeds 0-6) and judge them against ground truth."""
    impact = scenario.impact_time(1)
    assert impact is not None
    ttcs: list[float | None] = []
    for seed in SEEDS:
        fcw = [o for o in run(scenario, hz, seed) if o.type == "FCW"]
        ttcs.append(round(impact - fcw[0].t, 3) if fcw else None)
    warned = [t for t in ttcs if t is not None]
    latest = impact - min(warned) if warned else impact
    return NcapResult(
        scenario.name, hz, required_ttc, ttcs, avoidance_decel(scenario, 1, latest) / G
    )


def main() -> None:
    """Print the NCAP table in Markdown."""
    print(
        "| scenario | input | required TTC | in time | warning TTC min / median / max "
        "| avoidance decel at latest warning |"
    )
    print("|---|---|---|---|---|---|")
    for scenario, required in NCAP:
        for hz in RATES:
            r = ncap_trials(scenario, required, hz)
            warned = [t for t in r.warning_ttcs if t is not None]
            spread = (
                f"{min(warned):.2f} / {statistics.median(warned):.2f} / {max(warned):.2f} s"
                if warned
                else "-"
            )
            print(
                f"| {r.scenario} | {hz} Hz | >= {required} s | {r.in_time}/7 | {spread} "
                f"| {r.avoidance_g:.2f} g |"
            )


if __name__ == "__main__":
    main()
