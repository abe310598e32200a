"""The registry: fleets, their vehicles and their drivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class Fleet:
    """A taxi company (or any operator of vehicles)."""

    fleet_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Vehicle:
    """A registered vehicle; ``fleet_id`` is None for a vehicle no fleet has claimed."""

    vehicle_id: str
    fleet_id: str | None
    created_at: datetime


@dataclass(frozen=True)
class Driver:
    """A driver of a fleet (personal data: shown to analysts only as a pseudonym)."""

    driver_id: str
    fleet_id: str
    name: str
    created_at: datetime


class RegistryStore(Protocol):
    """Who operates which vehicles, and who drives them."""

    def add_fleet(self, fleet_id: str, name: str) -> Fleet:
        """Register a fleet."""
        ...

    def list_fleets(self) -> list[Fleet]:
        """Every fleet."""
        ...

    def add_vehicle(self, vehicle_id: str, fleet_id: str | None) -> Vehicle:
        """Register a vehicle (or move a registered one to another fleet)."""
        ...

    def list_vehicles(self, fleet_id: str | None = None) -> list[Vehicle]:
        """Registered vehicles, of one fleet when given."""
        ...

    def add_driver(self, driver_id: str, fleet_id: str, name: str) -> Driver:
        """Register a driver with a fleet."""
        ...

    def list_drivers(self, fleet_id: str | None = None) -> list[Driver]:
        """Registered drivers, of one fleet when given."""
        ...
