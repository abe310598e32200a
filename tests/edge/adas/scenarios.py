"""Trajectory generators for the warning-engine tests: frames at any rate, with noise.

A :class:`Scenario` is the ego vehicle's longitudinal motion, the road users around it
(each with its own longitudinal motion and lateral offset) and, optionally, the lane
distances, turn signal and speed limit over time. :func:`frames` samples it at ``hz``
into frame dicts in the replay format, adding Gaussian sensor noise from a seeded
generator. Ground truth (time to impact, lane distance, deceleration needed to avoid a
crash) comes from the exact trajectories, independently of the engine.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

G = 9.80665
MPH_45 = 20.12
MPH_20 = 8.94
KMH = 1 / 3.6


@dataclass(frozen=True)
class Motion:
    """Along-road motion: position ``s0`` and speed ``v0`` at t = 0, then from ``t_start``
    a constant acceleration ``a`` until the speed reaches ``v_end`` (0 when braking)."""

    s0: float
    v0: float
    a: float = 0.0
    t_start: float = 0.0
    v_end: float | None = None

    def at(self, t: float) -> tuple[float, float, float]:
        """(position, speed, acceleration) at ``t``."""
        if t <= self.t_start or self.a == 0.0:
            return self.s0 + self.v0 * t, self.v0, 0.0
        s1 = self.s0 + self.v0 * self.t_start
        target = self.v_end if self.v_end is not None else (0.0 if self.a < 0 else math.inf)
        reach = (target - self.v0) / self.a
        tau = t - self.t_start
        if tau <= reach:
            return s1 + self.v0 * tau + 0.5 * self.a * tau * tau, self.v0 + self.a * tau, self.a
        s2 = s1 + self.v0 * reach + 0.5 * self.a * reach * reach
        return s2 + target * (tau - reach), target, 0.0


@dataclass(frozen=True)
class Actor:
    """A road user: ``s`` of its motion is the position of its rear (of its body for a
    pedestrian); the ego's ``s`` is its front. Lateral offset ``y0``, moving at ``vy`` from
    ``t_lat`` for ``lat_duration``."""

    id: int
    type: str
    motion: Motion
    y0: float = 0.0
    vy: float = 0.0
    t_lat: float = 0.0
    lat_duration: float = math.inf
    """The lateral motion lasts this long."""
    t_appear: float = 0.0
    """Not seen before this time (a car that cuts in)."""

    def y(self, t: float) -> float:
        """True lateral offset at ``t``."""
        return self.y0 + self.vy * min(max(0.0, t - self.t_lat), self.lat_duration)


def lane_drift(
    rate: float, side: str, start: float = 1.0, inside: float = 0.85
) -> Callable[[float], tuple[float, float]]:
    """Lane distances (left, right) of a car centred in a 3.5 m lane that starts drifting
    toward ``side`` at ``rate`` m/s at ``start`` seconds (tyre-to-marking distances)."""
    total = 2 * inside

    def lanes(t: float) -> tuple[float, float]:
        toward = inside - rate * max(0.0, t - start)
        return (toward, total - toward) if side == "left" else (total - toward, toward)

    return lanes


@dataclass(frozen=True)
class Noise:
    """Standard deviations of the sensor noise."""

    x: float = 0.3
    vx: float = 0.3
    ax: float = 0.5
    y: float = 0.1
    speed: float = 0.05
    accel: float = 0.2
    lane: float = 0.03
    curvature: float = 0.0002


DEFAULT_NOISE = Noise()
"""The noise of every test unless it says otherwise."""


@dataclass(frozen=True)
class Scenario:
    """A situation on the road, sampled by :func:`frames`."""

    name: str
    ego: Motion
    actors: tuple[Actor, ...] = ()
    duration: float = 10.0
    lanes: Callable[[float], tuple[float | None, float | None]] | None = None
    turn_signal: str = "none"
    speed_limit_kmh: float | None = None
    curvature: float | None = None
    """Lane curvature (1/m, left positive) the camera reports, when it reports one."""

    def gap(self, actor: Actor, t: float) -> float:
        """True gap from the ego's front to the actor at ``t``."""
        return actor.motion.at(t)[0] - self.ego.at(t)[0]

    def impact_time(self, actor_id: int, step: float = 0.001) -> float | None:
        """First time the gap to ``actor_id`` closes if nobody reacts, else ``None``."""
        actor = next(a for a in self.actors if a.id == actor_id)
        for k in range(int(self.duration / step) + 1):
            if self.gap(actor, k * step) <= 0.0:
                return k * step
        return None


T0 = 100.0
"""Frame times start here, so that float rounding of real clock values is exercised."""


def frames(
    scenario: Scenario, hz: float, seed: int, noise: Noise = DEFAULT_NOISE
) -> list[dict[str, Any]]:
    """The scenario as frame dicts at ``hz``, ending at impact or after ``duration``."""
    rng = random.Random(seed)
    gauss = rng.gauss
    out: list[dict[str, Any]] = []
    n = int(scenario.duration * hz)
    for k in range(n + 1):
        t = k / hz
        _, v_ego, a_ego = scenario.ego.at(t)
        objects = []
        crashed = False
        for actor in scenario.actors:
            if t < actor.t_appear:
                continue
            _, v, a = actor.motion.at(t)
            x = scenario.gap(actor, t)
            if x <= 0.0 and abs(actor.y(t)) < 2.0:
                crashed = True
            if not 0.0 < x <= 150.0:
                continue
            objects.append(
                {
                    "id": actor.id,
                    "type": actor.type,
                    "x": round(x + gauss(0, noise.x), 3),
                    "y": round(actor.y(t) + gauss(0, noise.y), 3),
                    "vx": round(v - v_ego + gauss(0, noise.vx), 3),
                    "ax": round(a + gauss(0, noise.ax), 3),
                }
            )
        if crashed:
            break
        frame: dict[str, Any] = {
            "t": round(T0 + t, 4),
            "ego": {
                "speed": round(max(0.0, v_ego + gauss(0, noise.speed)), 3),
                "accel": round(a_ego + gauss(0, noise.accel), 3),
                "turn_signal": scenario.turn_signal,
                "brake": a_ego < -0.5,
            },
            "objects": objects,
        }
        if scenario.lanes is not None:
            left, right = scenario.lanes(t)
            frame["lanes"] = {
                "left": None if left is None else round(left + gauss(0, noise.lane), 3),
                "right": None if right is None else round(right + gauss(0, noise.lane), 3),
            }
            if scenario.curvature is not None:
                bend = scenario.curvature + gauss(0, noise.curvature)
                frame["lanes"]["curvature"] = round(bend, 6)
        if scenario.speed_limit_kmh is not None:
            frame["speed_limit_kmh"] = scenario.speed_limit_kmh
        out.append(frame)
    return out


def avoidance_decel(scenario: Scenario, actor_id: int, t0: float) -> float:
    """Smallest constant deceleration (m/s2) from ``t0`` with which the ego avoids the
    actor, found by simulating candidate decelerations (bisection)."""
    actor = next(a for a in scenario.actors if a.id == actor_id)
    s_e0, v_e0, _ = scenario.ego.at(t0)

    def avoids(decel: float, step: float = 0.005) -> bool:
        tau = 0.0
        while True:
            v = v_e0 - decel * tau
            if v <= 0.0:
                tau = v_e0 / decel
            s_e = s_e0 + v_e0 * tau - 0.5 * decel * tau * tau
            if actor.motion.at(t0 + tau)[0] - s_e <= 0.0:
                return False
            if v <= 0.0:
                return True
            tau += step

    low, high = 0.0, 50.0
    for _ in range(24):
        mid = 0.5 * (low + high)
        if mid > 0 and avoids(mid):
            high = mid
        else:
            low = mid
    return high


# --- US NCAP FCW confirmation test (NHTSA 2013): SV at 45 mph ------------------------

LEAD_STOPPED = Scenario(
    "lead stopped",
    ego=Motion(0.0, MPH_45),
    actors=(Actor(1, "vehicle", Motion(150.0, 0.0)),),
    duration=9.0,
)
LEAD_DECELERATING = Scenario(
    "lead decelerating",
    ego=Motion(0.0, MPH_45),
    actors=(Actor(1, "vehicle", Motion(30.0, MPH_45, a=-0.3 * G, t_start=3.0)),),
    duration=9.0,
)
LEAD_SLOWER = Scenario(
    "lead slower",
    ego=Motion(0.0, MPH_45),
    actors=(Actor(1, "vehicle", Motion(100.0, MPH_20)),),
    duration=10.0,
)
NCAP = ((LEAD_STOPPED, 2.1), (LEAD_DECELERATING, 2.4), (LEAD_SLOWER, 2.0))
"""Each NCAP scenario and the time to collision (s) by which the warning must come."""

# --- Situations in which no collision warning may sound -------------------------------

NUISANCE = (
    Scenario(
        "stopped car in the next lane",
        ego=Motion(0.0, MPH_45),
        actors=(Actor(1, "vehicle", Motion(120.0, 0.0), y0=3.5),),
        duration=7.0,
    ),
    Scenario(
        "lead pulling away",
        ego=Motion(0.0, 15.0),
        actors=(Actor(1, "vehicle", Motion(25.0, 15.0, a=1.5, t_start=1.0, v_end=25.0)),),
        duration=10.0,
    ),
    Scenario(
        "steady following at 1.5 s",
        ego=Motion(0.0, 20.0),
        actors=(Actor(1, "vehicle", Motion(30.0, 20.0)),),
        duration=20.0,
    ),
    Scenario(
        "normal stop behind a braking lead",
        ego=Motion(0.0, 50 * KMH, a=-3.0, t_start=3.0),
        actors=(Actor(1, "vehicle", Motion(2.0 * 50 * KMH, 50 * KMH, a=-3.0, t_start=2.0)),),
        duration=12.0,
    ),
    Scenario(
        "pedestrians walking along the kerb",
        ego=Motion(0.0, 50 * KMH),
        actors=(
            Actor(1, "pedestrian", Motion(60.0, -1.4), y0=-2.8),
            Actor(2, "pedestrian", Motion(70.0, 1.4), y0=2.8),
        ),
        duration=6.0,
    ),
    Scenario(
        "car cutting in and pulling away",
        ego=Motion(0.0, 20.0),
        actors=(
            Actor(
                1,
                "vehicle",
                Motion(8.0, 23.0, a=1.0, t_start=1.0, v_end=27.0),
                y0=1.5,
                vy=-1.5,
                t_lat=1.0,
                lat_duration=1.0,
                t_appear=1.0,
            ),
        ),
        duration=8.0,
    ),
)


# --- Harder stops than NCAP's: a lead braking at up to 0.5 g -------------------------

BRAKE_ONSET_S = 2.0
"""The lead of a hard-braking scenario starts braking here (filters have settled)."""
REACTION_BUDGET_S = 0.25
"""A warning can only follow the lead's braking: a combination belongs to the family only
when the true time to collision at brake onset leaves at least this much beyond the 2.4 s
requirement (at 100 km/h, a 15 m gap and 0.5 g, impact is 2.47 s after onset: no system
can warn 2.4 s ahead of it)."""


def hard_braking(speed_kmh: float, gap_m: float, decel_g: float) -> Scenario:
    """Ego and lead at ``speed_kmh``, ``gap_m`` apart; the lead brakes at ``decel_g`` to a
    stop from :data:`BRAKE_ONSET_S`; nobody else reacts."""
    v = speed_kmh * KMH
    return Scenario(
        f"lead braking {decel_g:.1f} g from {speed_kmh:.0f} km/h, {gap_m:.0f} m gap",
        ego=Motion(0.0, v),
        actors=(Actor(1, "vehicle", Motion(gap_m, v, a=-decel_g * G, t_start=BRAKE_ONSET_S)),),
        duration=BRAKE_ONSET_S + 8.0,
    )


def onset_ttc(speed_kmh: float, gap_m: float, decel_g: float) -> float:
    """True time to collision at the lead's brake onset (the lead stops, the ego does not)."""
    v, d = speed_kmh * KMH, decel_g * G
    stop = v / d
    tau = math.sqrt(2.0 * gap_m / d)
    return tau if tau <= stop else (gap_m + v * v / (2.0 * d)) / v


def hard_braking_family(
    speeds_kmh: tuple[float, ...] = (30.0, 50.0, 60.0, 80.0, 100.0),
    gaps_m: tuple[float, ...] = (15.0, 20.0, 30.0, 40.0),
    decels_g: tuple[float, ...] = (0.3, 0.4, 0.5),
) -> list[Scenario]:
    """Every combination in which a warning 2.4 s ahead of impact is physically possible
    (see :data:`REACTION_BUDGET_S`)."""
    return [
        hard_braking(v, g, d)
        for v in speeds_kmh
        for g in gaps_m
        for d in decels_g
        if onset_ttc(v, g, d) >= 2.4 + REACTION_BUDGET_S
    ]


# --- Nuisance families: everyday traffic in which no warning may sound ----------------

NUISANCE_FAMILIES: dict[str, tuple[Scenario, ...]] = {
    "lead turning off": tuple(
        Scenario(
            f"lead slowing to turn off at {v:.0f} km/h, {gap:.0f} m",
            ego=Motion(0.0, v * KMH, a=-1.0, t_start=2.6, v_end=(v - 15) * KMH),
            actors=(
                Actor(
                    1,
                    "vehicle",
                    Motion(gap, v * KMH, a=-2.0, t_start=2.0, v_end=(v - 30) * KMH),
                    vy=side * 1.5,
                    t_lat=3.5,
                    lat_duration=2.5,
                ),
            ),
            duration=8.0,
        )
        for v, gap, side in ((50.0, 30.0, -1.0), (60.0, 35.0, 1.0), (70.0, 40.0, -1.0))
    ),
    "overtaking": tuple(
        Scenario(
            f"overtaking a car at {v_lead:.0f} km/h from {v:.0f} km/h",
            ego=Motion(0.0, v * KMH),
            actors=(
                Actor(
                    1,
                    "vehicle",
                    Motion(60.0, v_lead * KMH),
                    vy=-1.2,
                    t_lat=(60.0 - lat_gap) / ((v - v_lead) * KMH),
                    lat_duration=3.5 / 1.2,
                ),
            ),
            turn_signal="left",
            duration=12.0,
        )
        for v, v_lead, lat_gap in ((80.0, 60.0, 35.0), (100.0, 70.0, 50.0), (60.0, 40.0, 35.0))
    ),
    "parked cars": tuple(
        Scenario(
            f"parked cars {abs(y):.1f} m to the {'right' if y < 0 else 'left'} at {v:.0f} km/h",
            ego=Motion(0.0, v * KMH),
            actors=tuple(
                Actor(i + 1, "vehicle", Motion(30.0 + 12.0 * i, 0.0), y0=y) for i in range(6)
            ),
            duration=8.0,
        )
        for v, y in ((50.0, -2.7), (40.0, 2.7), (30.0, -2.6))
    ),
    "adjacent lane": tuple(
        Scenario(
            f"car in the {'left' if y > 0 else 'right'} lane braking at {d:.1f} g",
            ego=Motion(0.0, v * KMH),
            actors=(Actor(1, "vehicle", Motion(25.0, v * KMH, a=-d * G, t_start=2.0), y0=y),),
            duration=8.0,
        )
        for v, y, d in ((60.0, 3.5, 0.5), (80.0, -3.5, 0.4), (50.0, 3.3, 0.5))
    ),
    "slowing in traffic": tuple(
        Scenario(
            f"queue slowing from {v:.0f} to {v_end:.0f} km/h, {gap:.0f} m",
            ego=Motion(0.0, v * KMH, a=-d, t_start=2.0 + lag, v_end=v_end * KMH),
            actors=(
                Actor(1, "vehicle", Motion(gap, v * KMH, a=-d, t_start=2.0, v_end=v_end * KMH)),
            ),
            duration=10.0,
        )
        for v, v_end, gap, d, lag in (
            (50.0, 10.0, 20.0, 1.5, 0.8),
            (70.0, 30.0, 30.0, 2.0, 1.0),
            (40.0, 5.0, 12.0, 1.0, 0.8),
        )
    ),
}
"""Each family's variants. Ground truth keeps every one a nuisance: while the other car is
in the ego's path, the true time to collision (with both accelerations) stays above
:data:`NUISANCE_MIN_TTC_S` (checked by ``test_nuisance.py``)."""

NUISANCE_MIN_TTC_S = 4.0
"""Smallest true time to collision in a nuisance scenario: well above any threshold."""


def true_min_ttc(scenario: Scenario, reach: float = 2.0, step: float = 0.05) -> float:
    """Smallest true time to collision (both vehicles keep their present acceleration,
    a braking one stops) with any vehicle while its centre is within ``reach`` of the
    ego's centre line (2.0 m: a car's overlap with the engine's path)."""
    from roadsense.edge.adas.kinematics import time_to_contact

    best = math.inf
    for k in range(int(scenario.duration / step) + 1):
        t = k * step
        _, v_ego, a_ego = scenario.ego.at(t)
        for actor in scenario.actors:
            if actor.type in ("pedestrian", "bicycle") or t < actor.t_appear:
                continue
            if abs(actor.y(t)) > reach:
                continue
            _, v, a = actor.motion.at(t)
            ttc = time_to_contact(scenario.gap(actor, t), v_ego, a_ego, v, a, 10.0)
            if ttc is not None:
                best = min(best, ttc)
    return best
