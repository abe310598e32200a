"""Time to contact and the deceleration needed to avoid contact, with accelerations.

Both vehicles are taken to keep their present acceleration, except that a braking vehicle
stops and stays stopped (it does not drive backwards). That makes the time to contact of a
decelerating lead come out right (US NCAP's decelerating-lead test judges the warning by
such a time), where range / closing speed would be too long.
"""

from __future__ import annotations

import math

_EPS = 1e-9


def _first_root(gap: float, dv: float, da: float, span: float) -> float | None:
    """Smallest tau in (0, span] with gap + dv*tau + da*tau^2/2 <= 0, or None."""
    if gap <= 0.0:
        return 0.0
    if abs(da) < _EPS:
        if dv < 0.0:
            tau = -gap / dv
            return tau if tau <= span else None
        return None
    disc = dv * dv - 2.0 * da * gap
    if disc < 0.0:
        return None
    root = math.sqrt(disc)
    # Roots of 0.5*da*tau^2 + dv*tau + gap = 0; the smaller positive one comes first.
    for tau in sorted(((-dv - root) / da, (-dv + root) / da)):
        if 0.0 < tau <= span:
            return tau
    return None


def time_to_contact(
    gap: float,
    v_ego: float,
    a_ego: float,
    v_obj: float,
    a_obj: float,
    horizon: float = 10.0,
) -> float | None:
    """Seconds until the gap closes, or ``None`` if it stays open within ``horizon``.

    ``gap`` in m; speeds (m/s, not negative) and accelerations (m/s2) of the ego vehicle
    and of the object ahead along the same line.
    """
    v_ego = max(v_ego, 0.0)
    v_obj = max(v_obj, 0.0)
    if v_ego == 0.0 and a_ego < 0.0:
        a_ego = 0.0
    if v_obj == 0.0 and a_obj < 0.0:
        a_obj = 0.0
    # Moments at which a braking vehicle stops split the horizon into pieces; within
    # each piece both accelerations are constant and the gap is a quadratic in time.
    stops = []
    if a_ego < 0.0:
        stops.append(-v_ego / a_ego)
    if a_obj < 0.0:
        stops.append(-v_obj / a_obj)
    stops.sort()
    start = 0.0
    for end in [*(s for s in stops if s < horizon), horizon]:
        span = end - start
        dv = v_obj - v_ego
        da = a_obj - a_ego
        tau = _first_root(gap, dv, da, span)
        if tau is not None:
            return start + tau
        gap += dv * span + 0.5 * da * span * span
        v_ego += a_ego * span
        v_obj += a_obj * span
        if a_ego < 0.0 and v_ego <= _EPS:
            v_ego, a_ego = 0.0, 0.0
        if a_obj < 0.0 and v_obj <= _EPS:
            v_obj, a_obj = 0.0, 0.0
        start = end
    return None


def required_deceleration(gap: float, v_ego: float, v_obj: float, a_obj: float) -> float:
    """Constant deceleration (m/s2, positive) the ego needs from now to avoid contact.

    The object ahead keeps ``a_obj`` until it stops. ISO 15623 asks that a collision
    warning come before this exceeds a threshold of at most 0.68 g.
    """
    v_ego = max(v_ego, 0.0)
    v_obj = max(v_obj, 0.0)
    if gap <= 0.0:
        return math.inf
    brake = max(-a_obj, 0.0) if v_obj > 0.0 else 0.0
    closing = v_ego - v_obj
    if closing > 0.0:
        # Match speeds while the object still moves: gap lost = closing^2 / (2 (d - brake)).
        needed = brake + closing * closing / (2.0 * gap)
        if brake == 0.0 or 2.0 * gap / closing <= v_obj / brake:
            return needed
    if brake == 0.0:
        return 0.0
    # The object stops first: the ego must stop within the gap plus the object's stop.
    return v_ego * v_ego / (2.0 * (gap + v_obj * v_obj / (2.0 * brake)))
