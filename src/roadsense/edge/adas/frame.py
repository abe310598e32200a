"""One moment of the scene: the ego vehicle, the objects ahead, the lane, the speed limit.

Frames come from a camera's object list, from Mobileye obstacle frames or from the
simulator, and are read from one JSON object per line::

    {"t": 12.30, "ego": {"speed": 20.1, "accel": -0.2, "turn_signal": "none",
     "brake": false}, "objects": [{"id": 7, "type": "vehicle", "x": 42.0, "y": 0.1,
     "vx": -20.1, "ax": 0.0}], "lanes": {"left": 1.2, "right": 0.9},
     "speed_limit_kmh": 60}

``lanes`` may also carry ``curvature`` (1/m, positive bending left), which LDW uses to stay
silent in sharp curves and while the driver cuts a curve.

Only ``t`` is required; of an object, ``id`` and ``x``. Unknown fields are ignored so
that newer producers stay readable. :func:`parse_frame` checks everything else and raises
:class:`FrameError` naming the field at fault.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from roadsense.errors import RoadsenseError


class FrameError(RoadsenseError, ValueError):
    """A frame that cannot be read; the message names the field at fault."""


class ObjectType(StrEnum):
    """What an object is."""

    VEHICLE = "vehicle"
    TRUCK = "truck"
    MOTORCYCLE = "motorcycle"
    BICYCLE = "bicycle"
    PEDESTRIAN = "pedestrian"


VEHICLE_TYPES = frozenset({ObjectType.VEHICLE, ObjectType.TRUCK, ObjectType.MOTORCYCLE})
"""Targets of FCW, UFCW and HMW."""
VULNERABLE_TYPES = frozenset({ObjectType.PEDESTRIAN, ObjectType.BICYCLE})
"""Targets of PCW."""

TURN_SIGNALS = ("none", "left", "right")
MAX_CURVATURE = 0.2
"""1/m: a 5 m radius, tighter than any road a car can follow; more is a unit error."""


@dataclass(frozen=True, slots=True)
class Ego:
    """The vehicle carrying the unit."""

    speed: float | None = None
    """m/s; ``None`` when not known (rules that need it stay silent)."""
    accel: float | None = None
    """Longitudinal acceleration, m/s2 (negative when braking)."""
    turn_signal: str = "none"
    """``none``, ``left`` or ``right``."""
    brake: bool = False


@dataclass(frozen=True, slots=True)
class TrackedObject:
    """One object as the sensor reports it in one frame."""

    id: int
    type: ObjectType
    x: float
    """Longitudinal gap from the ego's front to the object, m."""
    y: float = 0.0
    """Lateral offset of the object's centre from the ego's centre line, m, left positive."""
    vx: float | None = None
    """Object speed minus ego speed along x, m/s (negative when closing); ``None``: the
    engine derives it from the range."""
    ax: float | None = None
    """The object's own longitudinal acceleration, m/s2; ``None`` counts as 0."""


@dataclass(frozen=True, slots=True)
class Lanes:
    """Distance from the outer edge of each front tyre to the inner edge of that marking, m:
    positive inside the lane, negative once crossed, ``None`` when the marking is not seen."""

    left: float | None = None
    right: float | None = None
    curvature: float | None = None
    """Curvature of the lane ahead, 1/m (1 / radius), positive when the road bends left;
    ``None`` when not known (then LDW cannot tell a curve from a straight road)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything the engine sees at time ``t`` (seconds)."""

    t: float
    ego: Ego = Ego()
    objects: tuple[TrackedObject, ...] = ()
    lanes: Lanes = Lanes()
    speed_limit_kmh: float | None = None


def _number(value: Any, where: str, *, optional: bool = False) -> float | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FrameError(f"{where}: expected a number, got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise FrameError(f"{where}: expected a finite number, got {value!r}")
    return number


def _required(value: Any, where: str) -> float:
    number = _number(value, where)
    assert number is not None
    return number


def _mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FrameError(f"{where}: expected an object, got {value!r}")
    return value


def _ego(raw: Any) -> Ego:
    data = _mapping(raw, "ego")
    speed = _number(data.get("speed"), "ego.speed", optional=True)
    if speed is not None and speed < 0.0:
        raise FrameError(f"ego.speed: must not be negative, got {speed!r}")
    signal = data.get("turn_signal", "none")
    if signal is None:
        signal = "none"
    if signal not in TURN_SIGNALS:
        raise FrameError(f"ego.turn_signal: expected none, left or right, got {signal!r}")
    brake = data.get("brake", False)
    if brake is None:
        brake = False
    if not isinstance(brake, bool):
        raise FrameError(f"ego.brake: expected true or false, got {brake!r}")
    accel = _number(data.get("accel"), "ego.accel", optional=True)
    return Ego(speed, accel, signal, brake)


def _object(raw: Any, where: str) -> TrackedObject:
    data = _mapping(raw, where)
    ident = data.get("id")
    if isinstance(ident, bool) or not isinstance(ident, int):
        raise FrameError(f"{where}.id: expected an integer, got {ident!r}")
    kind = data.get("type", "vehicle")
    try:
        object_type = ObjectType(kind)
    except ValueError:
        names = ", ".join(t.value for t in ObjectType)
        raise FrameError(f"{where}.type: expected one of {names}, got {kind!r}") from None
    return TrackedObject(
        ident,
        object_type,
        _required(data.get("x"), f"{where}.x"),
        _number(data.get("y", 0.0), f"{where}.y", optional=True) or 0.0,
        _number(data.get("vx"), f"{where}.vx", optional=True),
        _number(data.get("ax"), f"{where}.ax", optional=True),
    )


def frame_from_dict(data: Any) -> Frame:
    """Check one decoded frame and build a :class:`Frame`."""
    data = _mapping(data, "frame")
    t = _required(data.get("t"), "t")
    ego = _ego(data["ego"]) if data.get("ego") is not None else Ego()
    objects: tuple[TrackedObject, ...] = ()
    raw_objects = data.get("objects")
    if raw_objects is not None:
        if not isinstance(raw_objects, list):
            raise FrameError(f"objects: expected a list, got {raw_objects!r}")
        objects = tuple(_object(o, f"objects[{i}]") for i, o in enumerate(raw_objects))
        ids = [o.id for o in objects]
        if len(set(ids)) != len(ids):
            raise FrameError(f"objects: the same id appears twice in {ids}")
    lanes = Lanes()
    if data.get("lanes") is not None:
        raw_lanes = _mapping(data["lanes"], "lanes")
        curvature = _number(raw_lanes.get("curvature"), "lanes.curvature", optional=True)
        if curvature is not None and abs(curvature) > MAX_CURVATURE:
            raise FrameError(
                f"lanes.curvature: expected at most {MAX_CURVATURE} 1/m either way, "
                f"got {curvature!r}"
            )
        lanes = Lanes(
            _number(raw_lanes.get("left"), "lanes.left", optional=True),
            _number(raw_lanes.get("right"), "lanes.right", optional=True),
            curvature,
        )
    limit = _number(data.get("speed_limit_kmh"), "speed_limit_kmh", optional=True)
    if limit is not None and not 0.0 < limit <= 200.0:
        raise FrameError(f"speed_limit_kmh: expected 0 < limit <= 200, got {limit!r}")
    return Frame(t, ego, objects, lanes, limit)


def parse_frame(line: str) -> Frame:
    """Read one JSON line into a :class:`Frame`; :class:`FrameError` says what is wrong."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise FrameError(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    except RecursionError:
        raise FrameError("not valid JSON: nested too deeply") from None
    return frame_from_dict(data)
