"""Cyclists riding on the road ahead of the taxis (SUMO vehicles of class ``bicycle``).

Helsinki's centre has few separate cycle tracks on its car streets, so people cycle in the
traffic lane. Cyclists start as a Poisson process, :data:`CYCLISTS_PER_HOUR` an hour in
the whole simulated city (``SimConfig.cyclists_per_hour``): each one is put at the start of
the next street on a taxi's route (the taxi is drawn at random among those on a street), so
that the taxi comes up behind them, and rides that street and :data:`RIDE_EDGES` - 1 more
(SUMO's route for a bicycle) before leaving. Only these short rides are simulated: a
cyclist far from every taxi is never seen by a unit and costs SUMO a vehicle.

The taxi's unit sees a cyclist as an obstacle of type bicycle (0x739 ``Type`` 4,
``../shared/reference/mobileye-can.md``), not as a vehicle to follow: SUMO makes the taxi
follow the bicycle, but the unit's forward warnings (FCW, HMW) are for vehicles, and the
cyclist is judged by the pedestrian rule (:mod:`roadsense.sim.pedestrian_rule`), PCW. A
driver who is not paying attention (:mod:`roadsense.sim.drivers`) may come upon one too
fast.

The rides are drawn from a random stream of their own, so that adding them leaves the
traffic's own draws as they were.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from types import ModuleType

CYCLISTS_PER_HOUR = 3.0
"""Cyclists who start riding ahead of a taxi per hour, in the whole city (a design choice:
with pedestrians the fleet's PCW stays inside the published 0-0.1 per 100 km)."""
BICYCLE_TYPE = "cyclist"
"""SUMO vehicle type of the cyclists (a copy of SUMO's ``DEFAULT_BIKETYPE``)."""
PREFIX = "bike-"
"""Vehicle ids of the cyclists start so."""
RIDE_EDGES = 3
"""Streets each cyclist rides at most."""


def is_cyclist(vehicle_id: str) -> bool:
    """Whether a SUMO vehicle is one of the cyclists."""
    return vehicle_id.startswith(PREFIX)


class CyclistRides:
    """Starts the cyclists' rides ahead of the taxis, second by second."""

    def __init__(
        self,
        sumo: ModuleType,
        taxi_ids: Sequence[str],
        rng: random.Random,
        per_hour: float = CYCLISTS_PER_HOUR,
    ) -> None:
        self._sumo = sumo
        self._taxis = list(taxi_ids)
        self._rng = rng
        self._p = min(1.0, per_hour / 3600.0)
        self.started = 0
        """Rides begun so far."""
        self.riding: set[str] = set()
        """The cyclists on their way (or waiting to start)."""
        sumo.vehicletype.copy("DEFAULT_BIKETYPE", BICYCLE_TYPE)
        sumo.vehicletype.setVehicleClass(BICYCLE_TYPE, "bicycle")

    def arrived(self, vehicle_id: str) -> None:
        """A cyclist is at the end of the ride (SUMO took the bicycle away)."""
        self.riding.discard(vehicle_id)

    def second(self) -> None:
        """One simulated second: perhaps a cyclist starts riding ahead of some taxi."""
        if self._rng.random() >= self._p:
            return
        taxi = self._rng.choice(self._taxis)
        veh = self._sumo.vehicle
        try:
            route = veh.getRoute(taxi)
            index = veh.getRouteIndex(taxi)
        except self._sumo.TraCIException:  # not on the road now
            return
        if index < 0 or index + 1 >= len(route):
            return
        edges = list(route[index + 1 : index + 1 + RIDE_EDGES])
        bid = f"{PREFIX}{self.started:05d}"
        route_id = f"route-{bid}"
        try:
            self._sumo.route.add(route_id, edges)
            veh.add(bid, route_id, typeID=BICYCLE_TYPE, depart="now", departPos="base")
        except self._sumo.TraCIException:  # pragma: no cover - a street bicycles may not use
            return
        self.started += 1
        self.riding.add(bid)
