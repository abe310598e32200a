"""The taxi drivers: heavy-tailed risk, car following, and the spells that make units warn.

Each driver draws a **risk** from a lognormal distribution with mean 1 and sigma
:data:`RISK_SIGMA` (0.9): the riskiest tenth of the drivers have about a third of the
total risk, as published fleets show (a few drivers make many of the warnings). Risk sets:

- car following (SUMO's IDM): desired time gap ``tau`` (median 1.2 s, shorter for risky
  drivers), comfortable deceleration (median 2.2 m/s2) and maximum acceleration
  (median 1.7 m/s2), a little higher for risky drivers; speed factor around 1;
- **close-following spells**: a Poisson process per km driven at 30 km/h or more, at
  ``TAILGATE_PER_KM * risk`` spells per km; during a spell (30-90 s, or until the taxi
  slows under 20 km/h or the car ahead brakes, ``TAILGATE_LEAD_BRAKE_MPS2``, when the
  driver falls back to their own time gap at once) the driver pushes on
  (``TAILGATE_SPEED_FACTOR`` times their usual speed), keeps ``TAILGATE_MIN_GAP_M``
  (2 m) at a standstill and a time gap of ``TAILGATE_TAU_S`` (0.3-0.6 s), which a unit
  warns about (HMW) whenever the taxi follows another car above 30 km/h;
- **inattention spells**: a Poisson process per km at ``INATTENTION_PER_KM * risk``;
  during one (2-4 s) the driver stops reacting (SUMO's action step is stretched to 2 s),
  so a lead that brakes or a queue that stops comes too close (FCW, UFCW).

Once a taxi's unit is live (its warnings audible), the driver, warned, starts spells less
often: each rate is multiplied by the planted ratio of the warning it causes
(:mod:`roadsense.sim.rollout`); and keeps a longer ordinary time gap
(:func:`warned_style`), since most headway warnings come from ordinary following at a
short gap rather than from spells. Nothing here knows the unit's thresholds beyond the
published ones named above.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

RISK_SIGMA = 0.9
"""Sigma of the drivers' lognormal risk (its mean is 1)."""
TAILGATE_PER_KM = 8.0
"""Close-following spells per km driven at 30 km/h or more, for a driver of risk 1."""
TAILGATE_FROM_MPS = 30.0 / 3.6
"""Close-following spells begin on the open road only (a driver pushes on where it is
fast)."""
TAILGATE_UNTIL_MPS = 20.0 / 3.6
"""... and end when the traffic slows under this (a queue is not pushed)."""
TAILGATE_S = (30.0, 90.0)
TAILGATE_SPEED_FACTOR = 1.05
TAILGATE_MIN_GAP_M = 2.0
"""During a close-following spell the driver also pushes on: faster than the flow, so
they close up on the car ahead."""
TAILGATE_TAU_S = (0.3, 0.6)
TAILGATE_LEAD_BRAKE_MPS2 = 2.0
"""A close-following spell also ends when the car ahead brakes this hard or harder (a real
stop, for a queue or a light ahead: a normal stop brakes at 2-3 m/s2, easing off less), and
the driver then wants their own time gap at once, not gradually. A close follower is
watching the car ahead, the opposite of an inattentive one: brake lights ahead that mean a
stop are the cue to stop pushing and drop back. Without this the spell's 0.3-0.6 s gap was
carried into every queue that stopped ahead, and the taxi, braking at most its own
deceleration plus a margin behind a lead braking up to 3.4 m/s2, came upon the queue's tail
at 15-30 km/h: every UFCW of the calibration run (13 of 13) began in a spell or a second
after one ended, UFCW was 0.19 of HMW against 0.11 in the Acudrive fleet (2.21 and 20.61
per 100 km, ``../shared/reference/field-rates.md``), and the UFCW share was 15.7 %
(published 0.5-10 %). HMW, a warning about steady following at speed (active above about
30 km/h, ``adas-standards.md``), is hardly changed: a spell lasts until the lead brakes.
In the 50-taxi hour (``bench/sim_calibration.py``, seeds 42 and 7) UFCW went from 13 and
13 to 3 and 7, HMW from 70 and 81 to 70 and 98. At 1.5 m/s2 (any braking) UFCW fell to
1-5 an hour, near the bottom of its range, and HMW by up to a fifth; at 2.5 the sudden
longer gaps behind hard-braking leads made harsh brakes (5.4 per 100 km, range 0.1-5)."""
INATTENTION_PER_KM = 0.005
"""Inattention spells per km for a driver of risk 1."""
INATTENTION_S = (2.0, 4.0)
INATTENTION_ACTION_S = 2.0
"""SUMO action step length during an inattention spell (the driver reacts this late)."""


@dataclass(frozen=True)
class DriverStyle:
    """Car-following parameters of one driver (SUMO's IDM)."""

    tau_s: float
    min_gap_m: float
    imperfection: float
    decel_mps2: float
    apparent_decel_mps2: float
    accel_mps2: float
    speed_factor: float


@dataclass(frozen=True)
class Driver:
    """One taxi driver: the style and the risk the simulation gave them."""

    style: DriverStyle
    risk: float


def draw_driver(rng: random.Random) -> Driver:
    """A driver with a lognormal risk and the car-following style that goes with it."""
    risk = math.exp(rng.gauss(-(RISK_SIGMA**2) / 2.0, RISK_SIGMA))
    bold = risk**0.1
    decel = round(min(max(rng.lognormvariate(math.log(2.2), 0.12) * bold, 1.5), 4.0), 2)
    tau = min(max(rng.lognormvariate(math.log(1.2), 0.15) / bold, 0.8), MAX_TAU_S)
    return Driver(
        style=DriverStyle(
            tau_s=round(tau, 2),
            min_gap_m=round(rng.uniform(2.0, 3.0), 2),
            imperfection=0.0,
            decel_mps2=decel,
            apparent_decel_mps2=decel,
            accel_mps2=round(min(max(rng.lognormvariate(math.log(1.7), 0.12) * bold, 1.0), 3.4), 2),
            speed_factor=round(min(max(rng.gauss(1.0, 0.07) * risk**0.03, 0.8), 1.25), 3),
        ),
        risk=round(risk, 4),
    )


WARNED_GAP_ELASTICITY = 1.0
"""How far a warned driver lengthens their ordinary time gap: it is divided by the planted
HMW ratio to this power (0.75: 1.2 s becomes 1.6 s). With spells alone the live/silent HMW
ratio of the truth stayed near 0.95 for a planted 0.75 (docs/simulation.md); measured on
100 taxis for an hour with every unit silent, then every unit live: 1.05 (spells only),
0.82 (elasticity 1), 0.67 (elasticity 2), one seed each. 1 is the smallest change of the
gap that reaches the warnings, and keeps warned drivers inside the drivers' drawn range of
0.8-2.2 s."""
MAX_TAU_S = 2.2
"""The longest ordinary time gap a driver keeps (the top of the drawn range)."""


def warned_style(
    style: DriverStyle, hmw_ratio: float, elasticity: float = WARNED_GAP_ELASTICITY
) -> DriverStyle:
    """``style`` of a driver whose unit is live: the ordinary time gap divided by the
    planted HMW ratio to the power ``elasticity``, at most :data:`MAX_TAU_S` (never shorter
    than the driver's own)."""
    if not 0.0 < hmw_ratio <= 1.0:
        raise ValueError(f"a warned driver's HMW ratio must be in (0, 1], got {hmw_ratio}")
    tau = style.tau_s / hmw_ratio**elasticity
    return replace(style, tau_s=round(max(style.tau_s, min(tau, MAX_TAU_S)), 2))


@dataclass
class Spell:
    """A spell in progress: what it is and when it ends (simulation seconds)."""

    kind: str
    """``tailgate`` or ``inattention``."""
    until_s: float
    tau_s: float = 0.0


class DriverSpells:
    """When one driver's spells begin and end, as the taxi drives."""

    def __init__(self, driver: Driver, rng: random.Random) -> None:
        self.driver = driver
        self._rng = rng
        self.spell: Spell | None = None

    def advance(
        self,
        now_s: float,
        metres: float,
        tailgate_factor: float,
        inattention_factor: float,
        lead_braking: bool = False,
    ) -> tuple[Spell | None, Spell | None]:
        """Drive ``metres`` more at ``now_s``; returns (spell begun, spell ended), either
        None. ``*_factor`` multiply the rates (1 silent, the planted ratio once live);
        ``lead_braking``: the car ahead brakes (:data:`TAILGATE_LEAD_BRAKE_MPS2`), which ends
        a close-following spell."""
        spell = self.spell
        if spell is not None:
            slowed = spell.kind == "tailgate" and (metres < TAILGATE_UNTIL_MPS or lead_braking)
            if now_s < spell.until_s and not slowed:
                return None, None
            self.spell = None
            return None, spell
        km = metres / 1000.0
        risk = self.driver.risk
        rng = self._rng
        open_road = metres >= TAILGATE_FROM_MPS  # one second's driving at 30 km/h or more
        tailgate = TAILGATE_PER_KM * risk * tailgate_factor * km if open_road else 0.0
        if tailgate and rng.random() < 1.0 - math.exp(-tailgate):
            self.spell = Spell(
                "tailgate", now_s + rng.uniform(*TAILGATE_S), round(rng.uniform(*TAILGATE_TAU_S), 2)
            )
        elif rng.random() < 1.0 - math.exp(-INATTENTION_PER_KM * risk * inattention_factor * km):
            self.spell = Spell("inattention", now_s + rng.uniform(*INATTENTION_S))
        return self.spell, None
