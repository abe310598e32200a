"""The ego vehicle's path: which objects it would hit if it drove straight on.

The frame format carries no yaw rate or road curvature, so the path is a straight corridor
as wide as the ego plus a margin on each side; an object is in it when its sides overlap
the corridor. On a curve this sees a car in the next lane as in the path and misses a lead
vehicle that the curve has carried sideways: a known limit of straight-line inputs.
"""

from __future__ import annotations

from roadsense.edge.adas.config import PathConfig
from roadsense.edge.adas.frame import ObjectType


class Corridor:
    """Half-widths of the corridor per object type, computed once."""

    __slots__ = ("_reach",)

    def __init__(self, config: PathConfig) -> None:
        half = 0.5 * config.ego_width_m + config.margin_m
        widths = {
            ObjectType.VEHICLE: config.vehicle_width_m,
            ObjectType.TRUCK: config.truck_width_m,
            ObjectType.MOTORCYCLE: config.motorcycle_width_m,
            ObjectType.BICYCLE: config.bicycle_width_m,
            ObjectType.PEDESTRIAN: config.pedestrian_width_m,
        }
        self._reach = {kind: half + 0.5 * width for kind, width in widths.items()}

    def reach(self, kind: ObjectType) -> float:
        """Largest lateral offset (m) of an object's centre that still overlaps the path."""
        return self._reach[kind]

    def contains(self, kind: ObjectType, y: float) -> bool:
        """Whether an object of ``kind`` centred ``y`` m to the side is in the path."""
        return abs(y) <= self._reach[kind]
