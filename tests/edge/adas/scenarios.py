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
